using System.Diagnostics;
using AdmissionWebhook.ClusterState;
using static AdmissionWebhook.Tests.ClusterState.Live.KeptnObjects;

namespace AdmissionWebhook.Tests.ClusterState.Live;

/// <summary>Start-up of the live cluster state: version discovery, the first paginated lists, missing CRDs, a server that is not up yet.</summary>
public sealed class DiscoveryAndSyncTests
{
    [Fact]
    public async Task Start_OnlyV1beta1Served_ListsAndWatchesEveryKindInV1beta1()
    {
        await using var cluster = await LiveCluster.StartSyncedAsync(server =>
        {
            server.ServedVersions = ["v1beta1"];
            server.Put(TaskDefinitions, TaskDefinition("shop", "notify"));
        });
        foreach (var plural in FakeKubeApiServer.KindsByPlural.Keys)
        {
            await cluster.WaitForWatchAsync(plural);
        }

        var cacheRequests = cluster.Api.Requests.Where(request => request.Type is RequestType.List or RequestType.Watch).ToList();
        Assert.All(cacheRequests, request => Assert.Equal("v1beta1", request.Version));
        Assert.Equal(FakeKubeApiServer.KindsByPlural.Keys.Order(StringComparer.Ordinal), cacheRequests.Select(request => request.Plural!).Distinct().Order(StringComparer.Ordinal));
        Assert.All(cluster.State.Caches, cache => Assert.Equal("v1beta1", cache.Version));
        Assert.True(cluster.State.HasTaskDefinition("shop", "notify"));
    }

    [Fact]
    public async Task Start_SeveralVersionsServed_UsesThePreferredVersionAndFallsBackPerKind()
    {
        // v1 would win by name; the server prefers v1beta1. KeptnAppContext exists only in v1, so it comes from there.
        await using var cluster = await LiveCluster.StartSyncedAsync(server =>
        {
            server.ServedVersions = ["v1", "v1beta1", "v1alpha3"];
            server.PreferredVersion = "v1beta1";
            server.PluralsServedIn = version => version == "v1"
                ? FakeKubeApiServer.KindsByPlural.Keys
                : FakeKubeApiServer.KindsByPlural.Keys.Where(plural => plural != AppContexts);
        });

        var versions = cluster.State.Caches.ToDictionary(cache => cache.Resource.Plural, cache => cache.Version, StringComparer.Ordinal);
        Assert.Equal("v1beta1", versions[TaskDefinitions]);
        Assert.Equal("v1beta1", versions[Tasks]);
        Assert.Equal("v1beta1", versions[Workloads]);
        Assert.Equal("v1beta1", versions[Apps]);
        Assert.Equal("v1", versions[AppContexts]);
        Assert.Equal("v1beta1", Assert.Single(cluster.Api.Lists(TaskDefinitions)).Version);
        Assert.Equal("v1", Assert.Single(cluster.Api.Lists(AppContexts)).Version);
    }

    [Fact]
    public async Task Start_1200TaskDefinitions_ListsPagesOf500FollowingContinueAndSyncsAfterTheLastPage()
    {
        await using var cluster = await LiveCluster.StartAsync(server =>
        {
            for (var i = 0; i < 1200; i++)
            {
                server.Put(TaskDefinitions, TaskDefinition($"team-{i % 7}", $"definition-{i:0000}"));
            }

            server.HoldContinuePages();
        });

        // The first page is in, the other two are held back by the server: not synced yet.
        await Eventually.TrueAsync(() => cluster.Store.TaskDefinitionCount == 500, "the first page of 500 lands in the store");
        await Eventually.TrueAsync(() => cluster.Api.Lists(TaskDefinitions).Count() == 2, "the second page is asked for");
        Assert.False(cluster.State.IsSynced);
        Assert.False(cluster.State.Caches.Single(cache => cache.Resource.Plural == TaskDefinitions).IsSynced);

        cluster.Api.ReleaseContinuePages();
        await cluster.WaitUntilSyncedAsync();

        Assert.Equal(1200, cluster.Store.TaskDefinitionCount);
        Assert.True(cluster.State.HasTaskDefinition("team-4", "definition-1194"));
        Assert.Equal(1200 / 7 + 1, cluster.State.TaskDefinitionNames("team-0").Count);
        var pages = cluster.Api.Lists(TaskDefinitions).ToList();
        Assert.Equal(3, pages.Count);
        Assert.All(pages, page => Assert.Equal("500", page.Query.GetValueOrDefault("limit")));
        Assert.False(pages[0].Query.ContainsKey("continue"));
        var listed = cluster.Api.ResourceVersion;
        Assert.Equal([$"{listed}:500", $"{listed}:1000"], pages.Skip(1).Select(page => page.Query.GetValueOrDefault("continue")));

        // The watch starts from the list's resourceVersion.
        await cluster.WaitForWatchAsync(TaskDefinitions);
        Assert.Equal($"{listed}", cluster.Api.Watches(TaskDefinitions).First().Query.GetValueOrDefault("resourceVersion"));
    }

    [Fact]
    public async Task Start_AppContextCrdMissing_SyncsWithoutThatKindAndFindsNoAppContext()
    {
        await using var cluster = await LiveCluster.StartSyncedAsync(server =>
            server.PluralsServedIn = _ => FakeKubeApiServer.KindsByPlural.Keys.Where(plural => plural != AppContexts));

        Assert.True(cluster.State.IsSynced);
        Assert.DoesNotContain(cluster.State.Caches, cache => cache.Resource.Plural == AppContexts);
        Assert.Equal(4, cluster.State.Caches.Count);
        Assert.Null(cluster.State.FindOwner(KeptnOwnerKind.KeptnAppContext, "shop", "shop"));
        Assert.DoesNotContain(cluster.Api.Requests, request => request.Plural == AppContexts);
        Assert.Contains(cluster.Log.Lines, line => line.StartsWith("Warning:", StringComparison.Ordinal) && line.Contains("KeptnAppContext", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_ApiServerDown_ReturnsAtOnceStaysUnsyncedAndSyncsOnceTheServerComesUp()
    {
        var port = FakeKubeApiServer.FreePort();
        await using var cluster = LiveCluster.WithoutServer(port);

        var clock = Stopwatch.StartNew();
        await cluster.State.StartAsync(CancellationToken.None);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"StartAsync took {clock.Elapsed}");

        await Eventually.StaysTrueAsync(() => !cluster.State.IsSynced, "not synced while nothing listens", TimeSpan.FromMilliseconds(300));
        var lookup = await cluster.State.ConfirmTaskDefinitionAsync("shop", "notify", LookupDeadline.None);
        Assert.Equal(LookupResult.Unavailable, lookup.Result);
        Assert.Contains(cluster.Log.Lines, line => line.Contains("Cannot reach the API server", StringComparison.Ordinal));

        await cluster.StartServerAsync(server => server.Put(TaskDefinitions, TaskDefinition("shop", "notify")));
        await cluster.WaitUntilSyncedAsync();
        Assert.True(cluster.State.HasTaskDefinition("shop", "notify"));
    }

    [Fact]
    public async Task Start_ApiServerThatAcceptsButNeverAnswers_SaysSoWithinTheDiscoveryTimeoutAndSyncsOnceItAnswers()
    {
        await using var cluster = await LiveCluster.StartAsync(server => server.DiscoveryDelay = TimeSpan.FromMinutes(5), discoveryTimeout: TimeSpan.FromMilliseconds(500));

        await Eventually.TrueAsync(() => cluster.Log.Lines.Any(line => line.Contains("Cannot reach the API server to discover Keptn's API versions: no answer within 0.5 s", StringComparison.Ordinal)), "the discovery warning", TimeSpan.FromSeconds(5));
        Assert.False(cluster.State.IsSynced);

        cluster.Api.DiscoveryDelay = TimeSpan.Zero;
        await cluster.WaitUntilSyncedAsync();
    }

    [Fact]
    public async Task Stop_ApiServerNeverUp_CompletesPromptlyWithoutEverSyncing()
    {
        var port = FakeKubeApiServer.FreePort();
        var cluster = LiveCluster.WithoutServer(port);

        await cluster.State.StartAsync(CancellationToken.None);
        await Eventually.StaysTrueAsync(() => !cluster.State.IsSynced, "not synced while nothing listens", TimeSpan.FromMilliseconds(200));

        // Stops within the budget LiveCluster.DisposeAsync asserts, with no exception escaping.
        await cluster.DisposeAsync();
        Assert.False(cluster.State.IsSynced);
    }
}
