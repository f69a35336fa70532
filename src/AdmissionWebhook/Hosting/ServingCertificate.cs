using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AdmissionWebhook.Configuration;
using Microsoft.Extensions.Options;

namespace AdmissionWebhook.Hosting;

/// <summary>
/// The certificate the HTTPS listener presents. Loaded from PEM files and re-read when they change — a mounted
/// Secret is swapped through a symlink, so both file events and a periodic check trigger a reload — without a
/// restart and without dropping connections. A reload that fails keeps the last good certificate.
/// </summary>
internal sealed partial class ServingCertificate : IHostedService, IDisposable
{
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ServingCertificate> _logger;
    private readonly Lock _reloadLock = new();
    private readonly WarningThrottle _refusalWarnings;
    private FileSystemWatcher? _watcher;
    private ITimer? _timer;
    private (string Cert, string Key)? _rejected;
    private volatile Loaded? _current;

    public ServingCertificate(IOptions<WebhookOptions> options, TimeProvider time, ILogger<ServingCertificate> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _refusalWarnings = new WarningThrottle(time, TimeSpan.FromMinutes(1));
        (CertFile, KeyFile, IsDevelopment) = ResolveFiles();
        Reload(initial: true);
    }

    public string CertFile { get; }

    public string KeyFile { get; }

    public bool IsDevelopment { get; }

    public bool IsLoaded => _current is not null;

    /// <summary>The leaf certificate currently served.</summary>
    public X509Certificate2? Certificate => _current?.Leaf;

    /// <summary>The TLS context of the current certificate (leaf plus any intermediates from the file).</summary>
    public SslStreamCertificateContext Context => _current?.Context ?? throw new InvalidOperationException($"no serving certificate could be loaded from {CertFile}");

    /// <summary>
    /// True once a certificate is loaded. Until then a connection has nothing to be served with and is closed before its
    /// handshake; this says why in one warning a minute (readiness reports it too), where the handshake callback's
    /// failure was an error with a stack trace for every connection.
    /// </summary>
    public bool CanServe()
    {
        if (_current is not null)
        {
            return true;
        }

        if (_refusalWarnings.ShouldWarn())
        {
            Log.NoCertificateToServe(_logger, CertFile, KeyFile);
        }

        return false;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (IsDevelopment)
        {
            return Task.CompletedTask;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(CertFile))!;
        _watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.CreationTime | NotifyFilters.Size };
        _watcher.Changed += OnFileEvent;
        _watcher.Created += OnFileEvent;
        _watcher.Renamed += OnFileEvent;
        _watcher.Deleted += OnFileEvent;
        _watcher.EnableRaisingEvents = true;
        _timer = _time.CreateTimer(_ => Reload(initial: false), null, _options.CertificateReloadInterval, _options.CertificateReloadInterval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _watcher?.Dispose();
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _timer?.Dispose();
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e) => Reload(initial: false);

    private (string Cert, string Key, bool Development) ResolveFiles()
    {
        if (!string.IsNullOrWhiteSpace(_options.TlsCertFile) && !string.IsNullOrWhiteSpace(_options.TlsKeyFile))
        {
            return (_options.TlsCertFile, _options.TlsKeyFile, false);
        }

        string cert, key;
        bool created;
        try
        {
            (cert, key, created) = DevelopmentCertificate.Ensure(_options.DevCertificateDirectory, _time);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file where the folder should be, a folder another user owns: a setting to change, not a crash.
            throw new OptionsValidationException(Options.DefaultName, typeof(WebhookOptions),
            [
                $"{WebhookOptionsValidator.Describe(null, nameof(WebhookOptions.DevCertificateDirectory))} \"{_options.DevCertificateDirectory}\" cannot hold the development certificate: {e.Message} " +
                "Name a folder this user can write, or give --tls-cert and --tls-key.",
            ]);
        }

        if (created)
        {
            Log.DevelopmentCertificateCreated(_logger, cert);
        }

        return (cert, key, true);
    }

    private void Reload(bool initial)
    {
        lock (_reloadLock)
        {
            string? certPem = null, keyPem = null;
            try
            {
                certPem = BoundedFile.ReadAllText(CertFile, BoundedFile.PemLimit, "a PEM file");
                keyPem = BoundedFile.ReadAllText(KeyFile, BoundedFile.PemLimit, "a PEM file");
                if (_current is { } current && current.CertPem == certPem && current.KeyPem == keyPem)
                {
                    return;
                }

                // The watcher sees the whole folder and the timer ticks: a pair that failed and has not changed since is
                // no news, and its warning was given (every event repeated it, many a second in a busy folder).
                if (_rejected is { } rejected && rejected.Cert == certPem && rejected.Key == keyPem)
                {
                    return;
                }

                var loaded = Load(certPem, keyPem);
                _current = loaded;
                _rejected = null;
                var fingerprint = Convert.ToHexString(loaded.Leaf.GetCertHash(HashAlgorithmName.SHA256));
                if (IsDevelopment)
                {
                    Log.DevelopmentCertificateLoaded(_logger, CertFile, fingerprint, loaded.Leaf.NotAfter);
                }
                else if (initial)
                {
                    Log.CertificateLoaded(_logger, CertFile, loaded.Leaf.Subject, fingerprint, loaded.Leaf.NotAfter);
                }
                else
                {
                    Log.CertificateReloaded(_logger, CertFile, loaded.Leaf.Subject, fingerprint, loaded.Leaf.NotAfter);
                }

                // Served anyway: it is all there is, and the readiness and expiry metric stay as they are. But the
                // apiserver will refuse the handshake, so whoever reads the log must learn why every review fails.
                var now = _time.GetUtcNow().UtcDateTime;
                if (now > loaded.Leaf.NotAfter.ToUniversalTime() || now < loaded.Leaf.NotBefore.ToUniversalTime())
                {
                    Log.CertificateNotValidNow(_logger, CertFile, loaded.Leaf.NotBefore.ToUniversalTime(), loaded.Leaf.NotAfter.ToUniversalTime());
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                // A Secret update writes files one after the other; the next event or tick picks up the complete pair.
                _rejected = certPem is not null && keyPem is not null ? (certPem, keyPem) : null;
                Log.CertificateLoadFailed(_logger, CertFile, KeyFile, e.Message, _current is not null);
            }
        }
    }

    private static Loaded Load(string certPem, string keyPem)
    {
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(certPem);
        if (chain.Count == 0)
        {
            throw new CryptographicException("the certificate file holds no PEM certificate");
        }

        using var leafWithoutKey = chain[0];
        var leaf = X509Certificate2.CreateFromPem(leafWithoutKey.ExportCertificatePem(), keyPem);
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }

        var context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        return new Loaded(certPem, keyPem, leaf, context);
    }

    private sealed record Loaded(string CertPem, string KeyPem, X509Certificate2 Leaf, SslStreamCertificateContext Context);

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, EventName = "CertificateLoaded", Level = LogLevel.Information, Message = "Serving certificate {CertFile} loaded: {Subject}, SHA-256 {Fingerprint}, valid until {NotAfter:u}")]
        public static partial void CertificateLoaded(ILogger logger, string certFile, string subject, string fingerprint, DateTime notAfter);

        [LoggerMessage(EventId = 11, EventName = "CertificateReloaded", Level = LogLevel.Information, Message = "Serving certificate {CertFile} changed and was reloaded: {Subject}, SHA-256 {Fingerprint}, valid until {NotAfter:u}")]
        public static partial void CertificateReloaded(ILogger logger, string certFile, string subject, string fingerprint, DateTime notAfter);

        [LoggerMessage(EventId = 12, EventName = "CertificateLoadFailed", Level = LogLevel.Warning, Message = "Could not load the serving certificate {CertFile} / {KeyFile}: {Error} (still serving the previous one: {HasPrevious})")]
        public static partial void CertificateLoadFailed(ILogger logger, string certFile, string keyFile, string error, bool hasPrevious);

        [LoggerMessage(EventId = 13, EventName = "DevelopmentCertificateCreated", Level = LogLevel.Information, Message = "No --tls-cert given: generated a self-signed development certificate at {CertFile}")]
        public static partial void DevelopmentCertificateCreated(ILogger logger, string certFile);

        [LoggerMessage(EventId = 14, EventName = "DevelopmentCertificateLoaded", Level = LogLevel.Warning, Message = "Serving the self-signed DEVELOPMENT certificate {CertFile} (SHA-256 {Fingerprint}, valid until {NotAfter:u}); trust it with curl --cacert and that path. Give --tls-cert/--tls-key in a cluster")]
        public static partial void DevelopmentCertificateLoaded(ILogger logger, string certFile, string fingerprint, DateTime notAfter);

        [LoggerMessage(EventId = 16, EventName = "NoCertificateToServe", Level = LogLevel.Warning, Message = "HTTPS connections are closed before their handshake: no serving certificate could be loaded from {CertFile} / {KeyFile} yet (see the warning at start; the files are re-read when they change)")]
        public static partial void NoCertificateToServe(ILogger logger, string certFile, string keyFile);

        [LoggerMessage(EventId = 15, EventName = "CertificateNotValidNow", Level = LogLevel.Warning, Message = "Serving certificate {CertFile} is not valid now (valid from {NotBefore:u} until {NotAfter:u}): the API server refuses the TLS handshake, so every review fails until the Secret holds a current certificate")]
        public static partial void CertificateNotValidNow(ILogger logger, string certFile, DateTime notBefore, DateTime notAfter);
    }
}
