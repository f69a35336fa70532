using AdmissionWebhook.Admission;

namespace AdmissionWebhook.Tests.Admission;

public sealed class ReviewDeadlineTests
{
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(null, 2000)]
    [InlineData("", 2000)]
    [InlineData("10s", 2000)]
    [InlineData("2s", 1500)]
    [InlineData("1s", 500)]
    [InlineData("300ms", 100)]
    [InlineData("not-a-duration", 2000)]
    public void TheLookupsGetTheConfiguredTimeoutButNeverOutliveTheApiServersWait(string? timeoutQuery, int expectedMilliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), ReviewDeadline.For(timeoutQuery, LookupTimeout));

    [Theory]
    [InlineData("2s", 400, 1100)]
    [InlineData("10s", 400, 2000)]
    [InlineData("1s", 600, 100)]
    [InlineData(null, 900, 2000)]
    public void TimeTheReviewSpentBeforeItsLookupsComesOffTheApiServersWait(string? timeoutQuery, int spentMilliseconds, int expectedMilliseconds) =>
        Assert.Equal(
            TimeSpan.FromMilliseconds(expectedMilliseconds),
            ReviewDeadline.For(timeoutQuery, LookupTimeout, TimeSpan.FromMilliseconds(spentMilliseconds)));

    [Fact]
    public void EachCallerTimeoutIsHonouredWhenTheyAlternate()
    {
        var deadlines = ((string[])["2s", "1s", "2s", "garbage", "1s"]).Select(timeout => ReviewDeadline.For(timeout, LookupTimeout).TotalMilliseconds);

        Assert.Equal([1500, 500, 1500, 2000, 500], deadlines);
    }

    [Fact]
    public async Task TimeBeforeTheFirstLookupCountsAgainstTheDeadline()
    {
        using var deadline = new ReviewDeadline(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        await Task.Delay(200);

        Assert.True(deadline.Token.IsCancellationRequested);
    }

    [Fact]
    public async Task ALookupIsCutShortWhenTheDeadlinePassesButNotBefore()
    {
        using var deadline = new ReviewDeadline(TimeSpan.FromSeconds(1), CancellationToken.None);
        var token = deadline.Token;

        Assert.False(token.IsCancellationRequested);
        Assert.True(await CancelledWithin(TimeSpan.FromSeconds(5), token));
    }

    [Fact]
    public void ALookupEndsWhenTheReviewIsAbortedWhateverItsDeadline()
    {
        using var aborted = new CancellationTokenSource();
        using var deadline = new ReviewDeadline(TimeSpan.FromSeconds(20), aborted.Token);
        var token = deadline.Token;

        aborted.Cancel();

        Assert.True(token.IsCancellationRequested);
    }

    [Fact]
    public void WithoutADeadlineTheLookupsGetTheCallersTokenAsItIs()
    {
        using var caller = new CancellationTokenSource();
        using var deadline = new ReviewDeadline(caller.Token);

        Assert.Equal(caller.Token, deadline.Token);
        Assert.False(ReviewDeadline.None.Token.CanBeCanceled);
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
