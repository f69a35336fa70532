using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AdmissionWebhook.Hosting;
using AdmissionWebhook.Tests.Cli;
using Microsoft.Extensions.Options;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>A misconfigured <c>serve</c>, or one whose port is taken, refuses to start, and says which flag is wrong.</summary>
public sealed class OptionsValidationTests : IDisposable
{
    private readonly TestCertificateAuthority _authority = TestCertificateAuthority.Create();
    private readonly SecretVolume _volume;

    public OptionsValidationTests() => _volume = SecretVolume.Create(_authority.IssueServingCertificate());

    public static TheoryData<string, string[], string[]> Misconfigurations => new()
    {
        { "an HTTPS port above 65535", ["--https-port", "70000"], ["--https-port", "70000"] },
        { "a negative health port", ["--health-port", "-1"], ["--health-port"] },
        { "the same port twice", ["--https-port", "18443", "--health-port", "18443"], ["--health-port", "18443"] },
        { "a Keptn namespace that is no namespace name", ["--keptn-namespace", "Keptn_System"], ["--keptn-namespace", "Keptn_System"] },
        { "a state folder that does not exist", ["--state", "/nonexistent/keptn-state"], ["--state", "/nonexistent/keptn-state"] },
        { "a client CA file that does not exist", ["--client-ca", "/nonexistent/client-ca.crt"], ["--client-ca", "/nonexistent/client-ca.crt"] },
    };

    [Fact]
    public async Task AnHttpsPortAbove65535FailsTheStartWithAMessageNamingTheFlag()
    {
        var failure = await StartAsync(Arguments(("--https-port", "70000")));

        Assert.Contains("--https-port", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACertificateWithoutAKeyFailsTheStartWithAMessageNamingBothFlags()
    {
        var args = Arguments().ToList();
        var key = args.IndexOf("--tls-key");
        args.RemoveRange(key, 2);

        var failure = await StartAsync([.. args]);

        Assert.Contains("--tls-cert", failure.Message, StringComparison.Ordinal);
        Assert.Contains("--tls-key", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACertificateFileThatDoesNotExistFailsTheStartNamingFlagAndPath()
    {
        var missing = Path.Combine(_volume.Root, "missing", "tls.crt");

        var failure = await StartAsync(Arguments(("--tls-cert", missing)));

        Assert.Contains("--tls-cert", failure.Message, StringComparison.Ordinal);
        Assert.Contains(missing, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Misconfigurations))]
    public async Task AMisconfigurationFailsTheStartWithAMessageNamingTheFlag(string description, string[] change, string[] expected)
    {
        var overrides = change.Chunk(2).Select(pair => (pair[0], pair[1])).ToArray();

        var failure = await StartAsync(Arguments(overrides));

        Assert.All(expected, fragment => Assert.Contains(fragment, failure.Message, StringComparison.Ordinal));
        Assert.NotEmpty(failure.Failures);
        Assert.NotNull(description);
    }

    /// <summary>
    /// Kestrel's bind failure used to escape <c>serve</c> as an unhandled exception: a stack trace and SIGABRT with a core
    /// dump. Now it is exit code 2 and a message, as every other start failure.
    /// </summary>
    [Theory]
    [InlineData("--https-port")]
    [InlineData("--health-port")]
    public async Task APortAnotherProcessListensOnEndsTheStartWithExitCode2AndAMessageNamingTheAddress(string flag)
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);

        var error = await RefusedServeAsync(flag, port);

        Assert.Contains("The webhook cannot start: Failed to bind to address", error, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}: address already in use", error, StringComparison.Ordinal);
        Assert.Contains("--https-port and --health-port", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// A value the configuration binder cannot convert to its setting's type used to end the process with an unhandled
    /// exception, a stack trace and a core dump (exit code 134), depending on the type and on which binder converted it.
    /// </summary>
    [Theory]
    [InlineData("--https-port", "abc", "Webhook:HttpsPort")]
    [InlineData("--https-port", "99999999999", "Webhook:HttpsPort")]
    [InlineData("--log-format", "yaml", "Webhook:LogFormat")]
    [InlineData("--Webhook:LookupFailurePolicy", "maybe", "Webhook:LookupFailurePolicy")]
    [InlineData("--Webhook:LookupTimeout", "banana", "Webhook:LookupTimeout")]
    public async Task AValueOfTheWrongTypeEndsTheStartWithExitCode2AndAMessageNamingTheSettingAndTheValue(string flag, string value, string setting)
    {
        var error = await RefusedServeAsync(flag, value);

        Assert.StartsWith("The webhook cannot start: ", error, StringComparison.Ordinal);
        Assert.Contains($"'{value}' at '{setting}'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--log-format", "yaml", "Allowed: Text, Json.")]
    [InlineData("--Webhook:LookupFailurePolicy", "block", "Allowed: Allow, Deny.")]
    public async Task AnUnknownNameForAChoiceListsTheNamesItCanBe(string flag, string value, string allowed)
    {
        var error = await RefusedServeAsync(flag, value);

        Assert.EndsWith(allowed, error.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEndlessClientCaFileFailsTheStartNamingTheFlagAndTheLimit()
    {
        var error = await RefusedServeAsync("--client-ca", "/dev/zero");

        Assert.Contains("--client-ca", error, StringComparison.Ordinal);
        Assert.Contains("/dev/zero is larger than 1 MiB, the limit for a PEM file", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStateFolderNestedFarDeeperThanTheStackHoldsFailsTheStartNamingTheFlagAndTheFile()
    {
        using var state = new TempFolder();
        var file = state.Write("deep.yaml", "a: " + new string('[', 100_000) + new string(']', 100_000) + "\n");

        var error = await RefusedServeAsync("--state", state.Path);

        Assert.StartsWith("The webhook cannot start: --state", error, StringComparison.Ordinal);
        Assert.Contains($"{file}: nested deeper than 128 levels", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    public void Dispose()
    {
        _volume.Dispose();
        _authority.Dispose();
    }

    /// <summary>The working serve arguments of the shared server, with some flags given other values.</summary>
    private string[] Arguments(params (string Flag, string Value)[] overrides)
    {
        var args = WebhookServer.ServeArguments(_volume.CertificateFile, _volume.KeyFile).ToList();
        foreach (var (flag, value) in overrides)
        {
            var at = args.IndexOf(flag);
            if (at < 0)
            {
                args.AddRange([flag, value]);
            }
            else
            {
                args[at + 1] = value;
            }
        }

        return [.. args];
    }

    /// <summary>Runs <c>serve</c> with one flag changed, which must refuse to start (exit code 2); returns what it wrote to stderr.</summary>
    private async Task<string> RefusedServeAsync(string flag, string value)
    {
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(WebhookServer.StartStopTimeout);

        var exitCode = await Program.ServeAsync(Arguments((flag, value)), error, timeout.Token);

        Assert.Equal(2, exitCode);
        return error.ToString();
    }

    /// <summary>
    /// Builds and starts the host as <c>serve</c> does. The options are validated as soon as Kestrel is configured, which
    /// happens in <see cref="WebhookHost.Build"/> already (its WebApplication resolves the server); Program.ServeAsync
    /// catches the exception around both, so either place is a refused start.
    /// </summary>
    private static async Task<OptionsValidationException> StartAsync(string[] args)
    {
        using var timeout = new CancellationTokenSource(WebhookServer.StartStopTimeout);
        var failure = await Record.ExceptionAsync(async () =>
        {
            await using var app = WebhookHost.Build(args);
            await app.StartAsync(timeout.Token);
            await app.StopAsync(timeout.Token);
        });

        return Assert.IsType<OptionsValidationException>(failure);
    }
}
