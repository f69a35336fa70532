using System.Globalization;
using System.Net;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>SPEC 6: Prometheus metrics on the plain port move with the reviews they count.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_AfterAFewReviews_CountThemByDecisionAndRecordTheirLatency()
    {
        var server = await WebhookServer.StartNewAsync();
        await using var stop = new Stopper(server);
        var before = await ScrapeAsync(server);

        using (var duplicate = ReviewClient.Json(Examples.Text("create-duplicate.json")))
        {
            Assert.False((await server.Https.ReviewAsync("/validate", duplicate)).Allowed);
        }

        for (var i = 0; i < 3; i++)
        {
            using var valid = ReviewClient.Json(Examples.Text("create-valid.json"));
            Assert.True((await server.Https.ReviewAsync("/mutate", valid)).Allowed);
        }

        using (var garbage = ReviewClient.Json("{not json"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await server.Https.PostRawAsync("/validate", garbage)).Status);
        }

        var after = await ScrapeAsync(server);
        Assert.Equal(1, Delta(before, after, "keptn_webhook_reviews_total{endpoint=\"validate\",operation=\"CREATE\",decision=\"denied\"}"));
        Assert.Equal(3, Delta(before, after, "keptn_webhook_reviews_total{endpoint=\"mutate\",operation=\"CREATE\",decision=\"patched\"}"));
        Assert.Equal(3, Delta(before, after, "keptn_webhook_review_duration_seconds_count{endpoint=\"mutate\"}"));
        Assert.True(Delta(before, after, "keptn_webhook_review_duration_seconds_sum{endpoint=\"mutate\"}") > 0);
        Assert.Equal(1, Delta(before, after, "keptn_webhook_rejected_bodies_total{endpoint=\"validate\",status=\"400\"}"));
        Assert.Equal(0, Value(after, "keptn_webhook_reviews_in_flight"));
        Assert.Equal(0, Value(after, "keptn_webhook_log_lines_dropped_total"));
    }

    [Fact]
    public async Task Metrics_ReportTheCacheOfEveryKindAndTheCertificateExpiry()
    {
        var server = await WebhookServer.StartNewAsync();
        await using var stop = new Stopper(server);

        var metrics = await ScrapeAsync(server);

        Assert.Equal(5, Value(metrics, "keptn_webhook_cache_objects{kind=\"KeptnTaskDefinition\"}"));
        Assert.Equal(2, Value(metrics, "keptn_webhook_cache_objects{kind=\"KeptnTask\"}"));
        foreach (var kind in (string[])["KeptnTaskDefinition", "KeptnTask", "KeptnWorkload", "KeptnApp", "KeptnAppContext"])
        {
            Assert.Equal(1, Value(metrics, $"keptn_webhook_cache_synced{{kind=\"{kind}\"}}"));
        }

        var expiry = Value(metrics, "keptn_webhook_certificate_expiry_seconds");
        using var served = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(server.ServingCertificate.CertificatePem);
        var expected = (served.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalSeconds;
        Assert.InRange(expiry, expected - 120, expected + 120);
    }

    [Fact]
    public async Task Metrics_AreNotServedOnTheHttpsPort()
    {
        var server = await WebhookServer.StartNewAsync();
        await using var stop = new Stopper(server);

        Assert.Equal(HttpStatusCode.NotFound, (await server.Https.GetRawAsync("/metrics")).Status);
    }

    [Fact]
    public async Task Metrics_AnotherHostStoppingInTheSameProcessDropsNoneOfThisHostsLogLines()
    {
        var first = await WebhookServer.StartNewAsync();
        WebhookServer second;
        try
        {
            second = await WebhookServer.StartNewAsync();
        }
        finally
        {
            await first.DisposeAsync();
        }

        await using var stop = new Stopper(second);
        using (var valid = ReviewClient.Json(Examples.Text("create-valid.json")))
        {
            Assert.True((await second.Https.ReviewAsync("/mutate", valid)).Allowed);
        }

        Assert.Equal(0, Value(await ScrapeAsync(second), "keptn_webhook_log_lines_dropped_total"));
    }

    /// <summary>Stops a server started for one test, whatever the test's outcome.</summary>
    private sealed class Stopper(WebhookServer server) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await server.DisposeAsync();
    }

    private static async Task<string> ScrapeAsync(WebhookServer server)
    {
        var answer = await server.Health.GetRawAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        return answer.Body;
    }

    private static double Delta(string before, string after, string series) => Value(after, series) - ValueOrZero(before, series);

    private static double ValueOrZero(string metrics, string series) => TryValue(metrics, series) ?? 0;

    private static double Value(string metrics, string series) =>
        TryValue(metrics, series) ?? throw new Xunit.Sdk.XunitException($"series {series} not in the scrape:\n{metrics}");

    private static double? TryValue(string metrics, string series)
    {
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
