namespace AdmissionWebhook.Admission;

/// <summary>The apiserver shows at most 120 characters of a warning; longer ones are cut here, visibly.</summary>
internal static class Warnings
{
    public const int MaxLength = 120;

    public static IReadOnlyList<string> Limit(IReadOnlyList<string> warnings)
    {
        if (warnings.Count == 0)
        {
            return [];
        }

        var limited = new string[warnings.Count];
        for (var i = 0; i < limited.Length; i++)
        {
            var clean = WithoutControlCharacters(warnings[i]);
            limited[i] = clean.Length <= MaxLength ? clean : clean[..(MaxLength - 3)] + "...";
        }

        return limited;
    }

    /// <summary>Control characters become spaces; a warning without any (the usual case) is returned as it is.</summary>
    private static string WithoutControlCharacters(string warning)
    {
        var first = warning.AsSpan().IndexOfAnyInRange('\u0000', '\u001f');
        var firstHigh = warning.AsSpan().IndexOfAnyInRange('\u007f', '\u009f');
        if (first < 0 && firstHigh < 0)
        {
            return warning;
        }

        return string.Create(warning.Length, warning, static (span, text) =>
        {
            for (var i = 0; i < text.Length; i++)
            {
                span[i] = char.IsControl(text[i]) ? ' ' : text[i];
            }
        });
    }
}
