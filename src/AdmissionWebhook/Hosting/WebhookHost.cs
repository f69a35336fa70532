using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using AdmissionWebhook.Admission;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.Observability;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;
using Serilog.Settings.Configuration;
using ILogger = Microsoft.Extensions.Logging.ILogger;

namespace AdmissionWebhook.Hosting;

/// <summary>Builds the <c>serve</c> web application: two Kestrel listeners, the admission and health endpoints, Serilog.</summary>
internal static partial class WebhookHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCommandLine(args, CommandLine.ServeSwitches.ToDictionary());
        // The host owns its logger and disposes it with itself. Without preserveStaticLogger, Serilog makes it the static
        // Log.Logger and a stopping host closes whatever Log.Logger is then: with several hosts in one process (the
        // tests), one host's stop closed another's stdout sink, and that host's review lines were dropped.
        builder.Services.AddSerilog(
            (services, logger) => ConfigureLogging(logger, builder.Configuration, services.GetRequiredService<ReviewLineOutput>()),
            preserveStaticLogger: true);
        builder.Services.AddKeptnTaskAdmission();
        builder.WebHost.ConfigureKestrel(ConfigureKestrel);
        builder.WebHost.UseSockets(sockets => sockets.CreateBoundListenSocket = BindListenSocket);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseRouting();
        app.UseListenerSeparation();
        app.MapAdmissionEndpoints();
        app.MapWebhookHealthEndpoints();
        app.Lifetime.ApplicationStarted.Register(() => LogStarted(app));
        _ = app.Services.GetRequiredService<ShutdownReadiness>();
        return app;
    }

    /// <summary>Readable lines locally; one compact JSON object per line (<c>--log-format json</c>) for log pipelines.</summary>
    private static void ConfigureLogging(LoggerConfiguration logger, ConfigurationManager configuration, ReviewLineOutput reviewLines)
    {
        logger.MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)

            // Off, above Fatal: while this category is enabled at any level, ASP.NET Core starts an Activity and a log
            // scope for every request, which cost more than a review's rules (docs/performance.md). Its only lines are
            // per-request ones; a failed start still surfaces as the exception Program reports.
            .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", LogEventLevel.Fatal + 1)

            // It logs an Error for every probe that finds a check unhealthy — every 10 s of a normal start while the
            // caches sync. /readyz says which check fails and why, and the webhook's own warnings say what went wrong.
            .MinimumLevel.Override("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogEventLevel.Fatal)

            // Only levels come from configuration; naming the assembly spares the reader a scan of every dependency.
            .ReadFrom.Configuration(configuration, new ConfigurationReaderOptions(typeof(Serilog.Log).Assembly))
            .Enrich.FromLogContext();
        var format = configuration[$"{WebhookOptions.Section}:{nameof(WebhookOptions.LogFormat)}"];
        // Read as the options binder reads it (a name in any case, or the number of one), so both agree on what "1" means.
        var json = Enum.TryParse<LogFormat>(format, ignoreCase: true, out var parsed) && parsed == LogFormat.Json;

        // Each line is formatted where it is logged and written to stdout by a thread of the sink's own — at once after a
        // quiet spell, under load once per 100 ms — never by a review (docs/performance.md). If stdout blocks (a stuck log pipe), lines queue up to about
        // 10 MiB and then are dropped: a review never waits for the log, which would stall every KeptnTask write in the
        // cluster. What is queued is written when the host disposes the logger.
        ITextFormatter formatter = json ? new RenderedCompactJsonFormatter() : new MessageTemplateTextFormatter(TextTemplate, CultureInfo.InvariantCulture);
        var stdout = new StandardOutputSink(formatter, Console.OpenStandardOutput(), json);
        logger.WriteTo.Sink(stdout);
        reviewLines.Stdout = stdout;
        reviewLines.Json = json;

        // The review line skips the Serilog event and is written in the same format to the same sink (ReviewLine) —
        // unless configuration adds properties or enrichers, which only the event would carry.
        if (!configuration.GetSection("Serilog:Properties").Exists() && !configuration.GetSection("Serilog:Enrich").Exists())
        {
            reviewLines.Sink = stdout;
        }
    }

    internal const string TextTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}";

    /// <summary>What Kestrel reads past the body limit before it stops a body (chunk framing counts against its limit).</summary>
    internal const int BodyLimitSlack = 64 * 1024;

    /// <summary>Connections the HTTPS listener holds at once; more are closed at accept (the health port is not counted).</summary>
    internal const int MaxAdmissionConnections = 1000;

    private static void ConfigureKestrel(WebHostBuilderContext context, KestrelServerOptions kestrel)
    {
        var options = kestrel.ApplicationServices.GetRequiredService<IOptions<WebhookOptions>>().Value;
        var certificate = kestrel.ApplicationServices.GetRequiredService<ServingCertificate>();
        kestrel.AddServerHeader = false;
        // Kestrel's count includes the framing of a chunked body; RequestBody enforces the exact limit itself, this only
        // stops a body well past it from being read at all.
        kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes + BodyLimitSlack;

        // Slow clients (slowloris) cannot hold the server: headers must be complete 10 s after a request starts, a body
        // must keep coming at 1 KiB/s after a 5 s grace (the apiserver sends a review in one go), answers must be read
        // as fast, and the TLS handshake must finish in 10 s. Idle keep-alive connections stay open 2 minutes, longer
        // than the apiserver's own 90 s idle timeout, so it is the client that closes them and never races a POST
        // against the server's close.
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 1024, gracePeriod: TimeSpan.FromSeconds(5));
        kestrel.Limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 1024, gracePeriod: TimeSpan.FromSeconds(5));
        kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(2);

        var clientAuthority = string.IsNullOrWhiteSpace(options.ClientCaFile) ? null : ClientCertificateAuthority.Load(options.ClientCaFile);
        if (clientAuthority is not null)
        {
            var lifetime = kestrel.ApplicationServices.GetRequiredService<IHostApplicationLifetime>();
            lifetime.ApplicationStopped.Register(clientAuthority.Dispose);
            var logger = kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("AdmissionWebhook");
            Log.ClientCertificatesRequired(logger, clientAuthority.Subjects, clientAuthority.File);
        }

        var admissionConnections = 0;
        var connectionLogger = kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("AdmissionWebhook");
        var limitWarnings = new WarningThrottle(kestrel.ApplicationServices.GetRequiredService<TimeProvider>(), TimeSpan.FromMinutes(1));
        Listen(kestrel, options.BindAddress, options.HttpsPort, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.Use(next => async connection =>
            {
                try
                {
                    if (Interlocked.Increment(ref admissionConnections) > MaxAdmissionConnections)
                    {
                        // Said once a minute: while the limit holds, reviews are refused too, and nothing else would say why.
                        if (limitWarnings.ShouldWarn())
                        {
                            Log.ConnectionLimitReached(connectionLogger, MaxAdmissionConnections, connection.RemoteEndPoint?.ToString() ?? "unknown");
                        }

                        connection.Abort();
                        return;
                    }

                    if (!certificate.CanServe())
                    {
                        connection.Abort();
                        return;
                    }

                    await next(connection);
                }
                finally
                {
                    Interlocked.Decrement(ref admissionConnections);
                }
            });
            listen.UseHttps(new TlsHandshakeCallbackOptions
            {
                HandshakeTimeout = TimeSpan.FromSeconds(10),
                OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = certificate.Context,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                    ClientCertificateRequired = clientAuthority is not null,
                    RemoteCertificateValidationCallback = clientAuthority is null ? null : clientAuthority.Validate,
                }),
            });
        });
        Listen(kestrel, options.BindAddress, options.HealthPort, listen => listen.Protocols = HttpProtocols.Http1);
    }

    private static void Listen(KestrelServerOptions kestrel, string address, int port, Action<ListenOptions> configure)
    {
        switch (address)
        {
            case "*" or "0.0.0.0" or "::" or "":
                kestrel.ListenAnyIP(port, configure);
                break;
            case "localhost":
                kestrel.ListenLocalhost(port, configure);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(address), port, configure);
                break;
        }
    }

    /// <summary>
    /// Kestrel's own bind, with the address and port attached to a failure: the bare SocketException of an address this
    /// host does not have says only "Cannot assign requested address". A port in use is left to Kestrel, which says so.
    /// </summary>
    private static Socket BindListenSocket(EndPoint endpoint)
    {
        try
        {
            return SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode != SocketError.AddressAlreadyInUse)
        {
            // Not an IOException, as Kestrel's in-use one is: after any other failure on [::] ("*"), Kestrel retries on
            // 0.0.0.0, which a host without IPv6 needs.
            throw new ListenerBindException(endpoint, e);
        }
    }

    private static void LogStarted(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AdmissionWebhook");
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var state = app.Services.GetRequiredService<IClusterState>();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var https = addresses.Where(address => address.StartsWith("https:", StringComparison.Ordinal));
        var http = addresses.Where(address => address.StartsWith("http:", StringComparison.Ordinal));
        var httpsList = string.Join(", ", https);
        var httpList = string.Join(", ", http);
        var keptnNamespace = app.Services.GetRequiredService<IOptions<WebhookOptions>>().Value.KeptnNamespace;
        Log.Started(logger, httpsList, httpList, state.Description, keptnNamespace);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 20, EventName = "Started", Level = LogLevel.Information,
            Message = "KeptnTask admission webhook ready: POST /validate and /mutate on {HttpsAddresses}; /healthz and /readyz on {HttpAddresses}; cluster state: {State}; Keptn namespace {KeptnNamespace}")]
        public static partial void Started(ILogger logger, string httpsAddresses, string httpAddresses, string state, string keptnNamespace);

        [LoggerMessage(EventId = 21, EventName = "ClientCertificatesRequired", Level = LogLevel.Information,
            Message = "HTTPS callers must present a client certificate signed by {Authorities} (--client-ca {ClientCaFile}); others are refused in the TLS handshake")]
        public static partial void ClientCertificatesRequired(ILogger logger, string authorities, string clientCaFile);

        [LoggerMessage(EventId = 22, EventName = "ConnectionLimitReached", Level = LogLevel.Warning,
            Message = "HTTPS connections are closed at accept: {Limit} are open already (the last refused from {RemoteEndPoint}); idle or slow clients hold them until their timeouts (10 s for the TLS handshake and headers)")]
        public static partial void ConnectionLimitReached(ILogger logger, int limit, string remoteEndPoint);
    }
}
