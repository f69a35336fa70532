using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Tests.Integration;
using Xunit.Abstractions;

namespace AdmissionWebhook.Tests.ClusterState.Live;

/// <summary>
/// Issue 6, API-server faults seen from the whole host: the real serve host over TLS, watching a
/// <see cref="FakeKubeApiServer"/> through <c>--kubeconfig</c>, its caches filled with examples/cluster.
/// </summary>
// Alone, after the parallel tests: these tests time answers against a deadline, and a test process busy on both cores
// (JIT, TLS handshakes, blocked pool threads of other tests) delayed one of them by a second in CI.
[Collection(TimedTests.Name)]
public sealed partial class HostFaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Namespace = "podtato-kubectl";
    private readonly string _folder = Directory.CreateTempSubdirectory("keptn-webhook-fake-cluster-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task WatchesDroppedAndExpiredUnderLoadKeepDecisionsCorrectAndReadinessSteady()
    {
        await using var api = await FakeKubeApiServer.StartAsync(SeedExamples);
        var server = await WebhookServer.StartWatchingClusterAsync(WriteKubeconfig(api.Port));
        try
        {
            await WaitUntilReadyAsync(server, TimeSpan.FromSeconds(15));
            using var stop = new CancellationTokenSource();
            var readiness = PollReadinessAsync(server, stop.Token);
            var failures = new ConcurrentQueue<string>();
            var sent = 0;
            (string File, bool Allowed, int? Code)[] expected =
            [
                ("create-valid.json", true, null),
                ("create-duplicate.json", false, 409),
                ("create-missing-definition.json", false, 422),
            ];
            var load = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
            {
                using var client = server.CreateHttpsClient();
                for (var i = worker; !stop.IsCancellationRequested; i++)
                {
                    var (file, allowed, code) = expected[i % expected.Length];
                    try
                    {
                        var answer = await client.ReviewAsync("/validate", Examples.Review(file));
                        if (answer.Allowed != allowed || answer.Code != code)
                        {
                            failures.Enqueue($"{file}: allowed={answer.Allowed} code={answer.Code} {answer.Message}");
                        }
                    }
                    catch (Exception e)
                    {
                        failures.Enqueue($"{file}: {e.GetType().Name} {e.Message}");
                    }

                    Interlocked.Increment(ref sent);
                }
            })).ToList();

            // Each kind: its watch connection dropped, then a 410 Gone as an ERROR event, then a watch refused with HTTP 410.
            var clock = Stopwatch.StartNew();
            foreach (var plural in FakeKubeApiServer.KindsByPlural.Keys)
            {
                await Eventually.TrueAsync(() => api.OpenWatches(plural) > 0, $"a watch of {plural} is open", TimeSpan.FromSeconds(15));
                api.AbortWatches(plural);
                await Eventually.TrueAsync(() => api.OpenWatches(plural) > 0, $"the dropped watch of {plural} is reopened", TimeSpan.FromSeconds(15));
                api.ExpireWatches(plural);
                api.FailNextWatches(plural, HttpStatusCode.Gone);
                await Eventually.TrueAsync(() => api.OpenWatches(plural) > 0, $"the expired watch of {plural} is reopened", TimeSpan.FromSeconds(15));
            }

            // The caches still follow the cluster: a task created now makes its name a duplicate, a definition makes a task valid.
            api.Put(KeptnObjects.Tasks, KeptnObjects.Task(Namespace, "created-after-the-faults", "check-entry-conditions"));
            api.Put(KeptnObjects.TaskDefinitions, KeptnObjects.TaskDefinition(Namespace, "defined-after-the-faults"));
            using var client = server.CreateHttpsClient();
            await EventuallyAsync(
                async () => (await client.ReviewAsync("/validate", TaskReview("created-after-the-faults", "check-entry-conditions"))).Code == 409,
                "a task created after the faults is refused as a duplicate");
            var defined = await client.ReviewAsync("/validate", TaskReview("uses-a-new-definition", "defined-after-the-faults"));
            Assert.True(defined.Allowed, defined.Message);

            await stop.CancelAsync();
            await Task.WhenAll(load);
            var (polls, notReady) = await readiness;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sent} reviews during {clock.Elapsed.TotalSeconds:0.0} s of watch faults on 5 kinds; {failures.Count} wrong or failed; /readyz polled {polls} times, {notReady.Count} not ready"));
            Assert.True(failures.IsEmpty, $"{failures.Count} of {sent} reviews were wrong or failed: {string.Join(" | ", failures.Take(5))}");
            Assert.True(notReady.Count == 0, $"/readyz flapped {notReady.Count} of {polls} times: {string.Join(" | ", notReady.Take(3))}");
            Assert.True(sent > 50, $"only {sent} reviews were sent");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task AnApiServerDownAtStartKeepsReadinessFalseWithAReasonAndLivenessUpUntilItComes()
    {
        var port = FakeKubeApiServer.FreePort();
        var server = await WebhookServer.StartWatchingClusterAsync(WriteKubeconfig(port));
        try
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(3))
            {
                var ready = await server.Health.GetRawAsync("/readyz");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.Status);
                Assert.Contains("cluster-state: Unhealthy", ready.Body, StringComparison.Ordinal);
                Assert.Contains("not synced yet", ready.Body, StringComparison.Ordinal);
                Assert.Equal(HttpStatusCode.OK, (await server.Health.GetRawAsync("/healthz")).Status);
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }

            // The process kept retrying: the API server comes up and the host turns ready without a restart.
            await using var api = await FakeKubeApiServer.StartAsync(SeedExamples, port);
            await WaitUntilReadyAsync(server, TimeSpan.FromSeconds(20));
            var answer = await server.Https.ReviewAsync("/validate", Examples.Review("create-duplicate.json"));
            Assert.Equal(409, answer.Code);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("create-missing-definition.json", "KeptnTaskDefinition")]
    [InlineData("create-duplicate.json", "KeptnTask")]
    public async Task ASlowApiServerNeverMakesAReviewMissItsDeadlineTheLookupPolicyAppliesAndIsCounted(string file, string kind)
    {
        await using var api = await FakeKubeApiServer.StartAsync(fake =>
        {
            SeedExamples(fake);
            fake.GetDelay = TimeSpan.FromSeconds(10);
        });
        var server = await WebhookServer.StartWatchingClusterAsync(WriteKubeconfig(api.Port));
        try
        {
            await WaitUntilReadyAsync(server, TimeSpan.FromSeconds(15));
            using var content = ReviewClient.Json(Examples.Text(file));

            // A review the cache answers alone first: the timed one measures the deadline, not the connection's TLS
            // handshake or the first review's JIT.
            Assert.True((await server.Https.ReviewAsync("/validate", Examples.Review("create-valid.json"))).Allowed);

            var clock = Stopwatch.StartNew();
            var raw = await server.Https.PostRawAsync("/validate?timeout=2s", content);
            var elapsed = clock.Elapsed;

            Assert.Equal(HttpStatusCode.OK, raw.Status);
            var answer = ReviewAnswer.Parse(raw.Body);
            output.WriteLine($"{file} with a 10 s GET and ?timeout=2s answered in {elapsed.TotalMilliseconds:0} ms: allowed={answer.Allowed}, warnings: {string.Join(" | ", answer.Warnings)}");
            Assert.True(elapsed < TimeSpan.FromSeconds(1.9), $"the answer took {elapsed}, past the apiserver's 2 s");
            Assert.True(answer.Allowed, $"the default lookup-failure policy allows: {answer.Message}");
            Assert.NotEmpty(answer.Warnings);
            Assert.Contains(api.Requests, request => request.Type == RequestType.Get);

            var metrics = await server.Health.GetRawAsync("/metrics");
            var unavailable = LookupsPattern().Matches(metrics.Body)
                .Where(match => match.Groups["kind"].Value == kind && match.Groups["result"].Value == "unavailable")
                .Sum(match => double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture));
            Assert.True(unavailable >= 1, $"keptn_webhook_lookups_total{{kind=\"{kind}\",result=\"unavailable\"}} is {unavailable}:\n{string.Join('\n', metrics.Body.Split('\n').Where(line => line.StartsWith("keptn_webhook_lookups", StringComparison.Ordinal)))}");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>Puts every object of examples/cluster into the fake API server.</summary>
    private static void SeedExamples(FakeKubeApiServer api)
    {
        foreach (var file in ManifestReader.Files(WebhookServer.StateDirectory))
        {
            foreach (var item in ManifestReader.Read(file))
            {
                var plural = FakeKubeApiServer.KindsByPlural.FirstOrDefault(pair => pair.Value == item.Kind).Key;
                if (plural is not null)
                {
                    api.Put(plural, JsonNode.Parse(item.Object.GetRawText())!.AsObject());
                }
            }
        }
    }

    private static JsonObject TaskReview(string name, string definition)
    {
        var review = Examples.Review("create-valid.json");
        review["request"]!["uid"] = $"{Guid.NewGuid()}";
        review["request"]!["name"] = name;
        review["request"]!["object"]!["metadata"]!["name"] = name;
        review["request"]!["object"]!["spec"]!["taskDefinition"] = definition;
        return review;
    }

    private string WriteKubeconfig(int port)
    {
        var path = Path.Combine(_folder, $"kubeconfig-{port}.yaml");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: fake
                cluster:
                  server: http://127.0.0.1:{port}
            contexts:
              - name: fake
                context:
                  cluster: fake
                  user: fake
            current-context: fake
            users:
              - name: fake
                user:
                  token: fake-token
            """);
        return path;
    }

    private static Task WaitUntilReadyAsync(WebhookServer server, TimeSpan within) =>
        EventuallyAsync(async () => (await server.Health.GetRawAsync("/readyz")).Status == HttpStatusCode.OK, "/readyz says ready", within);

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = within ?? TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < deadline, $"not within {deadline.TotalSeconds} s: {what}");
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>Polls /readyz every 20 ms until stopped; returns the number of polls and the answers that were not ready.</summary>
    private static async Task<(int Polls, List<string> NotReady)> PollReadinessAsync(WebhookServer server, CancellationToken stop)
    {
        var polls = 0;
        var notReady = new List<string>();
        while (!stop.IsCancellationRequested)
        {
            var answer = await server.Health.GetRawAsync("/readyz");
            polls++;
            if (answer.Status != HttpStatusCode.OK)
            {
                notReady.Add($"{(int)answer.Status} {answer.Body}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None);
        }

        return (polls, notReady);
    }

    [GeneratedRegex("""^keptn_webhook_lookups_total\{(?=[^}]*kind="(?<kind>[^"]+)")(?=[^}]*result="(?<result>[^"]+)")[^}]*\} (?<value>\S+)""", RegexOptions.Multiline)]
    private static partial Regex LookupsPattern();
}
