namespace AdmissionWebhook.E2E.Harness;

/// <summary>Polling with a deadline: the only way the harness waits for something to happen.</summary>
public static class Poll
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Evaluates <paramref name="condition"/> until it is true; throws a <see cref="TimeoutException"/> with
    /// <paramref name="describeFailure"/> when <paramref name="timeout"/> passes first. Exceptions of the condition
    /// propagate (a condition throws to say "this will never become true").
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describeFailure)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(describeFailure);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException(describeFailure());
            }

            await Task.Delay(Interval);
        }
    }
}
