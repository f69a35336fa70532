using AdmissionWebhook.Configuration;

namespace AdmissionWebhook.ClusterState;

/// <summary>Chooses where the cluster state comes from: a configured manifest folder, or the embedded examples.</summary>
internal static class ClusterStateFactory
{
    /// <summary>The examples/cluster folder shipped beside the binary, or the repository's when run from a checkout.</summary>
    public static string EmbeddedStateDirectory()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "examples", "cluster");
        return Directory.Exists(beside) ? beside : Path.GetFullPath(Path.Combine("examples", "cluster"));
    }

    public static IClusterState Create(WebhookOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.Kubeconfig))
        {
            throw new NotSupportedException(
                $"{WebhookOptionsValidator.Describe("--kubeconfig", nameof(WebhookOptions.Kubeconfig))}: watching a live cluster is not available in this build yet; run with --state DIR (a folder of manifests) instead");
        }

        var directory = string.IsNullOrWhiteSpace(options.StateDirectory) ? EmbeddedStateDirectory() : options.StateDirectory;
        return ManifestClusterState.Load([directory]);
    }
}
