using AdmissionWebhook.ClusterState;

namespace AdmissionWebhook.Tests.ClusterState;

public sealed class LookupDeadlineTests
{
    [Fact]
    public async Task TimeBeforeTheFirstLookupCountsAgainstTheDeadline()
    {
        using var deadline = new LookupDeadline(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        await Task.Delay(200);

        Assert.True(deadline.Token.IsCancellationRequested);
    }

    [Fact]
    public async Task ALookupIsCutShortWhenTheDeadlinePassesButNotBefore()
    {
        using var deadline = new LookupDeadline(TimeSpan.FromSeconds(1), CancellationToken.None);
        var token = deadline.Token;

        Assert.False(token.IsCancellationRequested);
        Assert.True(await CancelledWithin(TimeSpan.FromSeconds(5), token));
    }

    [Fact]
    public void ALookupEndsWhenTheReviewIsAbortedWhateverItsDeadline()
    {
        using var aborted = new CancellationTokenSource();
        using var deadline = new LookupDeadline(TimeSpan.FromSeconds(20), aborted.Token);
        var token = deadline.Token;

        aborted.Cancel();

        Assert.True(token.IsCancellationRequested);
    }

    [Fact]
    public void WithoutADeadlineTheLookupsGetTheCallersTokenAsItIs()
    {
        using var caller = new CancellationTokenSource();
        using var deadline = new LookupDeadline(caller.Token);

        Assert.Equal(caller.Token, deadline.Token);
        Assert.False(LookupDeadline.None.Token.CanBeCanceled);
    }

    private static async Task<bool> CancelledWithin(TimeSpan within, CancellationToken token)
    {
        try
        {
            await Task.Delay(within, token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }
}
