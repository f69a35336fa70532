namespace AdmissionWebhook.Validation;

/// <summary>Suggestions that turn a refusal into a next step: the next free run name, and "did you mean" for typos.</summary>
internal static class NameSuggestions
{
    /// <summary>
    /// The next name in the "increment the number for each run" habit of the KeptnTask reference:
    /// <c>helloworldtask-1</c> → <c>helloworldtask-2</c>, <c>check</c> → <c>check-2</c>, skipping names already taken
    /// and never longer than <paramref name="maxLength"/> (a suggestion the webhook would refuse is no help).
    /// </summary>
    public static string NextFreeName(string name, Func<string, bool> isTaken, int maxLength = NameRule.MaxTaskNameLength)
    {
        var digitsStart = name.Length;
        while (digitsStart > 0 && char.IsAsciiDigit(name[digitsStart - 1]))
        {
            digitsStart--;
        }

        var (stem, number) = digitsStart == name.Length || digitsStart == 0
            ? (name + "-", "1")
            : (name[..digitsStart], name[digitsStart..]);

        // Bounded so a namespace that somehow holds every candidate cannot stall a review.
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            number = Increment(number);
            var candidate = Fit(stem, number, maxLength);
            if (!isTaken(candidate))
            {
                return candidate;
            }
        }

        return Fit(stem, Increment(number), maxLength);
    }

    /// <summary>Joins stem and run number, cutting the stem (never the number) to fit, without leaving a '.' or '-' before a cut.</summary>
    private static string Fit(string stem, string number, int maxLength)
    {
        if (stem.Length + number.Length <= maxLength)
        {
            return stem + number;
        }

        var kept = stem[..Math.Max(1, maxLength - number.Length - 1)].TrimEnd('-', '.');
        return kept + "-" + number;
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

    private static string Increment(string digits)
    {
        var chars = digits.ToCharArray();
        for (var i = chars.Length - 1; i >= 0; i--)
        {
            if (chars[i] < '9')
            {
                chars[i]++;
                return new string(chars);
            }

            chars[i] = '0';
        }

        return "1" + new string(chars);
    }
}
