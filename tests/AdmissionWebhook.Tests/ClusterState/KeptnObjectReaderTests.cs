using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Tests.TestSupport;

namespace AdmissionWebhook.Tests.ClusterState;

public sealed class KeptnObjectReaderTests
{
    [Theory]
    [InlineData("check-entry-conditions", new[] { "check-entry-conditions" })]
    [InlineData(" a , ,b,, c ", new[] { "a", "b", "c" })]
    [InlineData(" post-deployment-loadtests , ", new[] { "post-deployment-loadtests" })]
    [InlineData("a,b", new[] { "a", "b" })]
    [InlineData("", new string[0])]
    [InlineData(" , ,, ", new string[0])]
    public void SplitList_CommaList_IsTrimmedWithoutEmptyItems(string value, string[] expected) =>
        Assert.Equal(expected, KeptnObjectReader.SplitList(value));

    [Fact]
    public void ReadOwner_Workload_ReadsAnnotationsThenSpecLists()
    {
        var owner = KeptnObjectReader.ReadOwner(KeptnOwnerKind.KeptnWorkload, "podtato-kubectl", "billing-api", Requests.Json("""
            {
              "metadata": { "annotations": {
                "keptn.sh/pre-deployment-tasks": " db-migrate ,, cache-warmup ",
                "keptn.sh/post-deployment-tasks": "smoke-test",
                "keptn.sh/unrelated": "x" } },
              "spec": { "preDeploymentTasks": ["schema-check", "a, b"], "postDeploymentTasks": ["notify"], "promotionTasks": ["not-for-workloads"] }
            }
            """));

        Assert.Equal((KeptnOwnerKind.KeptnWorkload, "podtato-kubectl", "billing-api"), (owner.Kind, owner.Namespace, owner.Name));
        Assert.Equal(
            [
                "Pre annotation keptn.sh/pre-deployment-tasks: db-migrate cache-warmup",
                "Post annotation keptn.sh/post-deployment-tasks: smoke-test",
                "Pre spec.preDeploymentTasks: schema-check a b",
                "Post spec.postDeploymentTasks: notify",
            ],
            Describe(owner));
    }

    [Fact]
    public void ReadOwner_App_ReadsAnnotationsAndPrePostSpecListsButNoPromotion()
    {
        var owner = KeptnObjectReader.ReadOwner(KeptnOwnerKind.KeptnApp, "podtato-kubectl", "legacy-shop", Requests.Json("""
            {
              "metadata": { "annotations": { "keptn.sh/post-deployment-tasks": "notify-deployment" } },
              "spec": { "preDeploymentTasks": ["warmup"], "promotionTasks": ["promote"] }
            }
            """));

        Assert.Equal(["Post annotation keptn.sh/post-deployment-tasks: notify-deployment", "Pre spec.preDeploymentTasks: warmup"], Describe(owner));
    }

    [Fact]
    public void ReadOwner_AppContext_ReadsSpecListsIncludingPromotionButNoAnnotations()
    {
        var owner = KeptnObjectReader.ReadOwner(KeptnOwnerKind.KeptnAppContext, "podtato-kubectl", "podtato-head", Requests.Json("""
            {
              "metadata": { "annotations": { "keptn.sh/pre-deployment-tasks": "ignored" } },
              "spec": { "preDeploymentTasks": [], "postDeploymentTasks": ["slack-notification"], "promotionTasks": ["promote-to-prod"] }
            }
            """));

        Assert.Equal(["Post spec.postDeploymentTasks: slack-notification", "Promotion spec.promotionTasks: promote-to-prod"], Describe(owner));
    }

    [Fact]
    public void ReadOwner_ListsOfTheWrongShape_AreIgnored()
    {
        var owner = KeptnObjectReader.ReadOwner(KeptnOwnerKind.KeptnWorkload, "ns", "w", Requests.Json("""
            {
              "metadata": { "annotations": { "keptn.sh/pre-deployment-tasks": 5, "keptn.sh/post-deployment-tasks": " , " } },
              "spec": { "preDeploymentTasks": "not-a-list", "postDeploymentTasks": [1, null, {"name": "x"}, "real"] }
            }
            """));

        Assert.Equal(["Post spec.postDeploymentTasks: real"], Describe(owner));
    }

    [Fact]
    public void ReadOwner_NoMetadataOrSpec_HasNoLists() =>
        Assert.Empty(KeptnObjectReader.ReadOwner(KeptnOwnerKind.KeptnApp, "ns", "a", Requests.Json("{}")).Lists);

    [Theory]
    [InlineData("KeptnWorkload", KeptnOwnerKind.KeptnWorkload)]
    [InlineData("KeptnApp", KeptnOwnerKind.KeptnApp)]
    [InlineData("KeptnAppContext", KeptnOwnerKind.KeptnAppContext)]
    public void OwnerKindOf_KindsWithTaskLists_AreOwners(string kind, object expected) => Assert.Equal(expected, KeptnObjectReader.OwnerKindOf(kind));

    [Theory]
    [InlineData("KeptnTask")]
    [InlineData("KeptnTaskDefinition")]
    [InlineData("KeptnWorkloadVersion")]
    [InlineData("keptnapp")]
    [InlineData(null)]
    public void OwnerKindOf_OtherKinds_AreNotOwners(string? kind) => Assert.Null(KeptnObjectReader.OwnerKindOf(kind));

    private static IEnumerable<string> Describe(TaskListOwner owner) =>
        owner.Lists.Select(list => $"{list.Phase} {list.Source}: {string.Join(" ", list.TaskDefinitions)}");
}
