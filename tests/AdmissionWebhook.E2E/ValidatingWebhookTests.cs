using System.Text.Json;
using AdmissionWebhook.E2E.Harness;
using Xunit.Abstractions;

namespace AdmissionWebhook.E2E;

/// <summary>
/// kubectl → kube-apiserver → the webhook over TLS → the answer printed by kubectl. The webhook serves the manifest
/// folder examples/cluster (this build has no live cluster state yet), which says that task helloworldtask-1 and
/// definition check-entry-conditions exist in namespace podtato-kubectl.
/// </summary>
[Collection(ControlPlaneCollectionDefinition.Name)]
public sealed class ValidatingWebhookTests(ControlPlane controlPlane, ITestOutputHelper output) : IDisposable
{
    private const string Namespace = "podtato-kubectl";
    private readonly TempDirectory temp = new("keptn-webhook-e2e-webhook");

    [E2EFact]
    public async Task KubectlApply_OfANameTheWebhookKnows_IsRefusedWithTheNextFreeName_AndANewNameIsCreated()
    {
        await controlPlane.CreateNamespaceAsync(Namespace);
        var certificates = TestCertificates.Create(temp.CreateSubdirectory("certs"));
        await using var webhook = await WebhookProcess.StartAsync(certificates, temp.File("webhook.log"), "--state", Repository.ExampleClusterState);
        await using var registration = await controlPlane.RegisterWebhooksAsync(
            WebhookConfiguration.Validating(webhook.BaseUrl, certificates.CaBundle), webhook, Namespace);

        var duplicate = await controlPlane.ApplyAsync(Task("helloworldtask-1", "check-entry-conditions"));
        output.WriteLine(duplicate.ToString());

        Assert.False(duplicate.Succeeded, duplicate.ToString());
        Assert.Contains("admission webhook \"validate.keptntasks.lifecycle.keptn.sh\" denied the request", duplicate.StdErr, StringComparison.Ordinal);
        Assert.Contains("helloworldtask-2", duplicate.StdErr, StringComparison.Ordinal);
        await webhook.AssertLoggedAsync("validate CREATE podtato-kubectl/helloworldtask-1 ");
        var notStored = await controlPlane.KubectlAsync("get", "keptntask", "helloworldtask-1", "--namespace", Namespace);
        Assert.Contains("NotFound", notStored.StdErr, StringComparison.Ordinal);

        var fresh = await controlPlane.ApplyAsync(Task("entry-check-run-1", "check-entry-conditions"));

        Assert.True(fresh.Succeeded, fresh + "\nwebhook output:\n" + webhook.Process.Tail());
        Assert.Contains("keptntask.lifecycle.keptn.sh/entry-check-run-1 created", fresh.StdOut, StringComparison.Ordinal);
        var stored = await controlPlane.KubectlOkAsync("get", "keptntask", "entry-check-run-1", "--namespace", Namespace, "-o", "json");
        Assert.Equal("check-entry-conditions", JsonDocument.Parse(stored.StdOut).RootElement.GetProperty("spec").GetProperty("taskDefinition").GetString());
    }

    public void Dispose() => temp.Dispose();

    private static string Task(string name, string taskDefinition) => $"""
        apiVersion: lifecycle.keptn.sh/v1
        kind: KeptnTask
        metadata:
          name: {name}
          namespace: {Namespace}
        spec:
          taskDefinition: {taskDefinition}
          context:
            appName: podtato-head
            appVersion: 0.1.0
            objectType: ""
            taskType: ""
            workloadName: podtato-head-frontend
            workloadVersion: 0.1.0
          retries: 10
          timeout: 5m

        """;
}
