using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using AdmissionWebhook.Tests.Integration;

namespace AdmissionWebhook.Tests.Security;

/// <summary>
/// Issue 6: a slowloris client cannot tie up the server. Connections that send their headers a byte at a time, a body
/// a byte a second, or never finish the TLS handshake do not delay a normal review, and the server closes each within
/// its timeouts (10 s for headers and handshake, the body rate after a 5 s grace). Uses a server of its own.
/// </summary>
public sealed class SlowClientTests : IAsyncLifetime
{
    private const int SlowHeaderClients = 40;
    private const int SlowBodyClients = 10;
    private const int SilentClients = 20;
    private static readonly TimeSpan CloseDeadline = TimeSpan.FromSeconds(16);
    private static readonly TimeSpan TrickleInterval = TimeSpan.FromMilliseconds(250);

    private WebhookServer _server = null!;

    public async Task InitializeAsync() => _server = await WebhookServer.StartNewAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task SlowClientsDoNotDelayAReviewAndAreClosedWithinTheTimeouts()
    {
        using var stop = new CancellationTokenSource(CloseDeadline + TimeSpan.FromSeconds(5));
        var slow = new List<Task<(string Kind, TimeSpan? ClosedAfter)>>();
        for (var i = 0; i < SlowHeaderClients; i++)
        {
            slow.Add(TrickleAsync("headers byte by byte", "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-Slow: " + new string('a', 10_000), stop.Token));
        }

        for (var i = 0; i < SlowBodyClients; i++)
        {
            slow.Add(TrickleAsync("body byte by byte", "{" + new string(' ', 10_000), stop.Token, head: "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 20000\r\n\r\n", bodyInterval: TimeSpan.FromSeconds(1)));
        }

        for (var i = 0; i < SilentClients; i++)
        {
            slow.Add(SilentAsync(stop.Token));
        }

        // Let them all connect and start trickling, then time normal reviews on fresh connections.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var latencies = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            using var client = _server.CreateHttpsClient();
            var clock = Stopwatch.StartNew();
            var answer = await client.ReviewAsync("/validate", Examples.Review("create-valid.json"));
            latencies.Add(clock.Elapsed);
            Assert.True(answer.Allowed, answer.Message);
        }

        Assert.True(latencies.Max() < TimeSpan.FromSeconds(2), $"reviews took {string.Join(", ", latencies.Select(latency => latency.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)))} ms next to {slow.Count} slow clients");

        var outcomes = await Task.WhenAll(slow);
        var open = outcomes.Where(outcome => outcome.ClosedAfter is null).ToList();
        Assert.True(open.Count == 0, $"{open.Count} slow connections were still open after {CloseDeadline.TotalSeconds} s: {string.Join(", ", open.GroupBy(outcome => outcome.Kind).Select(group => $"{group.Count()} {group.Key}"))}");
        Assert.All(outcomes, outcome => Assert.True(outcome.ClosedAfter > TimeSpan.FromSeconds(4), $"{outcome.Kind} closed after only {outcome.ClosedAfter}: a timeout that short would cut real clients"));
    }

    /// <summary>Opens TLS, writes <paramref name="head"/> at once, then <paramref name="trickle"/> one byte per interval until the server closes.</summary>
    private async Task<(string Kind, TimeSpan? ClosedAfter)> TrickleAsync(string kind, string trickle, CancellationToken cancellationToken, string head = "", TimeSpan? bodyInterval = null)
    {
        var clock = Stopwatch.StartNew();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_server.HttpsAddress.Host, _server.HttpsAddress.Port, cancellationToken);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ApplicationProtocols = [SslApplicationProtocol.Http11],
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => _server.Authority.Validates(certificate as System.Security.Cryptography.X509Certificates.X509Certificate2, errors),
            },
            cancellationToken);
        var closed = WaitForCloseAsync(tls, clock, cancellationToken);
        try
        {
            if (head.Length > 0)
            {
                await tls.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
            }

            foreach (var character in trickle)
            {
                if (closed.IsCompleted)
                {
                    break;
                }

                await tls.WriteAsync(new[] { (byte)character }, cancellationToken);
                await tls.FlushAsync(cancellationToken);
                await Task.WhenAny(closed, Task.Delay(bodyInterval ?? TrickleInterval, cancellationToken));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The server closed the connection under the write.
            return (kind, await closed.WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None).ContinueWith(task => task.IsCompletedSuccessfully ? task.Result : clock.Elapsed, TaskScheduler.Default));
        }
        catch (OperationCanceledException)
        {
            return (kind, null);
        }

        return (kind, closed.IsCompleted ? await closed : null);
    }

    /// <summary>Connects TCP and never starts TLS.</summary>
    private async Task<(string Kind, TimeSpan? ClosedAfter)> SilentAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_server.HttpsAddress.Host, _server.HttpsAddress.Port, cancellationToken);
        try
        {
            return ("silent before the TLS handshake", await WaitForCloseAsync(tcp.GetStream(), clock, cancellationToken));
        }
        catch (OperationCanceledException)
        {
            return ("silent before the TLS handshake", null);
        }
    }

    /// <summary>Completes when a read returns end of stream or fails (the server closed or reset the connection); any answer bytes are read past.</summary>
    private static async Task<TimeSpan> WaitForCloseAsync(Stream stream, Stopwatch clock, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, cancellationToken) > 0)
            {
                // A 408 answer may come first; the close follows.
            }
        }
        catch (Exception e) when (e is IOException or AuthenticationException or ObjectDisposedException)
        {
            // Reset by the server.
        }

        return clock.Elapsed;
    }
}
