using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using AdmissionWebhook.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>
/// The real <c>serve</c> host, started in-process on 127.0.0.1 with free ports, over real TLS with a certificate of a
/// test CA. <see cref="Https"/> trusts only that CA; <see cref="Health"/> talks plain HTTP to the health port.
/// </summary>
public sealed class WebhookServer : IAsyncLifetime
{
    /// <summary>Longest any single start, stop or request may take before the test fails instead of hanging.</summary>
    public static readonly TimeSpan StartStopTimeout = TimeSpan.FromSeconds(30);

    private readonly Action<WebApplicationBuilder>? _configure;
    private readonly string[] _extraArgs;
    private bool _manifestState = true;
    private WebApplication? _app;

    /// <summary>The shared server of the <see cref="SharedWebhookServer"/>.</summary>
    public WebhookServer()
        : this(null, [])
    {
    }

    private WebhookServer(Action<WebApplicationBuilder>? configure, string[] extraArgs)
    {
        _configure = configure;
        _extraArgs = extraArgs;
        Authority = TestCertificateAuthority.Create();
        ServingCertificate = Authority.IssueServingCertificate();
        Volume = SecretVolume.Create(ServingCertificate);
    }

    public TestCertificateAuthority Authority { get; }

    /// <summary>The certificate the server was started with.</summary>
    public IssuedCertificate ServingCertificate { get; }

    /// <summary>Where tls.crt/tls.key live, laid out as a mounted Secret.</summary>
    public SecretVolume Volume { get; }

    public Uri HttpsAddress { get; private set; } = null!;

    public Uri HealthAddress { get; private set; } = null!;

    /// <summary>HTTPS client for /validate and /mutate that trusts only the test CA.</summary>
    public HttpClient Https { get; private set; } = null!;

    /// <summary>Plain-HTTP client for the health port.</summary>
    public HttpClient Health { get; private set; } = null!;

    /// <summary>The cluster state beside the test binaries (the src project copies examples/cluster there).</summary>
    public static string StateDirectory => Path.Combine(AppContext.BaseDirectory, "examples", "cluster");

    /// <summary>A server of its own, for tests that change it (certificate swap) or watch its logs.</summary>
    public static async Task<WebhookServer> StartNewAsync(Action<WebApplicationBuilder>? configure = null, params string[] extraArgs)
    {
        var server = new WebhookServer(configure, extraArgs);
        try
        {
            await server.InitializeAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A server of its own that watches the cluster of <paramref name="kubeconfig"/> instead of the example manifests.</summary>
    public static async Task<WebhookServer> StartWatchingClusterAsync(string kubeconfig, Action<WebApplicationBuilder>? configure = null, params string[] extraArgs)
    {
        var server = new WebhookServer(configure, ["--kubeconfig", kubeconfig, .. extraArgs]) { _manifestState = false };
        try
        {
            await server.InitializeAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The serve arguments for this server's certificate files, on loopback with free ports.</summary>
    public static string[] ServeArguments(string certificateFile, string keyFile) =>
    [
        "--bind-address", "127.0.0.1",
        "--https-port", "0",
        "--health-port", "0",
        "--tls-cert", certificateFile,
        "--tls-key", keyFile,
        "--state", StateDirectory,
    ];

    public async Task InitializeAsync()
    {
        var serve = ServeArguments(Volume.CertificateFile, Volume.KeyFile).ToList();
        if (!_manifestState)
        {
            serve.RemoveRange(serve.IndexOf("--state"), 2);
        }

        _app = WebhookHost.Build([.. serve, .. _extraArgs], _configure);
        using (var timeout = new CancellationTokenSource(StartStopTimeout))
        {
            await _app.StartAsync(timeout.Token);
        }

        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("the server publishes no addresses");
        HttpsAddress = new Uri(addresses.Single(address => address.StartsWith("https://", StringComparison.Ordinal)));
        HealthAddress = new Uri(addresses.Single(address => address.StartsWith("http://", StringComparison.Ordinal)));
        Https = CreateHttpsClient();
        Health = new HttpClient { BaseAddress = HealthAddress, Timeout = StartStopTimeout };
    }

    /// <summary>A new HTTPS client (own connection pool) that trusts only the test CA, presenting <paramref name="clientCertificate"/> if given.</summary>
    public HttpClient CreateHttpsClient(X509Certificate2? clientCertificate = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => Authority.Validates(certificate as X509Certificate2, errors),
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            },
        };
        return new HttpClient(handler, disposeHandler: true) { BaseAddress = HttpsAddress, Timeout = StartStopTimeout };
    }

    public async Task DisposeAsync()
    {
        Https?.Dispose();
        Health?.Dispose();
        if (_app is not null)
        {
            using (var timeout = new CancellationTokenSource(StartStopTimeout))
            {
                try
                {
                    await _app.StopAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    // Disposal below still releases the listeners.
                }
            }

            await _app.DisposeAsync();
        }

        Volume.Dispose();
        Authority.Dispose();
    }
}

/// <summary>Tests sharing one running server, so the suite stays fast.</summary>
[CollectionDefinition(Name)]
public sealed class SharedWebhookServer : ICollectionFixture<WebhookServer>
{
    public const string Name = "webhook server";
}

/// <summary>Tests that time answers run alone, once the parallel ones are done.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimedTests
{
    public const string Name = "timed";
}
