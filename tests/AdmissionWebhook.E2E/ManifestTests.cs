using AdmissionWebhook.E2E.Harness;
using Xunit.Abstractions;

namespace AdmissionWebhook.E2E;

/// <summary>
/// The deployment manifests (manifests/) and certs/generate.sh against the real kube-apiserver 1.20: every kustomize
/// entry point builds and its objects are accepted by a server-side dry-run, except the API versions 1.20 does not serve
/// (named in the test output and in tests/e2e/README.md); and the CA of certs/generate.sh, as the self-signed overlay
/// puts it into the webhook configuration, is what the apiserver trusts to call the webhook.
/// </summary>
[Collection(ControlPlaneCollectionDefinition.Name)]
public sealed class ManifestTests(ControlPlane controlPlane, ITestOutputHelper output) : IDisposable
{
    private const string Namespace = "manifests-e2e";

    /// <summary>API versions this 1.20 apiserver does not serve: objects of these cannot be dry-run here.</summary>
    private static readonly (string ApiVersion, string Kind, string Why)[] NotServed =
    [
        ("policy/v1", "PodDisruptionBudget", "policy/v1 is served from Kubernetes 1.21"),
        ("autoscaling/v2", "HorizontalPodAutoscaler", "autoscaling/v2 is served from Kubernetes 1.23"),
        ("cert-manager.io/v1", "Issuer", "cert-manager's CRDs are not installed on the e2e apiserver"),
        ("cert-manager.io/v1", "Certificate", "cert-manager's CRDs are not installed on the e2e apiserver"),
    ];

    private readonly TempDirectory temp = new("keptn-webhook-e2e-manifests");

    public static TheoryData<string> EntryPoints => new() { "base", "overlays/cert-manager", "overlays/self-signed", "overlays/autoscaling" };

    [E2ETheory]
    [MemberData(nameof(EntryPoints))]
    public async Task KustomizeEntryPoint_Builds_AndEveryObjectTheApiserverServes_IsAcceptedByAServerSideDryRun(string entryPoint)
    {
        var manifests = await CopyManifestsWithGeneratedCertificatesAsync();
        var built = await controlPlane.KubectlOkAsync("kustomize", Path.Combine(manifests, entryPoint));
        var documents = ManifestDocument.Split(built.StdOut);
        Assert.NotEmpty(documents);

        var notCovered = documents.Where(d => NotServed.Any(n => n.ApiVersion == d.ApiVersion && n.Kind == d.Kind)).ToList();
        var covered = documents.Except(notCovered).ToList();
        foreach (var d in notCovered)
        {
            output.WriteLine($"NOT COVERED (not served by kube-apiserver 1.20): {d.Display} — {NotServed.First(n => n.ApiVersion == d.ApiVersion && n.Kind == d.Kind).Why}");
        }

        // A dry-run does not create the Namespace, so the namespaced objects would be refused with NotFound: the namespace
        // is created for real (bare, as LiveClusterFixture does too), and its manifest is dry-run as an update.
        foreach (var ns in covered.Where(d => d.Kind == "Namespace"))
        {
            await controlPlane.CreateNamespaceAsync(ns.Name);
        }

        var dryRun = await controlPlane.KubectlAsync("apply", "--dry-run=server", "-f", controlPlane.WriteManifest(ManifestDocument.Join(covered), entryPoint.Replace('/', '-')));
        output.WriteLine(dryRun.ToString());

        Assert.True(dryRun.Succeeded, dryRun.ToString());
        foreach (var d in covered)
        {
            Assert.Contains($"/{d.Name} ", dryRun.StdOut, StringComparison.Ordinal);
        }

        Assert.Equal(covered.Count, dryRun.StdOut.Split('\n').Count(l => l.EndsWith("(server dry run)", StringComparison.Ordinal)));
        Assert.Contains(covered, d => d.Kind == "Deployment");
        Assert.Contains(covered, d => d.Kind == "ValidatingWebhookConfiguration");
        Assert.Contains(covered, d => d.Kind == "MutatingWebhookConfiguration");
    }

    [E2EFact]
    public async Task CertsGenerateScript_CaInTheSelfSignedOverlay_IsTrustedByTheApiserverToCallTheWebhook()
    {
        await controlPlane.CreateNamespaceAsync(Namespace);
        var manifests = await CopyManifestsWithGeneratedCertificatesAsync();
        var certificates = TestCertificates.Load(Path.Combine(manifests, "overlays", "self-signed", "generated"));
        await using var webhook = await WebhookProcess.StartAsync(certificates, temp.File("webhook.log"), "--state", Repository.ExampleClusterState);

        // The ValidatingWebhookConfiguration exactly as the self-signed overlay builds it (caBundle from certs/generate.sh's
        // ca-bundle-patch.yaml), with only clientConfig.service swapped for the url of the webhook on 127.0.0.1.
        var built = await controlPlane.KubectlOkAsync("kustomize", Path.Combine(manifests, "overlays", "self-signed"));
        var configuration = WebhookConfiguration.FromManifests(built.StdOut, webhook.BaseUrl, caBundle: null, "ValidatingWebhookConfiguration");
        output.WriteLine(configuration.Yaml);
        Assert.Contains(Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(certificates.CaPem)), configuration.Yaml, StringComparison.Ordinal);
        await using var registration = await controlPlane.RegisterWebhooksAsync(configuration, webhook, Namespace);

        var refused = await controlPlane.ApplyAsync($"""
            apiVersion: lifecycle.keptn.sh/v1
            kind: KeptnTask
            metadata:
              name: generated-certs-run-1
              namespace: {Namespace}
            spec:
              taskDefinition: no-such-definition
              context:
                appName: podtato-head
                appVersion: 0.1.0
                objectType: ""
                taskType: ""
                workloadName: podtato-head-frontend
                workloadVersion: 0.1.0

            """);
        output.WriteLine(refused.ToString());

        Assert.False(refused.Succeeded, refused.ToString());
        Assert.Contains("admission webhook \"validate.keptntasks.lifecycle.keptn.sh\" denied the request", refused.StdErr, StringComparison.Ordinal);
        Assert.Contains("no-such-definition", refused.StdErr, StringComparison.Ordinal);
        await webhook.AssertLoggedAsync($"validate CREATE {Namespace}/generated-certs-run-1 ");
    }

    public void Dispose() => temp.Dispose();

    /// <summary>
    /// A copy of manifests/ in the temp folder, with certs/generate.sh's output (IP SAN 127.0.0.1) in the self-signed
    /// overlay's generated/ folder: the repository's own checkout is never written to.
    /// </summary>
    private async Task<string> CopyManifestsWithGeneratedCertificatesAsync()
    {
        var target = temp.File("manifests");
        if (!Directory.Exists(target))
        {
            CopyDirectory(Path.Combine(Repository.Root, "manifests"), target, skip: "generated");
            var generated = await ProcessRunner.RunAsync(
                "bash",
                [Path.Combine(Repository.Root, "certs", "generate.sh"), "--ip", "127.0.0.1", "--out", Path.Combine(target, "overlays", "self-signed", "generated")],
                TimeSpan.FromSeconds(60));
            output.WriteLine(generated.ToString());
            Assert.True(generated.Succeeded, generated.ToString());
        }

        return target;
    }

    private static void CopyDirectory(string source, string target, string skip)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(source).Where(d => Path.GetFileName(d) != skip))
        {
            CopyDirectory(dir, Path.Combine(target, Path.GetFileName(dir)), skip);
        }
    }
}
