using System.Text;

namespace AdmissionWebhook.KeptnTasks;

/// <summary>
/// The strings that recur from review to review without being constants — a namespace, a task definition, an app or
/// workload name and version — kept so that a review with the same bytes gets the string the last one made instead of
/// a new one. Every byte a review allocates is fresh memory the core has to fetch, under load about half a microsecond
/// per kilobyte (docs/performance.md). A task's own name and the review's uid are new in every review and never come
/// here. One slot per hash: a value that does not match its slot's string replaces it, so the cache stays a fixed
/// size whatever the cluster sends. Slots are read and written without a lock; a reader sees a whole string or the
/// one before.
/// </summary>
internal static class RecurringValues
{
    /// <summary>A power of two. The example cluster repeats a few dozen values; a large one a few hundred.</summary>
    private const int Slots = 1024;

    /// <summary>Longer values (a 253-character DNS name is the longest a rule compares) are made anew each time.</summary>
    private const int MaxLength = 253;

    private static readonly string?[] Cache = new string?[Slots];

    /// <summary>The string of <paramref name="ascii"/> (plain ASCII): a known constant, the one a recent review made, or a new one.</summary>
    public static string Of(ReadOnlySpan<byte> ascii)
    {
        if (KnownValues.Of(ascii) is { } known)
        {
            return known;
        }

        if (ascii.Length > MaxLength)
        {
            return Encoding.ASCII.GetString(ascii);
        }

        var hash = new HashCode();
        hash.AddBytes(ascii);
        ref var slot = ref Cache[hash.ToHashCode() & (Slots - 1)];
        if (slot is { } recent && System.Text.Ascii.Equals(ascii, recent))
        {
            return recent;
        }

        var value = Encoding.ASCII.GetString(ascii);
        slot = value;
        return value;
    }
}
