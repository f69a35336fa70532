using System.Diagnostics;

namespace AdmissionWebhook.Tests.TestSupport;

/// <summary>Every asynchronous wait in the tests goes through here, so a hang fails the test instead of the run.</summary>
internal static class TimeBox
{
    public static TimeSpan Limit => Debugger.IsAttached ? TimeSpan.FromMinutes(10) : TimeSpan.FromSeconds(10);

    public static CancellationTokenSource NewToken() => new(Limit);

    public static Task<T> Within<T>(ValueTask<T> task) => task.AsTask().WaitAsync(Limit);
}
