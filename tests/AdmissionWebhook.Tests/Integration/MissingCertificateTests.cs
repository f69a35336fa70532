using AdmissionWebhook.Tests.Cli;
using AdmissionWebhook.Tests.TestSupport;
using Serilog;
using Serilog.Events;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>
/// A server whose certificate files hold no usable certificate at start (a Secret not written yet, or a wrong one)
/// keeps running and re-reads them; meanwhile what it tells the operator must be one clear warning, not an error with a
/// stack trace per connection.
/// </summary>
public sealed class MissingCertificateTests : IAsyncLifetime, IDisposable
{
    private readonly CapturingSink _sink = new();
    private readonly TempFolder _folder = new();
    private WebhookServer _server = null!;

    public async Task InitializeAsync()
    {
        var junk = _folder.Write("tls.pem", "not a certificate\n");
        _server = await WebhookServer.StartNewAsync(
            builder => builder.Services.AddSerilog((_, logger) => logger.MinimumLevel.Information().WriteTo.Sink(_sink), preserveStaticLogger: true),
            "--tls-cert", junk, "--tls-key", junk);
    }

    public Task DisposeAsync() => _server.DisposeAsync();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ConnectionsWithoutACertificateToServeAreClosedWithOneWarningAndNoErrors()
    {
        for (var i = 0; i < 3; i++)
        {
            using var client = _server.CreateHttpsClient();
            await Assert.ThrowsAsync<HttpRequestException>(() => client.ReviewAsync("/validate", Examples.Review("create-valid.json")));
        }

        var refusals = _sink.Events.Where(logEvent => logEvent.RenderMessage().Contains("closed before their handshake", StringComparison.Ordinal)).ToList();
        Assert.Equal(LogEventLevel.Warning, Assert.Single(refusals).Level);
        Assert.DoesNotContain(_sink.Events, logEvent => logEvent.Level >= LogEventLevel.Error);
        Assert.False((await _server.Health.GetAsync("/readyz")).IsSuccessStatusCode);
    }

    [Fact]
    public async Task AnUnchangedCertificateThatFailedToLoadIsReportedOnceWhateverElseChangesInItsFolder()
    {
        for (var i = 0; i < 20; i++)
        {
            _folder.Write($"unrelated-{i}.log", "a file event in the watched folder\n");
        }

        await Task.Delay(TimeSpan.FromMilliseconds(500));

        Assert.Single(_sink.Events, logEvent => logEvent.RenderMessage().Contains("Could not load the serving certificate", StringComparison.Ordinal));
    }
}
