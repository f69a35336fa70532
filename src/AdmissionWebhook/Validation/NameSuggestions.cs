namespace AdmissionWebhook.Validation;

/// <summary>Suggestions that turn a refusal into a next step: the next free run name, and "did you mean" for typos.</summary>
internal static class NameSuggestions
{
    /// <summary>
    /// The next name in the "increment the number for each run" habit of the KeptnTask reference:
    /// <c>helloworldtask-1</c> → <c>helloworldtask-2</c>, <c>check</c> → <c>check-2</c>, skipping names
    /// <paramref name="isTaken"/> says are taken and never longer than <paramref name="maxLength"/> (a suggestion the
    /// webhook would refuse is no help). Each candidate is built in place: only the names looked up become strings.
    /// </summary>
    public static string NextFreeName<TContext>(string name, TContext context, Func<TContext, string, bool> isTaken, int maxLength = NameRule.MaxTaskNameLength)
    {
        var digitsStart = name.Length;
        while (digitsStart > 0 && char.IsAsciiDigit(name[digitsStart - 1]))
        {
            digitsStart--;
        }

        var numbered = digitsStart != name.Length && digitsStart != 0;
        var stem = numbered ? name.AsSpan(0, digitsStart) : name + "-";

        // The run number, right-aligned with room for the carries of a thousand attempts (9 becomes 1010 at most).
        var digits = numbered ? name.Length - digitsStart : 1;
        var number = new char[digits + 4];
        if (numbered)
        {
            name.AsSpan(digitsStart).CopyTo(number.AsSpan(number.Length - digits));
        }
        else
        {
            number[^1] = '1';
        }

        // Bounded so a namespace that somehow holds every candidate cannot stall a review: after a thousand lookups the
        // next candidate is suggested without one.
        for (var attempt = 0; ; attempt++)
        {
            digits = Increment(number, digits);
            var candidate = Fit(stem, number.AsSpan(number.Length - digits), maxLength);
            if (attempt == 1000 || !isTaken(context, candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>Joins stem and run number, cutting the stem (never the number) to fit, without leaving a '.' or '-' before a cut.</summary>
    private static string Fit(ReadOnlySpan<char> stem, ReadOnlySpan<char> number, int maxLength)
    {
        if (stem.Length + number.Length <= maxLength)
        {
            return string.Concat(stem, number);
        }

        var kept = stem[..Math.Max(1, maxLength - number.Length - 1)].TrimEnd("-.");
        return string.Concat(kept, "-", number);
    }

    /// <summary>The candidates within <paramref name="maxDistance"/> edits of <paramref name="name"/>, closest first.</summary>
    public static IReadOnlyList<string> Closest(string name, IEnumerable<string> candidates, int maxDistance = 2, int limit = 3)
    {
        var found = new List<(string Name, int Distance)>();
        foreach (var candidate in candidates)
        {
            if (Math.Abs(candidate.Length - name.Length) > maxDistance || candidate == name)
            {
                continue;
            }

            var distance = EditDistance(name, candidate, maxDistance);
            if (distance <= maxDistance)
            {
                found.Add((candidate, distance));
            }
        }

        found.Sort((a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : string.CompareOrdinal(a.Name, b.Name));
        var result = new List<string>(Math.Min(limit, found.Count));
        foreach (var (candidate, _) in found)
        {
            if (result.Count == limit)
            {
                break;
            }

            if (!result.Contains(candidate))
            {
                result.Add(candidate);
            }
        }

        return result;
    }

    /// <summary>Levenshtein distance, stopping early once every path exceeds <paramref name="bound"/>.</summary>
    internal static int EditDistance(string a, string b, int bound)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var rowMin = current[0];
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                rowMin = Math.Min(rowMin, current[j]);
            }

            if (rowMin > bound)
            {
                return bound + 1;
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>Adds one to the <paramref name="digits"/> right-aligned in <paramref name="number"/>; returns how many digits it has now.</summary>
    private static int Increment(char[] number, int digits)
    {
        for (var i = number.Length - 1; i >= number.Length - digits; i--)
        {
            if (number[i] < '9')
            {
                number[i]++;
                return digits;
            }

            number[i] = '0';
        }

        number[number.Length - digits - 1] = '1';
        return digits + 1;
    }
}
