using System.Text.Json;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Tests.Integration;

namespace AdmissionWebhook.Tests.Security;

/// <summary>
/// Issue 6: the webhook's RBAC is exactly get/list/watch on the five Keptn kinds in lifecycle.keptn.sh. Read from
/// manifests/base/rbac.yaml, and every other manifest is checked to grant nothing more.
/// </summary>
public sealed class RbacManifestTests
{
    private static readonly string[] KeptnPlurals = ["keptntaskdefinitions", "keptntasks", "keptnworkloads", "keptnapps", "keptnappcontexts"];
    private static readonly string[] ReadVerbs = ["get", "list", "watch"];

    private static string Manifests => Path.Combine(Examples.RepositoryRoot, "manifests");

    [Fact]
    public void TheClusterRoleGrantsExactlyGetListWatchOnTheFiveKeptnKinds()
    {
        var documents = YamlJson.ParseDocuments(File.ReadAllText(Path.Combine(Manifests, "base", "rbac.yaml")));
        var role = Assert.Single(documents, document => Kind(document) == "ClusterRole").RootElement;

        var grants = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in role.GetProperty("rules").EnumerateArray())
        {
            Assert.Equal(["apiGroups", "resources", "verbs"], rule.EnumerateObject().Select(property => property.Name).Order(StringComparer.Ordinal));
            foreach (var group in Strings(rule, "apiGroups"))
            {
                foreach (var resource in Strings(rule, "resources"))
                {
                    foreach (var verb in Strings(rule, "verbs"))
                    {
                        grants.Add($"{group}/{resource}:{verb}");
                    }
                }
            }
        }

        var expected = KeptnPlurals.SelectMany(plural => ReadVerbs.Select(verb => $"lifecycle.keptn.sh/{plural}:{verb}")).ToHashSet(StringComparer.Ordinal);
        Assert.True(expected.SetEquals(grants), $"the ClusterRole grants {string.Join(", ", grants.Order(StringComparer.Ordinal))}");
        Assert.False(role.TryGetProperty("aggregationRule", out _), "an aggregated ClusterRole can gain rules from other roles");
    }

    [Fact]
    public void TheOnlyBindingGivesThatRoleToTheWebhooksServiceAccount()
    {
        var documents = AllManifestDocuments().ToList();

        var bindings = documents.Where(document => Kind(document) is "ClusterRoleBinding" or "RoleBinding").Select(document => document.RootElement).ToList();
        var binding = Assert.Single(bindings);
        Assert.Equal("ClusterRole", binding.GetProperty("roleRef").GetProperty("kind").GetString());
        Assert.Equal("keptn-task-webhook", binding.GetProperty("roleRef").GetProperty("name").GetString());
        var subject = Assert.Single(binding.GetProperty("subjects").EnumerateArray());
        Assert.Equal("ServiceAccount", subject.GetProperty("kind").GetString());
        Assert.Equal("keptn-task-webhook", subject.GetProperty("name").GetString());
    }

    [Fact]
    public void NoOtherManifestDefinesARoleOrClusterRole()
    {
        var roles = AllManifestDocuments()
            .Where(document => Kind(document) is "Role" or "ClusterRole")
            .Select(document => document.RootElement.GetProperty("metadata").GetProperty("name").GetString())
            .ToList();

        Assert.Equal(["keptn-task-webhook"], roles);
    }

    private static IEnumerable<JsonDocument> AllManifestDocuments() =>
        Directory.GetFiles(Manifests, "*.yaml", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}generated{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(file => YamlJson.ParseDocuments(File.ReadAllText(file)));

    private static string? Kind(JsonDocument document) =>
        document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("kind", out var kind) ? kind.GetString() : null;

    private static IEnumerable<string> Strings(JsonElement rule, string field) =>
        rule.GetProperty(field).EnumerateArray().Select(item => item.GetString()!);
}
