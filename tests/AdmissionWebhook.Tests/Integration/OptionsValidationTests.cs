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
        { "a certificate reload interval the timer cannot take", ["--Webhook:CertificateReloadInterval", "50.00:00:00"], ["Webhook:CertificateReloadInterval", "between 1 second and 1 day", "50.00:00:00"] },
        { "a body limit that overflowed with Kestrel's slack", ["--Webhook:MaxRequestBodyBytes", "9223372036854775807"], ["Webhook:MaxRequestBodyBytes", "at most 1073741824", "9223372036854775807"] },
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

    /// <summary>The binder takes any number for an enum; one that names no choice used to start the webhook silently.</summary>
    [Theory]
    [InlineData("--Webhook:LookupFailurePolicy", "7", "Webhook:LookupFailurePolicy", "Allowed: Allow, Deny.")]
    [InlineData("--Webhook:LookupFailurePolicy", "-1", "Webhook:LookupFailurePolicy", "Allowed: Allow, Deny.")]
    [InlineData("--Webhook:LookupFailurePolicy", "65536", "Webhook:LookupFailurePolicy", "Allowed: Allow, Deny.")]
    [InlineData("--log-format", "7", "--log-format", "Allowed: Text, Json.")]
    public async Task ANumberThatNamesNoChoiceEndsTheStartWithExitCode2AndListsTheNamesItCanBe(string flag, string value, string setting, string allowed)
    {
        var error = await RefusedServeAsync(flag, value);

        Assert.Contains($"{setting} (", error, StringComparison.Ordinal);
        Assert.Contains($" is {value}, ", error, StringComparison.Ordinal);
        Assert.EndsWith(allowed, error.TrimEnd(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Without --tls-cert the development certificate is written to this folder; a file there, or a path under a file,
    /// ended the process with an unhandled IOException and a core dump (exit code 134).
    /// </summary>
    [Theory]
    [InlineData("a file")]
    [InlineData("a path under a file")]
    [InlineData("an empty value")]
    public async Task ADevelopmentCertificateFolderThatCannotBeOneEndsTheStartWithExitCode2NamingTheSetting(string folder)
    {
        var directory = folder switch
        {
            "a file" => _volume.CertificateFile,
            "a path under a file" => Path.Combine(_volume.CertificateFile, "dev-cert"),
            _ => string.Empty,
        };
        var args = WithoutServingCertificate(Arguments(("--Webhook:DevCertificateDirectory", directory)));

        var error = await RefusedServeAsync(args);

        Assert.Contains("Webhook:DevCertificateDirectory (env Webhook__DevCertificateDirectory)", error, StringComparison.Ordinal);
        Assert.Contains(folder == "an empty value" ? "is empty" : $"\"{directory}\" cannot hold the development certificate: ", error, StringComparison.Ordinal);
    }

    /// <summary>An address this host does not have failed the bind with a SocketException that ended the process (exit code 134).</summary>
    [Fact]
    public async Task ABindAddressThisHostDoesNotHaveEndsTheStartWithExitCode2NamingTheAddressAndTheReason()
    {
        // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): documentation only, never an address of a real host.
        var error = await RefusedServeAsync("--bind-address", "192.0.2.1");

        Assert.StartsWith("The webhook cannot start: Failed to bind to address 192.0.2.1:", error, StringComparison.Ordinal);
        Assert.Contains(new SocketException((int)SocketError.AddressNotAvailable).Message, error, StringComparison.Ordinal);
        Assert.Contains("--bind-address", error, StringComparison.Ordinal);
    }

    /// <summary>The validator sees a symlink loop exist; reading it threw an IOException that ended the process (exit code 134).</summary>
    [Fact]
    public async Task AStatePathThatIsASymlinkLoopEndsTheStartWithExitCode2NamingThePath()
    {
        var loop = Path.Combine(_volume.Root, "state-loop");
        var other = Path.Combine(_volume.Root, "state-loop-back");
        File.CreateSymbolicLink(loop, other);
        File.CreateSymbolicLink(other, loop);

        var error = await RefusedServeAsync("--state", loop);

        Assert.Contains($"--state (Webhook:StateDirectory, env Webhook__StateDirectory) \"{loop}\" cannot be loaded: ", error, StringComparison.Ordinal);
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

    /// <summary>The arguments without --tls-cert and --tls-key: the webhook then generates a development certificate.</summary>
    private static string[] WithoutServingCertificate(string[] args)
    {
        var kept = args.ToList();
        foreach (var flag in (string[])["--tls-cert", "--tls-key"])
        {
            kept.RemoveRange(kept.IndexOf(flag), 2);
        }

        return [.. kept];
    }

    /// <summary>Runs <c>serve</c> with one flag changed, which must refuse to start (exit code 2); returns what it wrote to stderr.</summary>
    private Task<string> RefusedServeAsync(string flag, string value) => RefusedServeAsync(Arguments((flag, value)));

    /// <summary>Runs <c>serve</c> with <paramref name="args"/>, which must refuse to start (exit code 2); returns what it wrote to stderr.</summary>
    private static async Task<string> RefusedServeAsync(string[] args)
    {
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(WebhookServer.StartStopTimeout);

        var exitCode = await Program.ServeAsync(args, error, timeout.Token);

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
