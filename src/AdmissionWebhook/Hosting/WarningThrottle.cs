namespace AdmissionWebhook.Hosting;

/// <summary>
/// Lets a warning through at most once per interval, from any thread: for conditions met on every connection (no
/// certificate to serve, the connection limit), where one line says what a line per connection would only repeat.
/// </summary>
internal sealed class WarningThrottle(TimeProvider time, TimeSpan interval)
{
    private long _last;

    /// <summary>True for the first caller, then for the first caller after each <c>interval</c>.</summary>
    public bool ShouldWarn()
    {
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _last);
        return (last == 0 || time.GetElapsedTime(last, now) >= interval) && Interlocked.CompareExchange(ref _last, now, last) == last;
    }
}
