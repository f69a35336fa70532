using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>SPEC 6: admission over HTTPS only (TLS 1.2+), health on its own plain-HTTP port, each endpoint on its listener only.</summary>
[Collection(SharedWebhookServer.Name)]
public sealed class ListenerTests(WebhookServer server)
{
    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task HealthEndpointsAnswerHealthyOnThePlainPort(string path)
    {
        var answer = await server.Health.GetRawAsync(path);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.StartsWith("Healthy", answer.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/validate")]
    [InlineData("/mutate")]
    public async Task AdmissionEndpointsAreNotServedOverThePlainPort(string path)
    {
        using var content = ReviewClient.Json(Examples.Text("create-valid.json"));

        var answer = await server.Health.PostRawAsync(path, content);

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.DoesNotContain("AdmissionReview", answer.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task HealthEndpointsAreNotServedOverTheHttpsPort(string path)
    {
        var answer = await server.Https.GetRawAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
    }

    [Fact]
    public async Task TheHttpsPortPresentsTheConfiguredCertificateOverTls12AndTls13()
    {
        foreach (var protocol in (SslProtocols[])[SslProtocols.Tls12, SslProtocols.Tls13])
        {
            using var timeout = new CancellationTokenSource(ReviewClient.RequestTimeout);

            var (tcp, tls, presented) = await RawHttps.ConnectAsync(server, protocol, timeout.Token);

            using (tcp)
            using (presented)
            await using (tls)
            {
                Assert.Equal(protocol, tls.SslProtocol);
                Assert.Equal(server.ServingCertificate.SerialNumber, presented.SerialNumber);
            }
        }
    }

    [Theory]
    [InlineData(0x0301, "TLS 1.0")]
    [InlineData(0x0302, "TLS 1.1")]
    public async Task AClientHelloOfferingOnlyAnOldTlsVersionIsRefused(int version, string name)
    {
        // Hand-built, so the test does not depend on whether this machine's TLS library would offer the old version.
        var answer = await SendClientHelloAsync((ushort)version);

        Assert.True(answer.Refused, $"the server accepted a {name} ClientHello: {answer.Description}");
        // A fatal protocol_version alert, not a decode_error: the hello was understood, its version refused.
        Assert.Equal("alert level 2 description 70", answer.Description);
    }

    [Fact]
    public async Task TheHandBuiltClientHelloGetsAServerHelloWhenItOffersTls12()
    {
        // The control of the test above: the same hand-built hello, with TLS 1.2, is accepted.
        var answer = await SendClientHelloAsync(0x0303);

        Assert.False(answer.Refused, answer.Description);
        Assert.Equal(0x0303, answer.ServerVersion);
    }

    [Tls11ClientFact]
    public async Task AnSslStreamLimitedToTls11CannotConnect()
    {
        using var timeout = new CancellationTokenSource(ReviewClient.RequestTimeout);

        var failure = await Record.ExceptionAsync(async () =>
        {
            var (tcp, tls, presented) = await RawHttps.ConnectAsync(server, Tls11ClientFactAttribute.Tls11, timeout.Token);
            using (tcp)
            using (presented)
            await using (tls)
            {
                // Reaching this line means the handshake succeeded.
            }
        });

        Assert.True(failure is AuthenticationException or IOException, $"a TLS 1.1 handshake was not refused: {failure}");
    }

    private async Task<HelloAnswer> SendClientHelloAsync(ushort version)
    {
        using var timeout = new CancellationTokenSource(ReviewClient.RequestTimeout);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.HttpsAddress.Host, server.HttpsAddress.Port, timeout.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(ClientHello(version), timeout.Token);

        var header = new byte[5];
        var read = await ReadAtLeastAsync(stream, header, timeout.Token);
        if (read == 0)
        {
            return new HelloAnswer(true, null, "the server closed the connection");
        }

        var body = new byte[Math.Min((header[3] << 8) | header[4], 16 * 1024)];
        await ReadAtLeastAsync(stream, body, timeout.Token);
        return header[0] switch
        {
            0x15 => new HelloAnswer(true, null, $"alert level {body[0]} description {body[1]}"),
            0x16 when body[0] == 0x02 => new HelloAnswer(false, (body[4] << 8) | body[5], $"ServerHello version 0x{body[4]:x2}{body[5]:x2}"),
            _ => new HelloAnswer(false, null, $"record type 0x{header[0]:x2}"),
        };
    }

    private static async Task<int> ReadAtLeastAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        }
        catch (IOException)
        {
            return 0; // reset by the server: refused as well
        }
    }

    /// <summary>A TLS ClientHello record offering only <paramref name="version"/>, with ECDHE/RSA suites fit for it.</summary>
    private static byte[] ClientHello(ushort version)
    {
        var hello = new List<byte> { (byte)(version >> 8), (byte)version };
        hello.AddRange(RandomNumberGenerator.GetBytes(32));
        hello.Add(0); // no session id
        ushort[] suites = version >= 0x0303
            ? [0xC02B, 0xC02F, 0xC009, 0xC013, 0x002F]
            : [0xC009, 0xC013, 0xC00A, 0xC014, 0x002F, 0x0035];
        AddLength16(hello, suites.Length * 2);
        foreach (var suite in suites)
        {
            hello.Add((byte)(suite >> 8));
            hello.Add((byte)suite);
        }

        hello.AddRange([1, 0]); // compression: null only
        var extensions = new List<byte>();
        AddExtension(extensions, 0x0000, [0x00, 0x0C, 0x00, 0x00, 0x09, .. "localhost"u8]); // server_name
        AddExtension(extensions, 0x000A, [0x00, 0x04, 0x00, 0x17, 0x00, 0x18]); // supported_groups: P-256, P-384
        AddExtension(extensions, 0x000B, [0x01, 0x00]); // ec_point_formats: uncompressed
        if (version >= 0x0303)
        {
            AddExtension(extensions, 0x000D, [0x00, 0x06, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01]); // signature_algorithms
        }

        AddLength16(hello, extensions.Count);
        hello.AddRange(extensions);

        var handshake = new List<byte> { 0x01, (byte)(hello.Count >> 16), (byte)(hello.Count >> 8), (byte)hello.Count };
        handshake.AddRange(hello);
        var record = new List<byte> { 0x16, 0x03, 0x01 };
        AddLength16(record, handshake.Count);
        record.AddRange(handshake);
        return [.. record];
    }

    private static void AddExtension(List<byte> extensions, ushort type, byte[] data)
    {
        extensions.Add((byte)(type >> 8));
        extensions.Add((byte)type);
        AddLength16(extensions, data.Length);
        extensions.AddRange(data);
    }

    private static void AddLength16(List<byte> bytes, int length)
    {
        bytes.Add((byte)(length >> 8));
        bytes.Add((byte)length);
    }

    private sealed record HelloAnswer(bool Refused, int? ServerVersion, string Description);
}
