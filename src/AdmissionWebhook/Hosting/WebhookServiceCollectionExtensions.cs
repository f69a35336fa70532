using AdmissionWebhook.Admission;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.Hosting;
using AdmissionWebhook.Mutation;
using AdmissionWebhook.Observability;
using AdmissionWebhook.Validation;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

internal static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// Registers the KeptnTask admission rules, their options (validated at start-up), the cluster state, the serving
    /// certificate and the health checks. A test may register its own <see cref="IClusterState"/> first.
    /// </summary>
    public static IServiceCollection AddKeptnTaskAdmission(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IClusterState>(ClusterStateFactory.Create);
        services.AddHostedService<ClusterStateLifetime>();
        services.TryAddSingleton(provider => new KeptnTaskValidator(provider.GetRequiredService<IClusterState>(), provider.GetRequiredService<IOptions<WebhookOptions>>().Value));
        services.TryAddSingleton(provider => new KeptnTaskMutator(provider.GetRequiredService<IClusterState>(), provider.GetRequiredService<IOptions<WebhookOptions>>().Value));
        services.TryAddSingleton<KeptnTaskReviewer>();
        services.TryAddSingleton<ServingCertificate>();
        services.TryAddSingleton<WebhookMetrics>();
        services.TryAddSingleton<ReviewLineOutput>();
        services.TryAddSingleton(provider => new ReviewLog(provider.GetRequiredService<Serilog.ILogger>(), provider.GetRequiredService<ReviewLineOutput>()));
        services.AddHostedService(provider => provider.GetRequiredService<ServingCertificate>());
        services.AddWebhookHealthChecks();
        services.AddHostedService<ShutdownDrain>();
        services.AddOptions<HostOptions>().Configure<IOptions<WebhookOptions>>((host, webhook) =>
            host.ShutdownTimeout = webhook.Value.ShutdownDelay + TimeSpan.FromSeconds(20));
        return services;
    }
}
