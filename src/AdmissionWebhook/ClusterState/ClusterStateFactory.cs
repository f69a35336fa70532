using System.Runtime.CompilerServices;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.Observability;
using k8s;
using k8s.Exceptions;
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
            try
            {
                return ManifestClusterState.Load([value.StateDirectory]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The validator saw the path exist; reading it can still fail (a symlink loop, no permission), as
                // review reports it: a setting to fix, not a crash.
                throw new OptionsValidationException(Options.DefaultName, typeof(WebhookOptions),
                    [$"{WebhookOptionsValidator.Describe("--state", nameof(WebhookOptions.StateDirectory))} \"{value.StateDirectory}\" cannot be read: {e.Message}"]);
            }
        }

        return (IClusterState?)Connect(services, options) ?? ManifestClusterState.Load([EmbeddedStateDirectory()]);
    }

    // Kept out of Create, with no Kubernetes client type in its signature, so a process on a manifest folder never
    // loads the client's assembly (about 3 MiB of RSS).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static KubernetesClusterState? Connect(IServiceProvider services, IOptions<WebhookOptions> options)
    {
        if (ClusterConnection(options.Value) is not { } connection)
        {
            return null;
        }

        return new KubernetesClusterState(
            new Kubernetes(connection.Configuration),
            options,
            services.GetRequiredService<ILogger<KubernetesClusterState>>(),
            services.GetRequiredService<TimeProvider>(),
            $"{connection.Configuration.Host} ({connection.Source})",
            services.GetRequiredService<WebhookMetrics>())
        {
            WatchTimeout = options.Value.WatchTimeout,
        };
    }

    private static (KubernetesClientConfiguration Configuration, string Source)? ClusterConnection(WebhookOptions options)
    {
        var kubeconfig = !string.IsNullOrWhiteSpace(options.Kubeconfig)
            ? options.Kubeconfig
            : Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator).FirstOrDefault(File.Exists);
        (KubernetesClientConfiguration Configuration, string Source)? connection = null;
        if (!string.IsNullOrWhiteSpace(kubeconfig))
        {
            try
            {
                connection = (KubernetesClientConfiguration.BuildConfigFromConfigObject(KubeconfigFile.Load(kubeconfig)), $"kubeconfig {kubeconfig}");
            }
            catch (KubeConfigException e)
            {
                throw new FormatException($"kubeconfig {kubeconfig} cannot be used:", e);
            }
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
