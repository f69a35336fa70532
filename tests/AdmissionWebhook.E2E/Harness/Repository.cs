namespace AdmissionWebhook.E2E.Harness;

/// <summary>Paths in this repository, found from the test assembly's folder.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string ProvisionScript => Path.Combine(Root, "tests", "e2e", "provision-control-plane.sh");

    public static string CrdDirectory => Path.Combine(Root, "tests", "e2e", "testdata", "crds");

    public static string ExampleClusterState => Path.Combine(Root, "examples", "cluster");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AdmissionWebhook.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no AdmissionWebhook.sln above {AppContext.BaseDirectory}: run the tests from a build inside the repository");
    }
}
