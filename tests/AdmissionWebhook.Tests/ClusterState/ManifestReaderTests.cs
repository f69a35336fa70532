using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Tests.Cli;
using AdmissionWebhook.Tests.TestSupport;

namespace AdmissionWebhook.Tests.ClusterState;

public sealed class ManifestReaderTests
{
    [Fact]
    public void Read_V1List_UnpacksItsItems()
    {
        var objects = ManifestReader.Read(Manifest("list.yaml"));

        Assert.Equal(
            [("KeptnTaskDefinition", "smoke-test", "gitops-demo"), ("KeptnWorkload", "demo-api", "gitops-demo")],
            objects.Select(item => (item.Kind, item.Name, item.Namespace)));
        Assert.All(objects, item => Assert.Equal("lifecycle.keptn.sh/v1", item.ApiVersion));
    }

    [Fact]
    public void Read_TypedList_UnpacksItsItems()
    {
        var objects = ManifestReader.Read(Manifest("keptn-list.yaml"));

        Assert.Equal([("KeptnTask", "smoke-test-run-1", "gitops-demo"), ("KeptnTask", "smoke-test-run-2", (string?)null)], objects.Select(item => (item.Kind, item.Name, item.Namespace)));
    }

    [Fact]
    public void Read_JsonFile_ReadsTheObjectAndKeepsItsJson()
    {
        var item = Assert.Single(ManifestReader.Read(Manifest("task.json")));

        Assert.Equal(("KeptnTask", "json-task-1", "podtato-kubectl", "lifecycle.keptn.sh/v1"), (item.Kind, item.Name, item.Namespace, item.ApiVersion));
        Assert.Equal(3, item.Object.GetProperty("spec").GetProperty("retries").GetInt32());
        Assert.Equal(Manifest("task.json"), item.Location);
    }

    [Fact]
    public void Read_TopLevelJsonArray_UnpacksItsItems() =>
        Assert.Equal(["KeptnApp", "Deployment"], ManifestReader.Read(Manifest("array.json")).Select(item => item.Kind));

    [Fact]
    public void Read_SeveralDocuments_SkipsEmptyOnesAndNumbersTheRest()
    {
        var objects = ManifestReader.Read(Manifest("multi.yaml"));

        Assert.Equal(["first", "second", "demo"], objects.Select(item => item.Name));
        Assert.Equal([0, 1, 2], objects.Select(item => item.Document));
        Assert.Equal($"{Manifest("multi.yaml")} (document 3)", objects[2].Location);
        Assert.Null(objects[0].Namespace);
    }

    [Fact]
    public void Read_ScalarDocument_IsRefusedAsNotAKubernetesObject()
    {
        var file = Manifest("bad", "scalar.yaml");

        var error = Assert.Throws<FormatException>(() => ManifestReader.Read(file));

        Assert.Equal($"{file}: document 1 is a string, not a Kubernetes object", error.Message);
    }

    [Fact]
    public void Read_ListWithAScalarItem_IsRefused()
    {
        var file = Manifest("bad", "list-with-scalar.yaml");

        var error = Assert.Throws<FormatException>(() => ManifestReader.Read(file));

        Assert.Equal($"{file}: document 1 is a string, not a Kubernetes object", error.Message);
    }

    [Fact]
    public void Files_Folder_ListsYamlAndJsonFilesBelowItInNameOrder()
    {
        var folder = Manifest("folder");

        var files = ManifestReader.Files(folder).Select(file => Path.GetRelativePath(folder, file));

        Assert.Equal(["UPPER.YAML", "a.json", "b.yaml", Path.Combine("sub", "c.yml")], files);
    }

    [Fact]
    public void Files_SingleFile_IsTheFileItself() => Assert.Equal([Manifest("task.json")], ManifestReader.Files(Manifest("task.json")));

    [Fact]
    public void Read_FileThatIsNotYaml_NamesTheFileInTheError()
    {
        using var folder = new TempFolder();
        var file = folder.Write("broken.yaml", "a: [1, 2\n");

        var error = Assert.Throws<FormatException>(() => ManifestReader.Read(file));

        Assert.StartsWith($"{file}: not valid YAML at line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FileNestedTooDeep_IsRefusedNamingTheFile()
    {
        using var folder = new TempFolder();
        var file = folder.Write("deep.json", new string('[', 100_000) + new string(']', 100_000));

        var error = Assert.Throws<FormatException>(() => ManifestReader.Read(file));

        Assert.Equal($"{file}: nested deeper than 128 levels", error.Message);
    }

    [Fact]
    public void Read_EndlessFile_IsRefusedAtTheManifestLimitInsteadOfRunningOutOfMemory()
    {
        var error = Assert.Throws<IOException>(() => ManifestReader.Read("/dev/zero"));

        Assert.Equal("/dev/zero is larger than 64 MiB, the limit for a manifest file", error.Message);
    }

    [Fact]
    public void Files_MissingPath_ThrowsFileNotFoundNamingIt()
    {
        var missing = Manifest("no-such-folder");

        var error = Assert.Throws<FileNotFoundException>(() => ManifestReader.Files(missing));

        Assert.Equal($"no such file or folder: {missing}", error.Message);
    }

    private static string Manifest(params string[] parts) => TestAssets.PathOf(["manifests", .. parts]);
}
