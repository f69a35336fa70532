using System.Text.Json;
using AdmissionWebhook.E2E.Harness;
using k8s;
using Xunit.Abstractions;

namespace AdmissionWebhook.E2E;

/// <summary>The harness itself: a real apiserver with the Keptn CRDs, driven by the real kubectl.</summary>
[Collection(ControlPlaneCollectionDefinition.Name)]
public sealed class ControlPlaneTests(ControlPlane controlPlane, ITestOutputHelper output)
{
    [E2EFact]
    public async Task ControlPlane_AfterStart_ServesTheKeptnTaskCrd()
    {
        output.WriteLine($"control plane {controlPlane.ServerUrl} from {controlPlane.BinaryDirectory}, started (CRDs established) in {controlPlane.StartupTime.TotalSeconds:0.0} s");
        var crd = await controlPlane.KubectlAsync("get", "crd", "keptntasks.lifecycle.keptn.sh");
        Assert.True(crd.Succeeded, crd.ToString());
        Assert.Contains("keptntasks.lifecycle.keptn.sh", crd.StdOut, StringComparison.Ordinal);

        var resources = await controlPlane.KubectlOkAsync("api-resources", "--api-group=lifecycle.keptn.sh", "-o", "name");
        foreach (var plural in new[] { "keptntasks", "keptntaskdefinitions", "keptnworkloads", "keptnapps", "keptnappcontexts" })
        {
            Assert.Contains($"{plural}.lifecycle.keptn.sh", resources.StdOut, StringComparison.Ordinal);
        }

        var version = await controlPlane.KubectlOkAsync("version", "-o", "json");
        Assert.Equal("v1.20.2", JsonDocument.Parse(version.StdOut).RootElement.GetProperty("serverVersion").GetProperty("gitVersion").GetString());
    }

    [E2EFact]
    public async Task KeptnTaskV1_WithEmptyStringsInContext_IsStoredAndReadBackUnchanged()
    {
        // Without vendor fix 3 (kube-openapi, kubernetes issue 99804) a 1.20 apiserver built with Go >= 1.18 refuses every
        // empty string in a custom resource: `Invalid value: "null": spec.context.objectType in body must be of type string`.
        const string ns = "e2e-empty-strings";
        await controlPlane.CreateNamespaceAsync(ns);

        var applied = await controlPlane.ApplyAsync($"""
            apiVersion: lifecycle.keptn.sh/v1
            kind: KeptnTask
            metadata:
              name: manual-run-1
              namespace: {ns}
            spec:
              taskDefinition: check-entry-conditions
              context:
                appName: podtato-head
                appVersion: ""
                objectType: ""
                taskType: ""
                workloadName: podtato-head-frontend
                workloadVersion: 0.1.0
              retries: 0
              timeout: 5m

            """);
        Assert.True(applied.Succeeded, applied.ToString());
        Assert.Contains("keptntask.lifecycle.keptn.sh/manual-run-1 created", applied.StdOut, StringComparison.Ordinal);

        var read = await controlPlane.KubectlOkAsync("get", "keptntask", "manual-run-1", "--namespace", ns, "-o", "json");
        var spec = JsonDocument.Parse(read.StdOut).RootElement.GetProperty("spec");
        var context = spec.GetProperty("context");
        Assert.Equal(string.Empty, context.GetProperty("appVersion").GetString());
        Assert.Equal(string.Empty, context.GetProperty("objectType").GetString());
        Assert.Equal(string.Empty, context.GetProperty("taskType").GetString());
        Assert.Equal("podtato-head", context.GetProperty("appName").GetString());
        Assert.Equal(0, spec.GetProperty("retries").GetInt32());

        // The same object through the API with KubernetesClient, not only through kubectl.
        using var client = controlPlane.CreateClient();
        var stored = (JsonElement)await client.CustomObjects.GetNamespacedCustomObjectAsync("lifecycle.keptn.sh", "v1", ns, "keptntasks", "manual-run-1");
        Assert.Equal(string.Empty, stored.GetProperty("spec").GetProperty("context").GetProperty("objectType").GetString());
    }

    [E2EFact]
    public async Task ServiceAccountIdentity_BoundToOneClusterRole_CanDoExactlyWhatThatRoleAllows()
    {
        const string role = "e2e-keptntask-reader";
        var created = await controlPlane.ApplyAsync($"""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: {role}
            rules:
              - apiGroups: ["lifecycle.keptn.sh"]
                resources: ["keptntasks"]
                verbs: ["get", "list", "watch"]

            """);
        Assert.True(created.Succeeded, created.ToString());

        var identity = await controlPlane.CreateServiceAccountIdentityAsync("e2e-identity", "task-reader", role);
        Assert.Equal("system:serviceaccount:e2e-identity:task-reader", identity.UserName);

        // As the admin, impersonating the ServiceAccount...
        Assert.Equal("yes", (await CanIAsync(["--as", identity.UserName], "list", "keptntasks.lifecycle.keptn.sh", "--all-namespaces")).StdOut.Trim());
        Assert.Equal("no", (await CanIAsync(["--as", identity.UserName], "create", "keptntasks.lifecycle.keptn.sh", "--all-namespaces")).StdOut.Trim());

        // ...and really authenticated as it, with its own kubeconfig and token.
        var whoAmI = await controlPlane.KubectlAsync(identity.KubeconfigPath, ControlPlane.KubectlTimeout, "auth", "can-i", "--list");
        Assert.True(whoAmI.Succeeded, whoAmI.ToString());
        Assert.Contains("keptntasks.lifecycle.keptn.sh", whoAmI.StdOut, StringComparison.Ordinal);

        var list = await controlPlane.KubectlAsync(identity.KubeconfigPath, ControlPlane.KubectlTimeout, "get", "keptntasks", "--all-namespaces");
        Assert.True(list.Succeeded, list.ToString());

        var forbidden = await controlPlane.KubectlAsync(identity.KubeconfigPath, ControlPlane.KubectlTimeout, "get", "secrets", "--all-namespaces");
        Assert.False(forbidden.Succeeded, forbidden.ToString());
        Assert.Contains($"User \"{identity.UserName}\" cannot list resource \"secrets\"", forbidden.StdErr, StringComparison.Ordinal);
    }

    private Task<ProcessResult> CanIAsync(string[] impersonation, params string[] question) =>
        controlPlane.KubectlAsync(["auth", "can-i", .. impersonation, .. question]);
}
