using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>A start that cannot listen ends with a message and exit code 2, not an unhandled exception and a core dump.</summary>
public sealed class StartFailureTests : IDisposable
{
    private readonly TestCertificateAuthority _authority = TestCertificateAuthority.Create();
    private readonly SecretVolume _volume;

    public StartFailureTests() => _volume = SecretVolume.Create(_authority.IssueServingCertificate());

    [Theory]
    [InlineData("--https-port")]
    [InlineData("--health-port")]
    public async Task APortAnotherProcessListensOnEndsTheStartWithExitCode2AndAMessageNamingTheAddress(string flag)
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        var args = WebhookServer.ServeArguments(_volume.CertificateFile, _volume.KeyFile).ToList();
        args[args.IndexOf(flag) + 1] = port;
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(WebhookServer.StartStopTimeout);

        var exitCode = await Program.ServeAsync([.. args], error, timeout.Token);

        Assert.Equal(2, exitCode);
        Assert.Contains($"The webhook cannot start: Failed to bind to address", error.ToString(), StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}: address already in use", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("--https-port and --health-port", error.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _volume.Dispose();
        _authority.Dispose();
    }
}
