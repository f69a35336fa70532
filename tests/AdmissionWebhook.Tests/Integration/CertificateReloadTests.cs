using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Xunit.Abstractions;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>
/// SPEC 6: cert/key are reloaded without a restart when the files change, the way a Secret volume update lands (a new
/// timestamped folder, then an atomic swap of the <c>..data</c> symlink). Uses a server of its own.
/// </summary>
public sealed class CertificateReloadTests(ITestOutputHelper output)
{
    private const int LoadClients = 8;
    private const int Rotations = 4;

    private static readonly TimeSpan ReloadDeadline = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task ASwappedCertificateIsPresentedToNewConnectionsWhileTheServerKeepsAnswering()
    {
        var server = await WebhookServer.StartNewAsync();
        try
        {
            Assert.Equal(server.ServingCertificate.SerialNumber, await PresentedSerialAsync(server));
            using var client = server.CreateHttpsClient();
            await AssertAnswersAsync(client);

            // A pair that does not belong together (a Secret caught half-written) must not replace the good one.
            var stray = server.Authority.IssueServingCertificate();
            var other = server.Authority.IssueServingCertificate();
            server.Volume.Update(stray with { PrivateKeyPem = other.PrivateKeyPem });
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(server.ServingCertificate.SerialNumber, await PresentedSerialAsync(server));
                await AssertAnswersAsync(client);
            }

            var next = server.Authority.IssueServingCertificate();
            Assert.NotEqual(server.ServingCertificate.SerialNumber, next.SerialNumber);
            server.Volume.Update(next);

            using var deadline = new CancellationTokenSource(ReloadDeadline);
            var seen = server.ServingCertificate.SerialNumber;
            var polls = 0;
            try
            {
                while (seen != next.SerialNumber)
                {
                    await Task.Delay(PollInterval, deadline.Token);
                    seen = await PresentedSerialAsync(server, deadline.Token);
                    Assert.True(seen == next.SerialNumber || seen == server.ServingCertificate.SerialNumber, $"an unexpected certificate {seen}");
                    await AssertAnswersAsync(client);
                    polls++;
                }
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                Assert.Fail($"new TLS connections still got certificate {seen} {ReloadDeadline.TotalSeconds} s after the Secret volume swap to {next.SerialNumber} ({polls} polls)");
            }

            // The connection pooled before the swap and a brand-new client both get answers.
            await AssertAnswersAsync(client);
            using var freshClient = server.CreateHttpsClient();
            await AssertAnswersAsync(freshClient);
            var ready = await server.Health.GetRawAsync("/readyz");
            Assert.Equal(System.Net.HttpStatusCode.OK, ready.Status);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task CertificatesRotatedUnderContinuousLoadFailNoRequestAndAreServedWithinSeconds()
    {
        var server = await WebhookServer.StartNewAsync();
        try
        {
            using var stop = new CancellationTokenSource();
            var failures = new ConcurrentQueue<string>();
            var sent = 0;
            var seen = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);

            // Clients that renew their connections every few hundred ms see each new certificate; pooled ones keep theirs.
            var clients = Enumerable.Range(0, LoadClients).Select(index => Task.Run(async () =>
            {
                using var client = CreateClient(server, index % 2 == 0 ? TimeSpan.FromMilliseconds(300) : Timeout.InfiniteTimeSpan, seen);
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        var answer = await client.ReviewAsync("/validate", Examples.Review("create-valid.json"));
                        if (!answer.Allowed)
                        {
                            failures.Enqueue($"denied: {answer.Message}");
                        }
                    }
                    catch (Exception e)
                    {
                        failures.Enqueue($"{e.GetType().Name}: {e.Message}");
                    }

                    Interlocked.Increment(ref sent);
                }
            })).ToList();

            var clock = Stopwatch.StartNew();
            var served = new List<TimeSpan>();
            for (var rotation = 0; rotation < Rotations; rotation++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500));
                var next = server.Authority.IssueServingCertificate();
                var swapped = Stopwatch.StartNew();
                server.Volume.Update(next);
                using var deadline = new CancellationTokenSource(ReloadDeadline);
                while (await PresentedSerialAsync(server, deadline.Token) != next.SerialNumber)
                {
                    await Task.Delay(PollInterval, deadline.Token);
                }

                served.Add(swapped.Elapsed);
                await Eventually(() => seen.ContainsKey(next.SerialNumber), $"a load client connected with certificate {next.SerialNumber}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
            await stop.CancelAsync();
            await Task.WhenAll(clients);
            clock.Stop();

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sent} reviews from {LoadClients} clients in {clock.Elapsed.TotalSeconds:0.0} s across {Rotations} rotations; {failures.Count} failed; new certificate served after {string.Join(", ", served.Select(time => $"{time.TotalMilliseconds:0} ms"))}; certificates seen by the load: {seen.Count}"));
            Assert.True(failures.IsEmpty, $"{failures.Count} of {sent} reviews failed during rotation: {string.Join(" | ", failures.Take(5))}");
            Assert.True(sent > 100, $"only {sent} reviews were sent");
            Assert.All(served, time => Assert.True(time < TimeSpan.FromSeconds(5), $"a rotated certificate was served only after {time}"));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static HttpClient CreateClient(WebhookServer server, TimeSpan connectionLifetime, ConcurrentDictionary<string, int> seen)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = connectionLifetime,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is X509Certificate2 presented)
                    {
                        seen.AddOrUpdate(presented.SerialNumber, 1, (_, count) => count + 1);
                    }

                    return server.Authority.Validates(certificate as X509Certificate2, errors);
                },
            },
        };
        return new HttpClient(handler, disposeHandler: true) { BaseAddress = server.HttpsAddress, Timeout = ReviewClient.RequestTimeout };
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < ReloadDeadline, $"not within {ReloadDeadline.TotalSeconds} s: {what}");
            await Task.Delay(PollInterval);
        }
    }

    private static async Task AssertAnswersAsync(HttpClient client)
    {
        var answer = await client.ReviewAsync("/validate", Examples.Review("create-valid.json"));
        Assert.True(answer.Allowed, answer.Message);
    }

    /// <summary>The serial number of the certificate a brand-new TLS connection is shown.</summary>
    private static async Task<string> PresentedSerialAsync(WebhookServer server, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReviewClient.RequestTimeout);
        var (tcp, tls, presented) = await RawHttps.ConnectAsync(server, SslProtocols.None, timeout.Token);
        using (tcp)
        using (presented)
        await using (tls)
        {
            return presented.SerialNumber;
        }
    }
}
