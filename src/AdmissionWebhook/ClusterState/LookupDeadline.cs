using System.Diagnostics;

namespace AdmissionWebhook.ClusterState;

/// <summary>
/// When a review's lookups must have answered, and the token that enforces it. The token's source and timer are made by
/// the first lookup that goes to the API server, not per review: most reviews answer from the cache alone, and the
/// manifest state never asks the API server at all, where a linked source and a timer-queue entry per review were made
/// and torn down for nothing (docs/performance.md). Time before that first lookup counts against the deadline.
/// </summary>
internal sealed class LookupDeadline : IDisposable
{
    private readonly CancellationToken _aborted;
    private readonly long _expires;
    private CancellationTokenSource? _source;

    /// <summary>No deadline of its own: lookups end only when <paramref name="aborted"/> is cancelled.</summary>
    public LookupDeadline(CancellationToken aborted)
        : this(expires: long.MaxValue, aborted)
    {
    }

    /// <summary>Lookups end <paramref name="budget"/> from now, or when <paramref name="aborted"/> is cancelled.</summary>
    public LookupDeadline(TimeSpan budget, CancellationToken aborted)
        : this(Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency), aborted)
    {
    }

    private LookupDeadline(long expires, CancellationToken aborted)
    {
        _aborted = aborted;
        _expires = expires;
    }

    /// <summary>For callers without a deadline (the review command, benchmarks): lookups are never cut short.</summary>
    public static LookupDeadline None { get; } = new(CancellationToken.None);

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
}
