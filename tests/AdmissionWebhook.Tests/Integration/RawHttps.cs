using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>
/// HTTP/1.1 over a TLS connection of its own, byte by byte. Unlike HttpClient it reads the answer while the body is
/// still being sent, as Go's client in the apiserver does, so an early 413 is seen instead of a broken pipe.
/// </summary>
internal static class RawHttps
{
    /// <summary>Opens a new TCP connection and TLS session to the server; the presented certificate is checked against the test CA.</summary>
    public static async Task<(TcpClient Tcp, SslStream Tls, X509Certificate2 Presented)> ConnectAsync(
        WebhookServer server, SslProtocols protocols, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(server.HttpsAddress.Host, server.HttpsAddress.Port, cancellationToken);
            X509Certificate2? presented = null;
            var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            try
            {
                await tls.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = "localhost",
                        EnabledSslProtocols = protocols,
                        ApplicationProtocols = [SslApplicationProtocol.Http11],
                        RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                        {
                            presented = certificate is null ? null : new X509Certificate2(certificate);
                            return server.Authority.Validates(presented, errors);
                        },
                    },
                    cancellationToken);
                return (tcp, tls, presented ?? throw new AuthenticationException("no certificate was presented"));
            }
            catch
            {
                presented?.Dispose();
                await tls.DisposeAsync();
                throw;
            }
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Posts <paramref name="bodyLength"/> bytes of JSON-looking filler and returns the status and body of the answer.</summary>
    public static async Task<(HttpStatusCode Status, string ContentType, string Body)> PostFillerAsync(
        WebhookServer server, string path, long bodyLength, bool chunked, CancellationToken cancellationToken)
    {
        var (tcp, tls, presented) = await ConnectAsync(server, SslProtocols.None, cancellationToken);
        using (tcp)
        using (presented)
        await using (tls)
        {
            var framing = chunked ? "Transfer-Encoding: chunked" : $"Content-Length: {bodyLength.ToString(CultureInfo.InvariantCulture)}";
            var head = $"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{framing}\r\n\r\n";
            await tls.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken);

            using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var sending = SendFillerAsync(tls, bodyLength, chunked, stopSending.Token);
            try
            {
                return await ReadResponseAsync(tls, cancellationToken);
            }
            finally
            {
                await stopSending.CancelAsync();
                await sending;
            }
        }
    }

    /// <summary>Writes the body until done, told to stop, or the server closes the connection (which is allowed after an early answer).</summary>
    private static async Task SendFillerAsync(Stream stream, long length, bool chunked, CancellationToken cancellationToken)
    {
        var piece = new byte[64 * 1024];
        piece.AsSpan().Fill((byte)' ');
        piece[0] = (byte)'[';
        try
        {
            for (long written = 0; written < length; written += piece.Length)
            {
                var size = (int)Math.Min(piece.Length, length - written);
                if (chunked)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(size.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), cancellationToken);
                }

                await stream.WriteAsync(piece.AsMemory(0, size), cancellationToken);
                if (chunked)
                {
                    await stream.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
                }

                piece[0] = (byte)' ';
            }

            if (chunked)
            {
                await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or NotSupportedException)
        {
            // The server answered early and closed, or the test has its answer: the rest of the body is not needed.
        }
    }

    private static async Task<(HttpStatusCode Status, string ContentType, string Body)> ReadResponseAsync(Stream stream, CancellationToken cancellationToken)
    {
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int headerEnd;
        while ((headerEnd = IndexOf(received, "\r\n\r\n"u8)) < 0)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                throw new IOException($"the connection closed before a complete answer: {Encoding.ASCII.GetString(received.ToArray())}");
            }

            received.Write(buffer, 0, read);
        }

        var head = Encoding.ASCII.GetString(received.GetBuffer(), 0, headerEnd).Split("\r\n");
        var status = (HttpStatusCode)int.Parse(head[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = head.Skip(1).Select(line => line.Split(':', 2)).ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var bodyStart = headerEnd + 4;
        var chunked = headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase);
        var length = headers.TryGetValue("Content-Length", out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : 0;
        while (chunked ? IndexOf(received, "0\r\n\r\n"u8, bodyStart) < 0 : received.Length - bodyStart < length)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
        }

        var raw = received.GetBuffer().AsSpan(bodyStart, (int)received.Length - bodyStart);
        var body = chunked ? Dechunk(raw) : Encoding.UTF8.GetString(raw[..Math.Min(length, raw.Length)]);
        return (status, headers.GetValueOrDefault("Content-Type", string.Empty), body);
    }

    /// <summary>Joins the chunks of a chunked body (no extensions or trailers: Kestrel sends none).</summary>
    private static string Dechunk(ReadOnlySpan<byte> raw)
    {
        var body = new MemoryStream();
        while (true)
        {
            var lineEnd = raw.IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                break;
            }

            var size = int.Parse(Encoding.ASCII.GetString(raw[..lineEnd]), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                break;
            }

            body.Write(raw.Slice(lineEnd + 2, size));
            raw = raw[(lineEnd + 2 + size + 2)..];
        }

        return Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length);
    }

    private static int IndexOf(MemoryStream stream, ReadOnlySpan<byte> value, int from = 0) =>
        stream.GetBuffer().AsSpan(from, (int)stream.Length - from).IndexOf(value);
}
