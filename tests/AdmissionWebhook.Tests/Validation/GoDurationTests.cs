using AdmissionWebhook.Validation;

namespace AdmissionWebhook.Tests.Validation;

public sealed class GoDurationTests
{
    [Theory]
    [InlineData("1h30m", 5400.0)]
    [InlineData("90s", 90.0)]
    [InlineData("2.5m", 150.0)]
    [InlineData("1s", 1.0)]
    [InlineData("5m", 300.0)]
    [InlineData("1h1m1s", 3661.0)]
    [InlineData("0.5h", 1800.0)]
    [InlineData("1500ms", 1.5)]
    [InlineData("500000us", 0.5)]
    [InlineData("2000000\u00b5s", 2.0)]
    [InlineData("2000000\u03bcs", 2.0)]
    [InlineData("3000000000ns", 3.0)]
    [InlineData("1m1m", 120.0)]
    [InlineData("0", 0.0)]
    [InlineData("0s", 0.0)]
    public void TryParse_GoDuration_ReturnsItsLength(string text, double seconds)
    {
        Assert.True(GoDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Fact]
    public void TryParse_LongestGoDuration_IsAccepted()
    {
        Assert.True(GoDuration.TryParse("2562047h", out var duration));
        Assert.Equal(TimeSpan.FromHours(2562047), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5 minutes")]
    [InlineData("300")]
    [InlineData("2.5")]
    [InlineData("1d")]
    [InlineData("5M")]
    [InlineData("5S")]
    [InlineData("-5m")]
    [InlineData("+5m")]
    [InlineData(".5s")]
    [InlineData("5.s")]
    [InlineData("1h 30m")]
    [InlineData(" 5m")]
    [InlineData("5m ")]
    [InlineData("s")]
    [InlineData("5m3")]
    [InlineData("1e3s")]
    [InlineData("3000000h")]
    [InlineData("123456789012345678901s")]
    public void TryParse_NotAGoDurationTheCrdAdmits_ReturnsFalse(string text)
    {
        Assert.False(GoDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.Zero, duration);
    }

    [Theory]
    [InlineData("300")]
    [InlineData("0")]
    [InlineData("2.5")]
    [InlineData("12345678901234567890")]
    public void IsBareSeconds_PlainNumber_IsTrue(string text) => Assert.True(GoDuration.IsBareSeconds(text));

    [Theory]
    [InlineData("")]
    [InlineData("300s")]
    [InlineData("5m")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("1.2.3")]
    [InlineData("-5")]
    [InlineData("+5")]
    [InlineData("1e3")]
    [InlineData("3 00")]
    [InlineData("\uff13\uff10\uff10")]
    [InlineData("123456789012345678901")]
    public void IsBareSeconds_AnythingElse_IsFalse(string text) => Assert.False(GoDuration.IsBareSeconds(text));
}
