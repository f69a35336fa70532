using AdmissionWebhook.Configuration;
using AdmissionWebhook.Observability;
using k8s;
using Microsoft.Extensions.Options;

namespace AdmissionWebhook.ClusterState;

/// <summary>
/// Chooses where the cluster state comes from: an explicit manifest folder; else a cluster (the --kubeconfig file, the
/// KUBECONFIG variable, or the pod's in-cluster service account); else the embedded examples.
/// </summary>
internal static class ClusterStateFactory
{
    /// <summary>The examples/cluster folder shipped beside the binary, or the repository's when run from a checkout.</summary>
    public static string EmbeddedStateDirectory()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "examples", "cluster");
        return Directory.Exists(beside) ? beside : Path.GetFullPath(Path.Combine("examples", "cluster"));
    }

    public static IClusterState Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<WebhookOptions>>();
        var value = options.Value;
        if (!string.IsNullOrWhiteSpace(value.StateDirectory))
        {
            return ManifestClusterState.Load([value.StateDirectory]);
        }

        if (ClusterConnection(value) is { } connection)
        {
            var client = new Kubernetes(connection.Configuration);
            return new KubernetesClusterState(
                client,
                options,
                services.GetRequiredService<ILogger<KubernetesClusterState>>(),
                services.GetRequiredService<TimeProvider>(),
                $"{connection.Configuration.Host} ({connection.Source})",
                services.GetRequiredService<WebhookMetrics>())
            {
                WatchTimeout = value.WatchTimeout,
            };
        }

        return ManifestClusterState.Load([EmbeddedStateDirectory()]);
    }

    private static (KubernetesClientConfiguration Configuration, string Source)? ClusterConnection(WebhookOptions options)
    {
        var kubeconfig = !string.IsNullOrWhiteSpace(options.Kubeconfig)
            ? options.Kubeconfig
            : Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator).FirstOrDefault(File.Exists);
        (KubernetesClientConfiguration Configuration, string Source)? connection = null;
        if (!string.IsNullOrWhiteSpace(kubeconfig))
        {
            connection = (KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig), $"kubeconfig {kubeconfig}");
        }
        else if (KubernetesClientConfiguration.IsInCluster())
        {
            connection = (KubernetesClientConfiguration.InClusterConfig(), "in-cluster service account");
        }

        if (connection is { } found)
        {
            // Every call carries its own deadline (lists, watches, confirming GETs); a client-wide timeout would cut watches.
            found.Configuration.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        }

        return connection;
    }
}
