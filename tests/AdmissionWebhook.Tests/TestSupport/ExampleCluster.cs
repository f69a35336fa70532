using AdmissionWebhook.ClusterState;

namespace AdmissionWebhook.Tests.TestSupport;

/// <summary>The example cluster state of <c>examples/cluster</c>, copied next to the test binaries.</summary>
internal static class ExampleCluster
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "examples", "cluster");

    /// <summary>A fresh copy of the example state, so a test may add objects without affecting another.</summary>
    public static ManifestClusterState Load() => ManifestClusterState.Load([Directory]);
}
