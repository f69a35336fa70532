using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Observability;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;

namespace AdmissionWebhook.Hosting;

/// <summary>
/// The plain-HTTP endpoints: liveness says the process answers; readiness says it can answer correctly (state synced,
/// certificate loaded, not shutting down); /metrics is scraped by Prometheus.
/// </summary>
internal static class HealthEndpoints
{
    private const string Live = "live";
    private const string Ready = "ready";

    public static IHealthChecksBuilder AddWebhookHealthChecks(this IServiceCollection services)
    {
        var builder = services.AddHealthChecks();
        builder.Services.AddSingleton<ShutdownReadiness>();
        return builder
            .AddCheck("self", () => HealthCheckResult.Healthy(), [Live])
            .AddCheck<ClusterStateHealthCheck>("cluster-state", tags: [Ready])
            .AddCheck<CertificateHealthCheck>("serving-certificate", tags: [Ready])
            .AddCheck<ShutdownReadiness>("not-shutting-down", tags: [Ready]);
    }

    public static void MapWebhookHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var metrics = endpoints.ServiceProvider.GetRequiredService<WebhookMetrics>();
        metrics.ObserveAtScrape(
            endpoints.ServiceProvider.GetRequiredService<IClusterState>(),
            endpoints.ServiceProvider.GetRequiredService<ServingCertificate>(),
            endpoints.ServiceProvider.GetRequiredService<TimeProvider>(),
            endpoints.ServiceProvider.GetRequiredService<ReviewLineOutput>());
        endpoints.MapMetrics("/metrics", metrics.Registry).WithMetadata(ListenerMetadata.Health);
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Live) }).WithMetadata(ListenerMetadata.Health);
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready), ResponseWriter = WriteDetails }).WithMetadata(ListenerMetadata.Health);
    }

    /// <summary>"Unhealthy" alone tells an operator nothing: list each check and why it fails.</summary>
    private static Task WriteDetails(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var lines = report.Entries.Select(entry => $"{entry.Key}: {entry.Value.Status}{(entry.Value.Description is { } text ? " - " + text : string.Empty)}");
        return context.Response.WriteAsync($"{report.Status}\n{string.Join('\n', lines)}\n");
    }

    private sealed class ClusterStateHealthCheck(IClusterState state) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(state.IsSynced
                ? HealthCheckResult.Healthy(state.Description)
                : HealthCheckResult.Unhealthy($"{state.Description}: not synced yet"));
    }

    private sealed class CertificateHealthCheck(ServingCertificate certificate) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(certificate.Certificate is { } loaded
                ? HealthCheckResult.Healthy($"{certificate.CertFile}, valid until {loaded.NotAfter.ToUniversalTime():u}")
                : HealthCheckResult.Unhealthy($"no certificate could be loaded from {certificate.CertFile}"));
    }
}

/// <summary>Turns readiness off as soon as shutdown begins, so endpoints stop routing reviews here before the listener closes.</summary>
internal sealed class ShutdownReadiness : IHealthCheck
{
    private volatile bool _stopping;

    public ShutdownReadiness(IHostApplicationLifetime lifetime) => lifetime.ApplicationStopping.Register(() => _stopping = true);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_stopping ? HealthCheckResult.Unhealthy("shutting down") : HealthCheckResult.Healthy());
}
