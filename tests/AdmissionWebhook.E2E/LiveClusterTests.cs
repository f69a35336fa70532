using System.Diagnostics;
using System.Text.Json;
using AdmissionWebhook.E2E.Harness;
using Xunit.Abstractions;

namespace AdmissionWebhook.E2E;

/// <summary>
/// The webhook in live mode — list+watch caches of the real control plane, least-privilege ServiceAccount, watches
/// renewed every 5 s — through the chain a user has: kubectl → kube-apiserver → webhook over TLS → what kubectl prints
/// and what the apiserver stores. The cluster holds examples/cluster: definitions check-entry-conditions (and others)
/// in podtato-kubectl, slack-notification in keptn-system, KeptnWorkload podtato-head-podtato-head-frontend listing
/// check-entry-conditions as a pre-deployment task. Every scenario uses names of its own, so the order does not matter.
/// </summary>
[Collection(ControlPlaneCollectionDefinition.Name)]
public sealed class LiveClusterTests(LiveClusterFixture live, ITestOutputHelper output) : IClassFixture<LiveClusterFixture>
{
    private const string Namespace = LiveClusterFixture.Namespace;
    private const string Denied = "denied the request";
    private const string Workload = "podtato-head-podtato-head-frontend";

    private ControlPlane ControlPlane => live.ControlPlane;

    [E2EFact]
    public async Task Live_AValidHandMadeTask_IsStoredWithDefaultsAndTheCheckTypeOfItsKeptnWorkload()
    {
        var applied = await ApplyAsync(TaskYaml("live-entry-check-1"));

        AssertAllowed(applied);
        Assert.Contains("keptntask.lifecycle.keptn.sh/live-entry-check-1 created", applied.StdOut, StringComparison.Ordinal);
        await live.Webhook.AssertLoggedAsync($"mutate CREATE {Namespace}/live-entry-check-1 ");
        var spec = await StoredSpecAsync("live-entry-check-1");
        Assert.Equal(10, spec.GetProperty("retries").GetInt32());
        Assert.Equal("5m", spec.GetProperty("timeout").GetString());
        Assert.Equal("pre", spec.GetProperty("checkType").GetString());
        Assert.Equal("pre", spec.GetProperty("context").GetProperty("taskType").GetString());
        Assert.Equal("Workload", spec.GetProperty("context").GetProperty("objectType").GetString());
    }

    [E2EFact]
    public async Task Live_KubectlCreateOfAnExistingName_IsRefusedWithTheNextFreeName()
    {
        AssertAllowed(await ApplyAsync(TaskYaml("live-duplicate-1")));

        var again = await ControlPlane.KubectlAsync("create", "-f", ControlPlane.WriteManifest(TaskYaml("live-duplicate-1"), "duplicate"));
        output.WriteLine(again.ToString());

        AssertDenied(again, "live-duplicate-2");
        Assert.Contains("already", again.StdErr, StringComparison.Ordinal);
    }

    [E2EFact]
    public async Task Live_KubectlApplyOfAnEditedSpecUnderTheSameName_IsRefused()
    {
        AssertAllowed(await ApplyAsync(TaskYaml("live-edited-1")));

        var edited = await ApplyAsync(TaskYaml("live-edited-1", workloadVersion: "0.2.0"));

        AssertDenied(edited, "spec");
        Assert.Contains("live-edited-2", edited.StdErr, StringComparison.Ordinal);
        Assert.Contains("cannot be changed", edited.StdErr, StringComparison.OrdinalIgnoreCase);
        var spec = await StoredSpecAsync("live-edited-1");
        Assert.Equal("0.1.0", spec.GetProperty("context").GetProperty("workloadVersion").GetString());
    }

    [E2EFact]
    public async Task Live_AMetadataOnlyChange_IsAllowed()
    {
        AssertAllowed(await ApplyAsync(TaskYaml("live-labelled-1")));

        var labelled = await ControlPlane.KubectlAsync("label", "keptntask", "live-labelled-1", "--namespace", Namespace, "e2e.keptn.sh/run=relabelled");

        AssertAllowed(labelled);
        Assert.Contains("keptntask.lifecycle.keptn.sh/live-labelled-1 labeled", labelled.StdOut, StringComparison.Ordinal);
        var stored = await StoredAsync("keptntask", "live-labelled-1");
        Assert.Equal("relabelled", stored.GetProperty("metadata").GetProperty("labels").GetProperty("e2e.keptn.sh/run").GetString());
        await live.Webhook.AssertLoggedAsync($"validate UPDATE {Namespace}/live-labelled-1 ");
    }

    [E2EFact]
    public async Task Live_AnInvalidNameAndANameLongerThan57Characters_AreRefused()
    {
        var invalid = await ApplyAsync(TaskYaml("Bad_Name"));

        // The apiserver checks metadata.name itself before any admission webhook: either refusal is right.
        Assert.False(invalid.Succeeded, invalid.ToString());
        Assert.True(
            invalid.StdErr.Contains(Denied, StringComparison.Ordinal) || invalid.StdErr.Contains("RFC 1123", StringComparison.Ordinal),
            invalid.ToString());
        await AssertNotStoredAsync("Bad_Name");

        var longName = "live-" + new string('a', 51) + "-1";
        Assert.Equal(58, longName.Length);
        var tooLong = await ApplyAsync(TaskYaml(longName));

        AssertDenied(tooLong, "57");
        await AssertNotStoredAsync(longName);
    }

    [E2EFact]
    public async Task Live_AMissingTaskDefinition_IsRefusedWithDidYouMean()
    {
        var missing = await ApplyAsync(TaskYaml("live-typo-1", taskDefinition: "check-entry-condition"));

        AssertDenied(missing, "did you mean \"check-entry-conditions\"");
        Assert.Contains(LiveClusterFixture.KeptnNamespace, missing.StdErr, StringComparison.Ordinal);
        await AssertNotStoredAsync("live-typo-1");
    }

    [E2EFact]
    public async Task Live_ADefinitionOnlyInTheKeptnNamespace_ServesATaskOfAnotherNamespace()
    {
        const string ns = LiveClusterFixture.OtherNamespace;
        var applied = await ApplyAsync(TaskYaml("live-notify-1", ns, taskDefinition: "slack-notification", workloadName: "frontend"));

        AssertAllowed(applied);
        var spec = await StoredSpecAsync("live-notify-1", ns);
        Assert.Equal("slack-notification", spec.GetProperty("taskDefinition").GetString());
        Assert.Equal(10, spec.GetProperty("retries").GetInt32());
    }

    [E2EFact]
    public async Task Live_ADefinitionAppliedImmediatelyBeforeItsTask_IsFound()
    {
        // One kubectl apply, two documents in order: the task's review arrives before the watch can have delivered the
        // definition, so the confirming GET has to find it.
        var applied = await ApplyAsync($"""
            apiVersion: lifecycle.keptn.sh/v1
            kind: KeptnTaskDefinition
            metadata:
              name: live-fresh-definition
              namespace: {Namespace}
            spec:
              deno:
                inline:
                  code: console.log("fresh");
            ---
            {TaskYaml("live-fresh-1", taskDefinition: "live-fresh-definition")}
            """);

        AssertAllowed(applied);
        Assert.Contains("keptntaskdefinition.lifecycle.keptn.sh/live-fresh-definition created", applied.StdOut, StringComparison.Ordinal);
        Assert.Contains("keptntask.lifecycle.keptn.sh/live-fresh-1 created", applied.StdOut, StringComparison.Ordinal);

        // And two applies back to back.
        var definition = await ApplyAsync($"""
            apiVersion: lifecycle.keptn.sh/v1
            kind: KeptnTaskDefinition
            metadata:
              name: live-fresh-definition-2
              namespace: {Namespace}
            spec:
              deno:
                inline:
                  code: console.log("fresh");

            """);
        AssertAllowed(definition);
        AssertAllowed(await ApplyAsync(TaskYaml("live-fresh-2", taskDefinition: "live-fresh-definition-2")));
        Assert.Equal("live-fresh-definition-2", (await StoredSpecAsync("live-fresh-2")).GetProperty("taskDefinition").GetString());
    }

    [E2EFact]
    public async Task Live_ServerSideDryRun_GivesTheSameAnswers_AndStoresNothing()
    {
        AssertAllowed(await ApplyAsync(TaskYaml("live-dry-1")));

        var duplicate = await ControlPlane.KubectlAsync("create", "--dry-run=server", "-f", ControlPlane.WriteManifest(TaskYaml("live-dry-1"), "dry-duplicate"));
        output.WriteLine(duplicate.ToString());
        AssertDenied(duplicate, "live-dry-2");

        var edited = await ApplyAsync(TaskYaml("live-dry-1", workloadVersion: "0.2.0"), "--dry-run=server");
        AssertDenied(edited, "live-dry-2");
        Assert.Contains("cannot be changed", edited.StdErr, StringComparison.OrdinalIgnoreCase);

        var fresh = await ApplyAsync(TaskYaml("live-dry-new-1"), "--dry-run=server");
        AssertAllowed(fresh);
        Assert.Contains("keptntask.lifecycle.keptn.sh/live-dry-new-1 created (server dry run)", fresh.StdOut, StringComparison.Ordinal);
        await live.Webhook.AssertLoggedAsync($"validate CREATE {Namespace}/live-dry-new-1 ");
        await AssertNotStoredAsync("live-dry-new-1");
    }

    [E2EFact]
    public async Task Live_V1alpha3AndV1Tasks_AreBothAcceptedAndMutated()
    {
        AssertAllowed(await ApplyAsync(TaskYaml("live-v1alpha3-1", apiVersion: "v1alpha3")));
        AssertAllowed(await ApplyAsync(TaskYaml("live-v1-1", apiVersion: "v1")));

        foreach (var (name, version) in new[] { ("live-v1alpha3-1", "v1alpha3"), ("live-v1-1", "v1") })
        {
            var stored = await StoredAsync($"keptntasks.{version}.lifecycle.keptn.sh", name);
            Assert.Equal($"lifecycle.keptn.sh/{version}", stored.GetProperty("apiVersion").GetString());
            var spec = stored.GetProperty("spec");
            Assert.Equal(10, spec.GetProperty("retries").GetInt32());
            Assert.Equal("5m", spec.GetProperty("timeout").GetString());
            Assert.Equal("pre", spec.GetProperty("checkType").GetString());
            Assert.Equal("Workload", spec.GetProperty("context").GetProperty("objectType").GetString());
        }

        await live.Webhook.AssertLoggedAsync($"mutate CREATE {Namespace}/live-v1alpha3-1 ");
    }

    [E2EFact]
    public async Task Live_TasksAppliedWhileTheWatchesRestart_AreAllAllowed_AndTheCacheSeesThem()
    {
        // WatchTimeout is 5 s: over 12 s every cache renews its watch at least twice.
        var logBefore = live.Webhook.Output.Length;
        var clock = Stopwatch.StartNew();
        var names = Enumerable.Range(1, 10).Select(i => $"live-rewatch-{i}-1").ToList();
        for (var i = 0; i < names.Count; i++)
        {
            var due = TimeSpan.FromMilliseconds(1200 * i);
            if (clock.Elapsed < due)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            var applied = await ApplyAsync(TaskYaml(names[i]));
            AssertAllowed(applied);
        }

        output.WriteLine($"10 tasks applied in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(10.8), $"the applies took only {clock.Elapsed}");

        // A watch that ends at its timeout is renewed from the same resourceVersion, not reported as lost.
        var window = (await live.Webhook.SettledOutputAsync())[logBefore..];
        Assert.DoesNotContain("lost:", window, StringComparison.Ordinal);

        // The duplicate check starts from the cache: it refuses only a name the watch delivered. Give the watch time.
        ProcessResult again = null!;
        await Poll.UntilAsync(
            async () =>
            {
                again = await ControlPlane.KubectlAsync("create", "--dry-run=server", "-f", ControlPlane.WriteManifest(TaskYaml(names[^1]), "rewatch-duplicate"));
                return !again.Succeeded;
            },
            TimeSpan.FromSeconds(15),
            () => $"creating {names[^1]} again was not refused within 15 s: {again}\nwebhook output:\n{live.Webhook.Process.Tail()}");
        AssertDenied(again, "live-rewatch-10-2");

        var first = await ControlPlane.KubectlAsync("create", "-f", ControlPlane.WriteManifest(TaskYaml(names[0]), "rewatch-duplicate-first"));
        AssertDenied(first, "live-rewatch-1-2");
    }

    [E2EFact]
    public async Task Live_TheWebhookRanWithTheLeastPrivilegeIdentity()
    {
        Assert.True(live.ReadyzReached, "the webhook's /readyz never answered 200");
        Assert.DoesNotContain("forbidden", await live.Webhook.SettledOutputAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.False(live.Webhook.Process.HasExited, "the webhook exited:\n" + live.Webhook.Process.Tail());

        var user = live.Identity.UserName;
        Assert.Equal("system:serviceaccount:keptn-task-webhook:keptn-task-webhook", user);

        var pods = await ControlPlane.KubectlAsync("auth", "can-i", "list", "pods", "--all-namespaces", $"--as={user}");
        Assert.False(pods.Succeeded, pods.ToString());
        Assert.Equal("no", pods.StdOut.Trim());

        var write = await ControlPlane.KubectlAsync("auth", "can-i", "create", "keptntasks.lifecycle.keptn.sh", "--all-namespaces", $"--as={user}");
        Assert.Equal("no", write.StdOut.Trim());

        foreach (var plural in new[] { "keptntasks", "keptntaskdefinitions", "keptnworkloads", "keptnapps", "keptnappcontexts" })
        {
            foreach (var verb in new[] { "get", "list", "watch" })
            {
                var allowed = await ControlPlane.KubectlAsync("auth", "can-i", verb, $"{plural}.lifecycle.keptn.sh", "--all-namespaces", $"--as={user}");
                Assert.True(allowed.Succeeded, allowed.ToString());
                Assert.Equal("yes", allowed.StdOut.Trim());
            }
        }
    }

    private static string TaskYaml(
        string name,
        string ns = Namespace,
        string taskDefinition = "check-entry-conditions",
        string apiVersion = "v1",
        string workloadName = Workload,
        string workloadVersion = "0.1.0") => $"""
        apiVersion: lifecycle.keptn.sh/{apiVersion}
        kind: KeptnTask
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          taskDefinition: {taskDefinition}
          context:
            appName: podtato-head
            appVersion: ""
            objectType: ""
            taskType: ""
            workloadName: {workloadName}
            workloadVersion: {workloadVersion}

        """;

    private static void AssertDenied(ProcessResult result, string expected)
    {
        Assert.False(result.Succeeded, result.ToString());
        Assert.Contains(Denied, result.StdErr, StringComparison.Ordinal);
        Assert.Contains(expected, result.StdErr, StringComparison.Ordinal);
    }

    private void AssertAllowed(ProcessResult result) =>
        Assert.True(result.Succeeded, result + "\nwebhook output:\n" + live.Webhook.Process.Tail());

    private async Task<ProcessResult> ApplyAsync(string yaml, params string[] extraArgs)
    {
        var result = await ControlPlane.ApplyAsync(yaml, extraArgs);
        output.WriteLine(result.ToString());
        return result;
    }

    private async Task<JsonElement> StoredAsync(string resource, string name, string ns = Namespace)
    {
        var stored = await ControlPlane.KubectlOkAsync("get", resource, name, "--namespace", ns, "-o", "json");
        return JsonDocument.Parse(stored.StdOut).RootElement.Clone();
    }

    private async Task<JsonElement> StoredSpecAsync(string name, string ns = Namespace) =>
        (await StoredAsync("keptntask", name, ns)).GetProperty("spec");

    private async Task AssertNotStoredAsync(string name, string ns = Namespace)
    {
        var get = await ControlPlane.KubectlAsync("get", "keptntask", name, "--namespace", ns);
        Assert.False(get.Succeeded, get.ToString());
        Assert.True(get.StdErr.Contains("NotFound", StringComparison.Ordinal) || get.StdErr.Contains("not found", StringComparison.Ordinal), get.ToString());
    }
}
