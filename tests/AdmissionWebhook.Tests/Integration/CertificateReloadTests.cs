using System.Security.Authentication;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>
/// SPEC 6: cert/key are reloaded without a restart when the files change, the way a Secret volume update lands (a new
/// timestamped folder, then an atomic swap of the <c>..data</c> symlink). Uses a server of its own.
/// </summary>
public sealed class CertificateReloadTests
{
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
