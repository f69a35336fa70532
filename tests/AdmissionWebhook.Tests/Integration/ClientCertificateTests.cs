using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using AdmissionWebhook.Hosting;
using Microsoft.Extensions.Options;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>
/// Issue 6: with <c>--client-ca</c>, a caller must present a client certificate signed by that CA; every other
/// connection is refused in the TLS handshake, before any HTTP is read. Uses a server of its own.
/// </summary>
public sealed class ClientCertificateTests : IAsyncLifetime
{
    private readonly TestCertificateAuthority _clientAuthority = TestCertificateAuthority.Create();
    private readonly TestCertificateAuthority _otherAuthority = TestCertificateAuthority.Create();
    private readonly string _folder = Directory.CreateTempSubdirectory("keptn-webhook-client-ca-").FullName;
    private WebhookServer _server = null!;

    private string ClientCaFile => Path.Combine(_folder, "client-ca.crt");

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(ClientCaFile, _clientAuthority.Certificate.ExportCertificatePem());
        _server = await WebhookServer.StartNewAsync(null, "--client-ca", ClientCaFile);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _clientAuthority.Dispose();
        _otherAuthority.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ACallerWithACertificateOfTheClientCaIsAnswered(bool http2)
    {
        using var certificate = _clientAuthority.IssueClientCertificate();
        using var client = _server.CreateHttpsClient(certificate);
        if (http2)
        {
            client.DefaultRequestVersion = HttpVersion.Version20;
            client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        var answer = await client.ReviewAsync("/validate", Examples.Review("create-valid.json"));

        Assert.True(answer.Allowed, answer.Message);
    }

    [Fact]
    public async Task ACallerWithoutACertificateGetsNoHttpAnswer()
    {
        using var client = _server.CreateHttpsClient();
        using var content = ReviewClient.Json(Examples.Text("create-valid.json"));
        using var timeout = new CancellationTokenSource(ReviewClient.RequestTimeout);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync(new Uri("/validate", UriKind.Relative), content, timeout.Token));
    }

    [Fact]
    public async Task ACallerWithACertificateOfAnotherCaGetsNoHttpAnswer()
    {
        using var certificate = _otherAuthority.IssueClientCertificate();
        using var client = _server.CreateHttpsClient(certificate);
        using var content = ReviewClient.Json(Examples.Text("create-valid.json"));
        using var timeout = new CancellationTokenSource(ReviewClient.RequestTimeout);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync(new Uri("/validate", UriKind.Relative), content, timeout.Token));
    }

    public static TheoryData<string, SslProtocols> Refusals => new()
    {
        { "none", SslProtocols.Tls12 },
        { "none", SslProtocols.Tls13 },
        { "other CA", SslProtocols.Tls12 },
        { "other CA", SslProtocols.Tls13 },
        { "client CA, serverAuth only", SslProtocols.Tls12 },
        { "client CA, serverAuth only", SslProtocols.Tls13 },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task TheRefusalHappensInTheTlsHandshakeBeforeAnyHttpIsRead(string presented, SslProtocols protocol)
    {
        using var certificate = presented switch
        {
            "none" => null,
            "other CA" => _otherAuthority.IssueClientCertificate(),
            _ => ServingCertificateWithKey(_clientAuthority.IssueServingCertificate()),
        };

        var outcome = await ExchangeAsync(certificate, protocol);

        Assert.True(outcome.StartsWith("refused", StringComparison.Ordinal), $"{presented} over {protocol}: {outcome}");
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task TheControlWithTheRightCertificateGetsAnHttpAnswerOnTheSameRawPath(SslProtocols protocol)
    {
        using var certificate = _clientAuthority.IssueClientCertificate();

        var outcome = await ExchangeAsync(certificate, protocol);

        Assert.StartsWith("HTTP/1.1 200", outcome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthEndpointsStayPlainHttpWithoutACertificate()
    {
        var answer = await _server.Health.GetRawAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
    }

    [Fact]
    public async Task AClientCaFileWithoutACaCertificateFailsTheStart()
    {
        var notACa = Path.Combine(_folder, "leaf.crt");
        await File.WriteAllTextAsync(notACa, _clientAuthority.IssueServingCertificate().CertificatePem);
        using var volume = SecretVolume.Create(_clientAuthority.IssueServingCertificate());

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = WebhookHost.Build([.. WebhookServer.ServeArguments(volume.CertificateFile, volume.KeyFile), "--client-ca", notACa]);
            using var timeout = new CancellationTokenSource(WebhookServer.StartStopTimeout);
            await app.StartAsync(timeout.Token);
        });

        Assert.Contains("--client-ca", failure.Message, StringComparison.Ordinal);
        Assert.Contains("CA", failure.Message, StringComparison.Ordinal);
    }

    private static X509Certificate2 ServingCertificateWithKey(IssuedCertificate issued)
    {
        using var pem = X509Certificate2.CreateFromPem(issued.CertificatePem, issued.PrivateKeyPem);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>
    /// One TLS connection and one POST, by hand: "refused: ..." when the handshake or the first read fails (with TLS
    /// 1.3 the server's refusal arrives after the client thinks the handshake is done), else the status line.
    /// </summary>
    private async Task<string> ExchangeAsync(X509Certificate2? certificate, SslProtocols protocol)
    {
        using var timeout = new CancellationTokenSource(ReviewClient.RequestTimeout);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_server.HttpsAddress.Host, _server.HttpsAddress.Port, timeout.Token);
        await using var tls = new SslStream(tcp.GetStream());
        try
        {
            await tls.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    EnabledSslProtocols = protocol,
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                    ClientCertificates = certificate is null ? null : [certificate],
                    RemoteCertificateValidationCallback = (_, presented, _, errors) => _server.Authority.Validates(presented as X509Certificate2, errors),
                },
                timeout.Token);
            var body = Encoding.UTF8.GetBytes(Examples.Text("create-valid.json"));
            var head = $"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
            await tls.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token);
            await tls.WriteAsync(body, timeout.Token);
            var buffer = new byte[64];
            var read = await tls.ReadAtLeastAsync(buffer, 12, throwOnEndOfStream: false, timeout.Token);
            return read == 0 ? "refused: the server closed the connection without an answer" : Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            return $"refused: {e.GetType().Name}: {e.Message}";
        }
    }
}
