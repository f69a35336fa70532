using System.Diagnostics;
using AdmissionWebhook.Validation;

namespace AdmissionWebhook.Admission;

/// <summary>
/// How long a review may spend waiting on lookups (<see cref="For"/>): the configured lookup timeout, but never past the
/// deadline the apiserver gives in <c>?timeout=</c>, less a margin for the answer to travel back and less what the
/// review has spent already (the apiserver's clock started when it sent the request, not when the lookups begin).
/// An instance holds one review's deadline and gives its lookups the token that enforces it. The token's source and
/// timer are made at the first lookup, not per review: most reviews answer from the cache alone and never need them,
/// where a linked source and a timer-queue entry per review were made and torn down for nothing (docs/performance.md).
/// </summary>
internal sealed class ReviewDeadline : IDisposable
{
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(500);

    // The apiserver sends the same ?timeout= on every call of a webhook: the last one's parse is kept.
    private static ParsedTimeout? s_last;

    private readonly CancellationToken _aborted;
    private readonly long _expires;
    private CancellationTokenSource? _source;

    /// <summary>No deadline of its own: lookups end only when <paramref name="aborted"/> is cancelled.</summary>
    public ReviewDeadline(CancellationToken aborted)
        : this(expires: long.MaxValue, aborted)
    {
    }

    /// <summary>Lookups end <paramref name="budget"/> from now, or when <paramref name="aborted"/> is cancelled.</summary>
    public ReviewDeadline(TimeSpan budget, CancellationToken aborted)
        : this(Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency), aborted)
    {
    }

    private ReviewDeadline(long expires, CancellationToken aborted)
    {
        _aborted = aborted;
        _expires = expires;
    }

    /// <summary>For callers without a deadline (the review command, benchmarks): lookups are never cut short.</summary>
    public static ReviewDeadline None { get; } = new(CancellationToken.None);

    /// <summary>Cancelled when the deadline passes or the review is aborted; the first read starts the timer.</summary>
    public CancellationToken Token
    {
        get
        {
            if (_expires == long.MaxValue)
            {
                return _aborted;
            }

            if (_source is null)
            {
                _source = CancellationTokenSource.CreateLinkedTokenSource(_aborted);
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _expires);
                if (left > TimeSpan.Zero)
                {
                    _source.CancelAfter(left);
                }
                else
                {
                    _source.Cancel();
                }
            }

            return _source.Token;
        }
    }

    public void Dispose() => _source?.Dispose();

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
