using AdmissionWebhook.Validation;

namespace AdmissionWebhook.Admission;

/// <summary>
/// How long a review may spend waiting on lookups: the configured lookup timeout, but never past the deadline the
/// apiserver gives in <c>?timeout=</c>, less a margin for the answer to travel back and less what the review has spent
/// already (the apiserver's clock started when it sent the request, not when the lookups begin). The review's
/// <see cref="ClusterState.LookupDeadline"/> enforces it.
/// </summary>
internal static class ReviewDeadline
{
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(500);

    // The apiserver sends the same ?timeout= on every call of a webhook: the last one's parse is kept.
    private static ParsedTimeout? s_last;

    public static TimeSpan For(ReadOnlySpan<char> timeoutQuery, TimeSpan lookupTimeout, TimeSpan spentSoFar = default)
    {
        if (timeoutQuery.IsEmpty)
        {
            return lookupTimeout;
        }

        var last = s_last;
        if (last is null || !timeoutQuery.SequenceEqual(last.Text))
        {
            var text = timeoutQuery.ToString();
            last = new ParsedTimeout(text, GoDuration.TryParse(text, out var parsed) ? parsed : null);
            s_last = last;
        }

        if (last.Timeout is { } callerTimeout)
        {
            var available = callerTimeout - Margin - spentSoFar;
            var floor = TimeSpan.FromMilliseconds(100);
            return available < lookupTimeout ? (available < floor ? floor : available) : lookupTimeout;
        }

        return lookupTimeout;
    }

    private sealed record ParsedTimeout(string Text, TimeSpan? Timeout);
}
