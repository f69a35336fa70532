namespace AdmissionWebhook.Validation;

/// <summary>
/// Reads durations the way Keptn does (Go's time.ParseDuration), restricted to the form the KeptnTask CRD's pattern
/// admits: one or more "number unit" pairs, the number written as digits with an optional fraction.
/// </summary>
internal static class GoDuration
{
    /// <summary>Parses <paramref name="text"/>; false when it is not a duration the CRD would store.</summary>
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text == "0")
        {
            return true;
        }

        if (text.Length == 0)
        {
            return false;
        }

        decimal totalSeconds = 0;
        var i = 0;
        while (i < text.Length)
        {
            var numberStart = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == numberStart)
            {
                return false;
            }

            if (i < text.Length && text[i] == '.')
            {
                i++;
                var fractionStart = i;
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }

                if (i == fractionStart)
                {
                    return false;
                }
            }

            var numberEnd = i;
            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            var unitSeconds = UnitSeconds(text.AsSpan(unitStart, i - unitStart));
            if (unitSeconds is null)
            {
                return false;
            }

            // Durations beyond Go's int64 nanoseconds (about 292 years) fail in Keptn too.
            if (numberEnd - numberStart > 20 ||
                !decimal.TryParse(text.AsSpan(numberStart, numberEnd - numberStart), System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            totalSeconds += number * unitSeconds.Value;
            if (totalSeconds > MaxSeconds)
            {
                return false;
            }
        }

        duration = TimeSpan.FromTicks((long)(totalSeconds * TimeSpan.TicksPerSecond));
        return true;
    }

    /// <summary>True for a plain number of seconds such as "300" or "2.5", which the reference page's "duration-in-seconds" invites.</summary>
    public static bool IsBareSeconds(string text)
    {
        if (text.Length == 0 || text.Length > 20)
        {
            return false;
        }

        var dot = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '.' && !dot && i > 0 && i < text.Length - 1)
            {
                dot = true;
            }
            else if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private const decimal MaxSeconds = 9_223_372_036m;

    private static decimal? UnitSeconds(ReadOnlySpan<char> unit) => unit switch
    {
        "ns" => 0.000_000_001m,
        "us" or "\u00b5s" or "\u03bcs" => 0.000_001m,
        "ms" => 0.001m,
        "s" => 1m,
        "m" => 60m,
        "h" => 3600m,
        _ => null,
    };
}
