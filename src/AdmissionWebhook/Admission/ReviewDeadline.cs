using AdmissionWebhook.Validation;

namespace AdmissionWebhook.Admission;

/// <summary>
/// How long a review may spend waiting on lookups: the configured lookup timeout, but never past the deadline the
/// apiserver gives in <c>?timeout=</c>, less a margin for the answer to travel back.
/// </summary>
internal static class ReviewDeadline
{
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(500);

    public static TimeSpan For(string? timeoutQuery, TimeSpan lookupTimeout)
    {
        if (timeoutQuery is { Length: > 0 } && GoDuration.TryParse(timeoutQuery, out var callerTimeout))
        {
            var available = callerTimeout - Margin;
            var floor = TimeSpan.FromMilliseconds(100);
            return available < lookupTimeout ? (available < floor ? floor : available) : lookupTimeout;
        }

        return lookupTimeout;
    }
}
