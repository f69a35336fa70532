using AdmissionWebhook.Configuration;

namespace AdmissionWebhook.Tests.Configuration;

/// <summary>The serve command line: what it refuses before the host is built, and why.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData(new[] { "--state" }, "--state needs a folder or file")]
    [InlineData(new[] { "--https-port", "8443", "--state" }, "--state needs a folder or file")]
    [InlineData(new[] { "--https-port", "--health-port", "20185" }, "--https-port needs a port")]
    [InlineData(new[] { "--log-format", "--state", "examples/cluster" }, "--log-format needs text or json")]
    [InlineData(new[] { "--Webhook:LookupTimeout" }, "--Webhook:LookupTimeout needs a value")]
    [InlineData(new[] { "--Webhook:LookupTimeout", "--https-port", "1" }, "--Webhook:LookupTimeout needs a value")]
    public void AValueTakingFlagThatIsLastOrFollowedByAnotherFlagIsAUsageErrorNamingThatFlag(string[] args, string expected)
    {
        Assert.Equal(expected, CommandLine.FindServeUsageError(args));
    }

    [Theory]
    [InlineData(new[] { "--verbose" }, "unknown option \"--verbose\"")]
    [InlineData(new[] { "--https-port", "8443", "extra" }, "unknown option \"extra\"")]
    public void AnArgumentThatIsNoServeFlagIsAUsageErrorNamingIt(string[] args, string expected)
    {
        Assert.Equal(expected, CommandLine.FindServeUsageError(args));
    }

    [Theory]
    [InlineData("")]
    [InlineData("--state examples/cluster --https-port 0")]
    [InlineData("--health-port -1")]
    [InlineData("--state=--odd-folder --Webhook:DevCertificateDirectory=")]
    [InlineData("--Webhook:LookupTimeout 00:00:02 --log-format json")]
    public void FlagsWithTheirValuesAreNoUsageError(string line)
    {
        Assert.Null(CommandLine.FindServeUsageError(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
    }

    /// <summary>A trailing --state was dropped, and the webhook started on the embedded examples instead of the folder meant.</summary>
    [Fact]
    public async Task ServeWithATrailingStateFlagEndsWithExitCode2AndSaysTheFlagNeedsAValue()
    {
        using var error = new StringWriter();

        var exitCode = await Program.ServeAsync(["--https-port", "0", "--health-port", "0", "--state"], error);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("serve: --state needs a folder or file\n", error.ToString(), StringComparison.Ordinal);
    }
}
