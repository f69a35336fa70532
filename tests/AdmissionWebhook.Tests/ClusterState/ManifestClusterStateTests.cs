using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Tests.TestSupport;

namespace AdmissionWebhook.Tests.ClusterState;

public sealed class ManifestClusterStateTests
{
    [Fact]
    public void Load_ExampleCluster_HoldsItsTasksDefinitionsAndOwners()
    {
        var state = ExampleCluster.Load();

        Assert.True(state.IsSynced);
        Assert.Equal(2, state.Store.TaskCount);
        Assert.Equal(5, state.Store.TaskDefinitionCount);
        Assert.Equal(3, state.Store.OwnerCount);
        Assert.True(state.HasTask("podtato-kubectl", "helloworldtask-1"));
        Assert.True(state.HasTask("podtato-kubectl", "pre-deploy-check-12345"));
        Assert.False(state.HasTask("keptn-system", "helloworldtask-1"));
        Assert.True(state.HasTaskDefinition("keptn-system", "slack-notification"));
        Assert.False(state.HasTaskDefinition("podtato-kubectl", "slack-notification"));
        Assert.Equal(["check-entry-conditions", "notify-deployment", "post-deployment-loadtests"], state.TaskDefinitionNames("podtato-kubectl").Order(StringComparer.Ordinal));
        Assert.Empty(state.TaskDefinitionNames("payments"));
        Assert.NotNull(state.FindOwner(KeptnOwnerKind.KeptnWorkload, "podtato-kubectl", "podtato-head-podtato-head-frontend"));
        Assert.NotNull(state.FindOwner(KeptnOwnerKind.KeptnAppContext, "podtato-kubectl", "podtato-head"));
        Assert.Null(state.FindOwner(KeptnOwnerKind.KeptnWorkload, "podtato-kubectl", "podtato-head"));
        Assert.Contains(Path.GetFullPath(ExampleCluster.Directory), state.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ObjectsWithoutNamespace_GoToTheDefaultNamespace()
    {
        var state = ManifestClusterState.Load([TestAssets.PathOf("manifests", "keptn-list.yaml"), TestAssets.PathOf("manifests", "multi.yaml")], "gitops-demo");

        Assert.True(state.HasTask("gitops-demo", "smoke-test-run-2"));
        Assert.True(state.HasTaskDefinition("gitops-demo", "first"));
        Assert.NotNull(state.FindOwner(KeptnOwnerKind.KeptnAppContext, "gitops-demo", "demo"));
    }

    [Fact]
    public void Load_Folder_ReadsEveryManifestBelowIt()
    {
        var state = ManifestClusterState.Load([TestAssets.PathOf("manifests", "folder")]);

        Assert.Equal(["a", "b", "upper"], state.TaskDefinitionNames("default").Order(StringComparer.Ordinal));
        Assert.True(state.HasTaskDefinition("elsewhere", "c"));
    }

    [Fact]
    public void Load_MissingPath_ThrowsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => ManifestClusterState.Load([TestAssets.PathOf("manifests", "missing.yaml")]));

    [Fact]
    public void Load_NoPaths_IsAnEmptyState()
    {
        var state = ManifestClusterState.Load([]);

        Assert.Equal("empty state", state.Description);
        Assert.Equal(0, state.Store.TaskCount + state.Store.TaskDefinitionCount + state.Store.OwnerCount);
    }

    [Fact]
    public void AddIfKeptn_ObjectOfAnotherGroup_IsLeftOut()
    {
        var store = new ClusterStateStore();
        var deployment = Assert.Single(ManifestReader.Read(TestAssets.PathOf("manifests", "array.json")), item => item.Kind == "Deployment");
        var app = Assert.Single(ManifestReader.Read(TestAssets.PathOf("manifests", "array.json")), item => item.Kind == "KeptnApp");

        Assert.False(ManifestClusterState.AddIfKeptn(store, deployment, "default"));
        Assert.True(ManifestClusterState.AddIfKeptn(store, app, "default"));
        Assert.Equal(1, store.OwnerCount);
    }

    [Fact]
    public void AddIfKeptn_KeptnKindTheStateDoesNotTrack_IsLeftOut()
    {
        var store = new ClusterStateStore();
        var item = new ManifestObject("f", 0, "KeptnWorkloadVersion", "lifecycle.keptn.sh/v1", "ns", "w-1", Requests.Json("{}"));

        Assert.False(ManifestClusterState.AddIfKeptn(store, item, "default"));
    }

    [Fact]
    public void AddIfKeptn_ObjectWithoutName_IsLeftOut()
    {
        var store = new ClusterStateStore();
        var item = new ManifestObject("f", 0, "KeptnTask", "lifecycle.keptn.sh/v1", "ns", null, Requests.Json("{}"));

        Assert.False(ManifestClusterState.AddIfKeptn(store, item, "default"));
        Assert.Equal(0, store.TaskCount);
    }

    [Fact]
    public async Task ConfirmLookups_AnswerFromTheManifests()
    {
        var state = ExampleCluster.Load();
        using var timeout = TimeBox.NewToken();

        Assert.Equal(Lookup.Found, await TimeBox.Within(state.ConfirmTaskAsync("podtato-kubectl", "helloworldtask-1", new LookupDeadline(timeout.Token))));
        Assert.Equal(Lookup.NotFound, await TimeBox.Within(state.ConfirmTaskAsync("podtato-kubectl", "helloworldtask-2", new LookupDeadline(timeout.Token))));
        Assert.Equal(Lookup.Found, await TimeBox.Within(state.ConfirmTaskDefinitionAsync("keptn-system", "promote-to-prod", new LookupDeadline(timeout.Token))));
        Assert.Equal(Lookup.NotFound, await TimeBox.Within(state.ConfirmTaskDefinitionAsync("podtato-kubectl", "promote-to-prod", new LookupDeadline(timeout.Token))));
    }

    [Fact]
    public void Store_RemovedObjects_AreGone()
    {
        var store = new ClusterStateStore();
        store.AddTask("ns", "t");
        store.AddTaskDefinition("ns", "d");
        store.SetOwner(new TaskListOwner(KeptnOwnerKind.KeptnApp, "ns", "a", []));

        store.RemoveTask("ns", "t");
        store.RemoveTaskDefinition("ns", "d");
        store.RemoveOwner(KeptnOwnerKind.KeptnApp, "ns", "a");
        store.RemoveTask("other", "t");

        Assert.False(store.HasTask("ns", "t"));
        Assert.False(store.HasTaskDefinition("ns", "d"));
        Assert.Null(store.FindOwner(KeptnOwnerKind.KeptnApp, "ns", "a"));
    }

    [Fact]
    public void Store_NamesAreCaseSensitive()
    {
        var store = new ClusterStateStore();
        store.AddTask("ns", "task-1");

        Assert.False(store.HasTask("ns", "Task-1"));
        Assert.False(store.HasTask("NS", "task-1"));
    }
}
