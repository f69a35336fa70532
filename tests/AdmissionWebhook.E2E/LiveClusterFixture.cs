using AdmissionWebhook.E2E.Harness;

namespace AdmissionWebhook.E2E;

/// <summary>
/// One webhook in live mode for all of <see cref="LiveClusterTests"/>: it watches the test control plane with the
/// kubeconfig of ServiceAccount keptn-task-webhook/keptn-task-webhook, bound only to the ClusterRole of
/// manifests/base/rbac.yaml, renews its watches every 5 s, and is registered once as both the validating and the
/// mutating webhook of KeptnTasks. The cluster holds examples/cluster (applied with kubectl before the webhook starts).
/// Everything is removed again when the class is done, also after a failed start (certificates and the webhook's log
/// live in the control plane's work directory).
/// </summary>
public sealed class LiveClusterFixture(ControlPlane controlPlane) : IAsyncLifetime
{
    public const string Namespace = "podtato-kubectl";
    public const string KeptnNamespace = "keptn-system";
    public const string WebhookNamespace = "keptn-task-webhook";
    public const string WebhookServiceAccount = "keptn-task-webhook";
    public const string ClusterRole = "keptn-task-webhook";

    /// <summary>Namespaces the scenarios create tasks in besides <see cref="Namespace"/>, cleaned up at the end.</summary>
    public const string OtherNamespace = "podtato-elsewhere";

    private WebhookProcess? webhook;
    private WebhookRegistration? registration;

    public ControlPlane ControlPlane { get; } = controlPlane;

    public WebhookProcess Webhook => webhook ?? throw new InvalidOperationException("the live webhook is not started (are the end-to-end tests enabled?)");

    public ServiceAccountIdentity Identity { get; private set; } = null!;

    /// <summary>True once the webhook's /readyz answered 200 (every watch cache synced).</summary>
    public bool ReadyzReached { get; private set; }

    public static string RbacManifest => Path.Combine(Repository.Root, "manifests", "base", "rbac.yaml");

    public async Task InitializeAsync()
    {
        if (!E2EFactAttribute.Enabled)
        {
            return;
        }

        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            // The registration first: with failurePolicy Fail, a stopped webhook would refuse every later KeptnTask write.
            if (registration is not null)
            {
                await registration.DisposeAsync();
            }
        }
        finally
        {
            registration = null;
            try
            {
                if (webhook is not null)
                {
                    await webhook.DisposeAsync();
                }
            }
            finally
            {
                webhook = null;
                if (E2EFactAttribute.Enabled)
                {
                    await CleanUpClusterAsync();
                }
            }
        }
    }

    private async Task StartAsync()
    {
        foreach (var ns in new[] { Namespace, KeptnNamespace, WebhookNamespace, OtherNamespace })
        {
            await ControlPlane.CreateNamespaceAsync(ns);
        }

        // Tasks included: they exist before the webhook is registered, as in a cluster where Keptn already ran.
        await ControlPlane.KubectlOkAsync("apply", "-f", Repository.ExampleClusterState);

        // The shipped RBAC as it is (ServiceAccount, ClusterRole, ClusterRoleBinding), then a token for that ServiceAccount.
        await ControlPlane.KubectlOkAsync("apply", "-f", RbacManifest);
        Identity = await ControlPlane.CreateServiceAccountIdentityAsync(WebhookNamespace, WebhookServiceAccount, ClusterRole);

        var certificates = TestCertificates.Create(Path.Combine(ControlPlane.WorkDirectory, "live-certs"));
        webhook = await WebhookProcess.StartAsync(
            certificates,
            Path.Combine(ControlPlane.WorkDirectory, "webhook-live.log"),
            "--kubeconfig",
            Identity.KubeconfigPath,
            "--Webhook:WatchTimeout=00:00:05");
        ReadyzReached = true;

        var both = WebhookConfiguration.FromYaml(
            WebhookConfiguration.Validating(webhook.BaseUrl, certificates.CaBundle).Yaml
            + "\n---\n"
            + WebhookConfiguration.Mutating(webhook.BaseUrl, certificates.CaBundle).Yaml);
        registration = await ControlPlane.RegisterWebhooksAsync(both, webhook, Namespace);
    }

    /// <summary>Leaves the shared control plane as the other test classes expect it: none of these objects left behind.</summary>
    private async Task CleanUpClusterAsync()
    {
        if (string.IsNullOrEmpty(ControlPlane.KubeconfigPath))
        {
            return;
        }

        foreach (var ns in new[] { Namespace, KeptnNamespace, OtherNamespace })
        {
            await ControlPlane.KubectlAsync("delete", "keptntasks,keptntaskdefinitions", "--all", "--namespace", ns, "--ignore-not-found", "--wait=false");
        }

        await ControlPlane.KubectlAsync("delete", "-f", Repository.ExampleClusterState, "--ignore-not-found", "--wait=false");
        await ControlPlane.KubectlAsync("delete", "-f", RbacManifest, "--ignore-not-found", "--wait=false");
    }
}
