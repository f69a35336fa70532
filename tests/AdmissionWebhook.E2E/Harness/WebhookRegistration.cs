namespace AdmissionWebhook.E2E.Harness;

/// <summary>
/// Webhook configurations applied to the control plane, and in effect: the apiserver picks configurations up
/// asynchronously, so registering waits until a server-side dry-run of a probe KeptnTask reaches the webhook, and
/// disposing deletes them and waits until probes no longer reach it. Dispose it before stopping the webhook, or
/// (failurePolicy Fail) every later KeptnTask write is refused.
/// </summary>
public sealed class WebhookRegistration : IAsyncDisposable
{
    private static readonly TimeSpan EffectTimeout = TimeSpan.FromSeconds(30);
    private readonly ControlPlane controlPlane;
    private readonly WebhookProcess webhook;
    private readonly string probeNamespace;
    private int probes;

    private WebhookRegistration(ControlPlane controlPlane, WebhookConfiguration configuration, WebhookProcess webhook, string probeNamespace)
    {
        this.controlPlane = controlPlane;
        Configuration = configuration;
        this.webhook = webhook;
        this.probeNamespace = probeNamespace;
    }

    public WebhookConfiguration Configuration { get; }

    /// <summary>Applies <paramref name="configuration"/> and waits until KeptnTask writes in <paramref name="probeNamespace"/> reach <paramref name="webhook"/>.</summary>
    public static async Task<WebhookRegistration> RegisterAsync(ControlPlane controlPlane, WebhookConfiguration configuration, WebhookProcess webhook, string probeNamespace)
    {
        ArgumentNullException.ThrowIfNull(controlPlane);
        ArgumentNullException.ThrowIfNull(configuration);
        var registration = new WebhookRegistration(controlPlane, configuration, webhook, probeNamespace);
        var applied = await controlPlane.ApplyAsync(configuration.Yaml);
        if (!applied.Succeeded)
        {
            throw new InvalidOperationException($"registering the webhook configuration failed: {applied}");
        }

        try
        {
            await registration.WaitForProbeAsync(expectReviewed: true);
            return registration;
        }
        catch
        {
            await registration.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (kind, name) in Configuration.Objects)
        {
            var deleted = await controlPlane.KubectlAsync("delete", kind.ToLowerInvariant(), name, "--ignore-not-found");
            if (!deleted.Succeeded)
            {
                throw new InvalidOperationException($"could not delete {kind} {name}: {deleted}");
            }
        }

        if (!webhook.Process.HasExited)
        {
            await WaitForProbeAsync(expectReviewed: false);
        }
    }

    private async Task WaitForProbeAsync(bool expectReviewed)
    {
        var last = "no probe sent";
        await Poll.UntilAsync(
            async () =>
            {
                var name = $"e2e-webhook-probe-{Interlocked.Increment(ref probes)}";
                var result = await controlPlane.KubectlAsync("create", "--dry-run=server", "-f", controlPlane.WriteManifest(ProbeTask(name), name));
                last = result.ToString();
                var output = expectReviewed ? webhook.Output : await webhook.SettledOutputAsync();
                var reviewed = output.Contains($" CREATE {probeNamespace}/{name} ", StringComparison.Ordinal);
                return expectReviewed ? reviewed : result.Succeeded && !reviewed;
            },
            EffectTimeout,
            () => $"the webhook configuration did not {(expectReviewed ? "take" : "stop taking")} effect within {EffectTimeout.TotalSeconds:0} s; last probe: {last}\nwebhook output:\n{webhook.Process.Tail()}");
    }

    private string ProbeTask(string name) => $"""
        apiVersion: lifecycle.keptn.sh/v1
        kind: KeptnTask
        metadata:
          name: {name}
          namespace: {probeNamespace}
        spec:
          taskDefinition: e2e-webhook-probe
          context:
            appName: probe
            appVersion: 0.1.0
            objectType: ""
            taskType: ""
            workloadName: probe
            workloadVersion: 0.1.0

        """;
}
