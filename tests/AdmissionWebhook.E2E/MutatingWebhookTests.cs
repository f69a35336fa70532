using System.Text.Json;
using AdmissionWebhook.E2E.Harness;
using Xunit.Abstractions;

namespace AdmissionWebhook.E2E;

/// <summary>
/// The MutatingWebhookConfiguration through the real chain: what the apiserver stores is the task after the webhook's
/// JSON Patch. The webhook serves examples/cluster, where KeptnWorkload podtato-head-podtato-head-frontend lists
/// check-entry-conditions as a pre-deployment task.
/// </summary>
[Collection(ControlPlaneCollectionDefinition.Name)]
public sealed class MutatingWebhookTests(ControlPlane controlPlane, ITestOutputHelper output) : IDisposable
{
    private const string Namespace = "podtato-kubectl";
    private readonly TempDirectory temp = new("keptn-webhook-e2e-mutating");

    [E2EFact]
    public async Task KubectlApply_OfATaskWithoutDefaults_IsStoredWithDefaultsAndTheCheckTypeOfItsWorkload()
    {
        await controlPlane.CreateNamespaceAsync(Namespace);
        var certificates = TestCertificates.Create(temp.CreateSubdirectory("certs"));
        await using var webhook = await WebhookProcess.StartAsync(certificates, temp.File("webhook.log"), "--state", Repository.ExampleClusterState);
        await using var registration = await controlPlane.RegisterWebhooksAsync(
            WebhookConfiguration.Mutating(webhook.BaseUrl, certificates.CaBundle), webhook, Namespace);

        var applied = await controlPlane.ApplyAsync("""
            apiVersion: lifecycle.keptn.sh/v1
            kind: KeptnTask
            metadata:
              name: pre-check-mutated-1
              namespace: podtato-kubectl
            spec:
              taskDefinition: check-entry-conditions
              context:
                appName: podtato-head
                appVersion: ""
                objectType: ""
                taskType: ""
                workloadName: podtato-head-podtato-head-frontend
                workloadVersion: 0.1.0

            """);
        output.WriteLine(applied.ToString());

        Assert.True(applied.Succeeded, applied + "\nwebhook output:\n" + webhook.Process.Tail());
        await webhook.AssertLoggedAsync("mutate CREATE podtato-kubectl/pre-check-mutated-1 ");
        var stored = await controlPlane.KubectlOkAsync("get", "keptntask", "pre-check-mutated-1", "--namespace", Namespace, "-o", "json");
        var spec = JsonDocument.Parse(stored.StdOut).RootElement.GetProperty("spec");
        Assert.Equal(10, spec.GetProperty("retries").GetInt32());
        Assert.Equal("5m", spec.GetProperty("timeout").GetString());
        Assert.Equal("pre", spec.GetProperty("checkType").GetString());
        Assert.Equal("pre", spec.GetProperty("context").GetProperty("taskType").GetString());
        Assert.Equal("Workload", spec.GetProperty("context").GetProperty("objectType").GetString());
    }

    public void Dispose() => temp.Dispose();
}
