using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using AdmissionWebhook.E2E.Harness;
using Xunit.Abstractions;

namespace AdmissionWebhook.E2E;

/// <summary>
/// SIGTERM to the real webhook process under load, as kubelet sends it on a rolling update: readiness drops first,
/// every review sent while it was still routed here gets its answer, and the process exits cleanly.
/// No control plane is needed: the webhook serves examples/cluster.
/// </summary>
public sealed class GracefulShutdownTests(ITestOutputHelper output) : IDisposable
{
    private const int Workers = 8;
    private readonly TempDirectory temp = new("keptn-webhook-e2e-shutdown");

    [E2EFact]
    public async Task Sigterm_UnderLoad_DropsReadinessFirstAndFailsNoReview()
    {
        var certificates = TestCertificates.Create(temp.CreateSubdirectory("certs"));
        await using var webhook = await WebhookProcess.StartAsync(
            certificates, temp.File("webhook.log"), "--state", Repository.ExampleClusterState, "--Webhook:ShutdownDelay=00:00:03");
        using var https = TrustingOnly(certificates.CaPem);
        using var health = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var body = File.ReadAllText(Path.Combine(Repository.Root, "examples", "admission", "create-valid.json"));
        var clock = Stopwatch.StartNew();
        var notReadyAt = -1L;
        var failures = new ConcurrentQueue<string>();
        var answeredAfterSigterm = 0;
        var sigtermAt = long.MaxValue;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // Like the apiserver once the endpoints drop this pod: send reviews until readiness is gone, then stop sending.
        var load = Enumerable.Range(0, Workers).Select(_ => Task.Run(
            async () =>
            {
                while (Interlocked.Read(ref notReadyAt) < 0 && !deadline.IsCancellationRequested)
                {
                    var sentAt = clock.ElapsedMilliseconds;
                    try
                    {
                        using var content = new StringContent(body, Encoding.UTF8, "application/json");
                        using var response = await https.PostAsync(new Uri($"{webhook.BaseUrl}/validate"), content, deadline.Token);
                        var text = await response.Content.ReadAsStringAsync(deadline.Token);
                        if (response.StatusCode != HttpStatusCode.OK || !text.Contains("\"allowed\":true", StringComparison.Ordinal))
                        {
                            failures.Enqueue($"at {sentAt} ms: HTTP {(int)response.StatusCode} {text}");
                        }
                        else if (sentAt > Interlocked.Read(ref sigtermAt))
                        {
                            Interlocked.Increment(ref answeredAfterSigterm);
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        failures.Enqueue($"at {sentAt} ms: {e.Message}");
                    }
                }
            },
            deadline.Token)).ToList();

        var readiness = Task.Run(
            async () =>
            {
                while (!deadline.IsCancellationRequested)
                {
                    try
                    {
                        using var response = await health.GetAsync(new Uri($"http://127.0.0.1:{webhook.HealthPort.ToString(CultureInfo.InvariantCulture)}/readyz"), deadline.Token);
                        if (response.StatusCode != HttpStatusCode.OK)
                        {
                            Interlocked.Exchange(ref notReadyAt, clock.ElapsedMilliseconds);
                            return;
                        }
                    }
                    catch (HttpRequestException)
                    {
                        // The listener closed before a not-ready answer was seen: readiness did not drop first.
                        return;
                    }

                    await Task.Delay(20, deadline.Token);
                }
            },
            deadline.Token);

        await Task.Delay(TimeSpan.FromSeconds(1.5), deadline.Token);
        Interlocked.Exchange(ref sigtermAt, clock.ElapsedMilliseconds);
        var kill = await ProcessRunner.RunAsync("kill", ["-TERM", webhook.Process.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
        Assert.True(kill.Succeeded, kill.ToString());
        await readiness.WaitAsync(deadline.Token);
        await Task.WhenAll(load).WaitAsync(deadline.Token);
        await Poll.UntilAsync(() => Task.FromResult(webhook.Process.HasExited), TimeSpan.FromSeconds(30), () => "the webhook did not exit within 30 s of SIGTERM:\n" + webhook.Process.Tail());
        var exitedAt = clock.ElapsedMilliseconds;

        output.WriteLine($"SIGTERM at {sigtermAt} ms, not ready at {notReadyAt} ms, exited at {exitedAt} ms; {answeredAfterSigterm} reviews answered after SIGTERM; failures: {failures.Count}");
        Assert.True(notReadyAt >= sigtermAt, $"readiness never reported not-ready before the listener closed:\n{webhook.Process.Tail()}");
        Assert.True(notReadyAt - sigtermAt < 1000, $"readiness dropped {notReadyAt - sigtermAt} ms after SIGTERM");
        Assert.Empty(failures);
        Assert.True(answeredAfterSigterm > 0, "no review was answered during the drain delay");
        Assert.Equal(0, webhook.Process.ExitCode);
        Assert.Contains("still answering", webhook.Output, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();

    private static HttpClient TrustingOnly(string caPem)
    {
        var ca = X509Certificate2.CreateFromPem(caPem);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                },
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }
}
