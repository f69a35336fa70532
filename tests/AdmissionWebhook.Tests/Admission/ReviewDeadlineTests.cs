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
}
