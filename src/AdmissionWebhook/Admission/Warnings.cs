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

        var limited = new List<string>(warnings.Count);
        foreach (var warning in warnings)
        {
            var clean = new string(warning.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
            limited.Add(clean.Length <= MaxLength ? clean : clean[..(MaxLength - 3)] + "...");
        }

        return limited;
    }
}
