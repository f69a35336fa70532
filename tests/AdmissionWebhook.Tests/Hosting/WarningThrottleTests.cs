using AdmissionWebhook.Hosting;

namespace AdmissionWebhook.Tests.Hosting;

public sealed class WarningThrottleTests
{
    [Fact]
    public void AWarningMetOnEveryConnectionIsLetThroughOncePerInterval()
    {
        var time = new SteppedTime();
        var throttle = new WarningThrottle(time, TimeSpan.FromMinutes(1));

        var first = Enumerable.Range(0, 100).Count(_ => throttle.ShouldWarn());
        time.Advance(TimeSpan.FromSeconds(59));
        var withinTheMinute = throttle.ShouldWarn();
        time.Advance(TimeSpan.FromSeconds(1));
        var afterTheMinute = throttle.ShouldWarn();

        Assert.Equal(1, first);
        Assert.False(withinTheMinute);
        Assert.True(afterTheMinute);
    }

    private sealed class SteppedTime : TimeProvider
    {
        private long _ticks = TimeSpan.TicksPerHour;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
