namespace AdmissionWebhook.Observability;

/// <summary>
/// The reason of a review line: a denial's HTTP code and message, or a mutation's summary (code 0), shown as
/// <c>409 KeptnTask "a" cannot be created: …</c>. The line writes the pieces itself: joining them into one string cost a
/// denial half a kilobyte per review for a value only the line reads.
/// </summary>
internal readonly record struct ReviewReason(int Code, string Text)
{
    /// <summary>A message longer than this is cut, so a line stays one screen wide; the answer carries it whole.</summary>
    public const int MaxTextChars = 300;

    /// <summary>What ends a text that was cut.</summary>
    public const string CutMark = "...";

    public static ReviewReason None => new(0, string.Empty);

    /// <summary>What the line shows of <see cref="Text"/>, <see cref="CutMark"/> excluded.</summary>
    public ReadOnlySpan<char> ShownText => IsCut ? Text.AsSpan(0, MaxTextChars - CutMark.Length) : Text;

    /// <summary>True when <see cref="Text"/> is too long and the line ends it with "...".</summary>
    public bool IsCut => Text.Length > MaxTextChars;

    /// <summary>The reason as one string, for the Serilog event (the line's slower path).</summary>
    public override string ToString()
    {
        var shown = IsCut ? string.Concat(ShownText, CutMark) : Text;
        return Code > 0 ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Code} {shown}") : shown;
    }
}
