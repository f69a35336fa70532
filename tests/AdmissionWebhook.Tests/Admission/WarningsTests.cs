using AdmissionWebhook.Admission;

namespace AdmissionWebhook.Tests.Admission;

public sealed class WarningsTests
{
    [Fact]
    public void Limit_NoWarnings_IsEmpty() => Assert.Empty(Warnings.Limit([]));

    [Fact]
    public void Limit_ShortWarnings_AreKeptInOrder() =>
        Assert.Equal(["first", "second"], Warnings.Limit(["first", "second"]));

    [Fact]
    public void Limit_Exactly120Characters_IsKeptWhole()
    {
        var warning = new string('w', Warnings.MaxLength);

        Assert.Equal([warning], Warnings.Limit([warning]));
    }

    [Fact]
    public void Limit_121Characters_IsCutTo120EndingInAnEllipsis()
    {
        var warning = string.Concat(Enumerable.Range(0, 121).Select(i => (char)('a' + (i % 26))));

        var limited = Assert.Single(Warnings.Limit([warning]));

        Assert.Equal(120, limited.Length);
        Assert.Equal(warning[..117] + "...", limited);
    }

    [Fact]
    public void Limit_LongWarning_NeverExceeds120()
    {
        var limited = Assert.Single(Warnings.Limit([new string('x', 5000)]));

        Assert.Equal(Warnings.MaxLength, limited.Length);
    }

    [Fact]
    public void Limit_ControlCharacters_BecomeSpaces() =>
        Assert.Equal(["line one line two "], Warnings.Limit(["line one\nline\ttwo\r"]));

    [Fact]
    public void Limit_ManyWarnings_KeepsEveryOne() =>
        Assert.Equal(3, Warnings.Limit(["a", new string('b', 300), "c"]).Count);
}
