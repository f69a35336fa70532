using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>
/// A fact that needs a TLS client able to offer TLS 1.1. OpenSSL 3 at its default security level (Debian 12, RHEL's
/// DEFAULT crypto policy) refuses to even send a TLS 1.1 ClientHello ("no ciphers available"): such a failure would
/// say nothing about the server, so the fact is skipped there, after a loopback probe between two local SslStreams.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class Tls11ClientFactAttribute : FactAttribute
{
#pragma warning disable SYSLIB0039, CA5397 // the point of this test is the obsolete protocol
    public static readonly SslProtocols Tls11 = SslProtocols.Tls11;
#pragma warning restore SYSLIB0039, CA5397

    private static readonly Lazy<string?> Unavailable = new(ProbeTls11Client);

    public Tls11ClientFactAttribute()
    {
        if (Unavailable.Value is { } reason)
        {
            Skip = $"OS crypto policy forbids even trying TLS 1.1 from this machine's TLS client ({reason}); " +
                "AClientHelloOfferingOnlyAnOldTlsVersionIsRefused covers the server with a hand-built ClientHello";
        }
    }

    /// <summary>Null when a local SslStream pair can talk TLS 1.1, otherwise why not.</summary>
    private static string? ProbeTls11Client()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var authority = TestCertificateAuthority.Create();
            var issued = authority.IssueServingCertificate();
            using var certificate = X509Certificate2.CreateFromPem(issued.CertificatePem, issued.PrivateKeyPem);
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var serverSide = Task.Run(async () =>
            {
                using var accepted = await listener.AcceptTcpClientAsync(timeout.Token);
                await using var tls = new SslStream(accepted.GetStream());
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate, EnabledSslProtocols = Tls11 }, timeout.Token);
            });
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
            using var clientTls = new SslStream(client.GetStream());
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                EnabledSslProtocols = Tls11,
                RemoteCertificateValidationCallback = (_, presented, _, errors) => authority.Validates(presented as X509Certificate2, errors),
            };
            clientTls.AuthenticateAsClientAsync(options, timeout.Token).GetAwaiter().GetResult();
            serverSide.GetAwaiter().GetResult();
            return null;
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException or OperationCanceledException)
        {
            return (e.InnerException?.InnerException ?? e.InnerException ?? e).Message;
        }
    }
}
