using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.Hosting;
using AdmissionWebhook.Tests.Cli;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AdmissionWebhook.Tests.Hosting;

/// <summary>What the serving certificate tells an operator when it loads the files a TLS Secret mounts.</summary>
public sealed class ServingCertificateTests
{
    [Theory]
    [InlineData(-3, -1, true)]
    [InlineData(1, 3, true)]
    [InlineData(-1, 1, false)]
    public async Task ACertificateOutsideItsValidityIsServedWithAWarningThatEveryReviewWillFail(int notBeforeDays, int notAfterDays, bool warned)
    {
        using var folder = new TempFolder();
        var now = DateTimeOffset.UtcNow;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256).CreateSelfSigned(now.AddDays(notBeforeDays), now.AddDays(notAfterDays));
        var options = new WebhookOptions
        {
            TlsCertFile = folder.Write("tls.crt", certificate.ExportCertificatePem()),
            TlsKeyFile = folder.Write("tls.key", key.ExportPkcs8PrivateKeyPem()),
        };
        var logger = new ListLogger();
        using var serving = new ServingCertificate(Options.Create(options), TimeProvider.System, logger);

        await serving.StartAsync(CancellationToken.None);
        await serving.StopAsync(CancellationToken.None);

        Assert.True(serving.IsLoaded);
        var warnings = logger.Lines.Where(line => line.Level == LogLevel.Warning).Select(line => line.Text).ToList();
        Assert.Equal(warned ? 1 : 0, warnings.Count);
        if (warned)
        {
            Assert.Contains("is not valid now", warnings[0], StringComparison.Ordinal);
            Assert.Contains(certificate.NotAfter.ToUniversalTime().ToString("u", System.Globalization.CultureInfo.InvariantCulture), warnings[0], StringComparison.Ordinal);
        }
    }

    private sealed class ListLogger : ILogger<ServingCertificate>
    {
        public List<(LogLevel Level, string Text)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception)));
    }
}
