using System.Diagnostics;
using AdmissionWebhook.ClusterState;
using static AdmissionWebhook.Tests.ClusterState.Live.KeptnObjects;

namespace AdmissionWebhook.Tests.ClusterState.Live;

/// <summary>Watch events keep the store current, and a renewed watch resumes where the last one stopped.</summary>
public sealed class WatchTests
{
    [Fact]
    public async Task Watch_AddedModifiedDeletedEvents_ChangeTheStoreForEveryKind()
    {
        await using var cluster = await LiveCluster.StartSyncedAsync(server =>
            server.Put(Workloads, Workload("shop", "shop-cart", pre: "check-stock")));
        foreach (var plural in FakeKubeApiServer.KindsByPlural.Keys)
        {
            await cluster.WaitForWatchAsync(plural);
        }

        var api = cluster.Api;
        var state = cluster.State;
        api.Put(TaskDefinitions, TaskDefinition("shop", "notify"));
        api.Put(Tasks, Task("shop", "pre-notify-1", "notify"));
        api.Put(Workloads, Workload("shop", "shop-cart", pre: "check-stock, notify", post: "smoke-test"));
        api.Put(Apps, App("shop", "shop", "notify"));
        api.Put(AppContexts, AppContext("shop", "shop", "promote"));

        await Eventually.TrueAsync(() => state.HasTaskDefinition("shop", "notify"), "ADDED task definition");
        await Eventually.TrueAsync(() => state.HasTask("shop", "pre-notify-1"), "ADDED task");
        await Eventually.TrueAsync(() => state.FindOwner(KeptnOwnerKind.KeptnWorkload, "shop", "shop-cart")?.Lists.Count == 2, "MODIFIED workload");
        await Eventually.TrueAsync(() => state.FindOwner(KeptnOwnerKind.KeptnApp, "shop", "shop") is not null, "ADDED app");
        await Eventually.TrueAsync(() => state.FindOwner(KeptnOwnerKind.KeptnAppContext, "shop", "shop") is not null, "ADDED app context");

        var workload = state.FindOwner(KeptnOwnerKind.KeptnWorkload, "shop", "shop-cart")!;
        var pre = Assert.Single(workload.Lists, list => list.Phase == TaskPhase.Pre);
        Assert.Equal(["check-stock", "notify"], pre.TaskDefinitions);
        Assert.Equal($"annotation {PreAnnotation}", pre.Source);
        Assert.Equal(["smoke-test"], Assert.Single(workload.Lists, list => list.Phase == TaskPhase.Post).TaskDefinitions);
        Assert.Equal(["notify"], Assert.Single(state.FindOwner(KeptnOwnerKind.KeptnApp, "shop", "shop")!.Lists).TaskDefinitions);
        var promotion = Assert.Single(state.FindOwner(KeptnOwnerKind.KeptnAppContext, "shop", "shop")!.Lists);
        Assert.Equal(TaskPhase.Promotion, promotion.Phase);
        Assert.Equal(["promote"], promotion.TaskDefinitions);

        api.Delete(TaskDefinitions, "shop", "notify");
        api.Delete(Tasks, "shop", "pre-notify-1");
        api.Delete(Workloads, "shop", "shop-cart");
        api.Delete(Apps, "shop", "shop");
        api.Delete(AppContexts, "shop", "shop");

        await Eventually.TrueAsync(() => !state.HasTaskDefinition("shop", "notify"), "DELETED task definition");
        await Eventually.TrueAsync(() => !state.HasTask("shop", "pre-notify-1"), "DELETED task");
        await Eventually.TrueAsync(() => state.FindOwner(KeptnOwnerKind.KeptnWorkload, "shop", "shop-cart") is null, "DELETED workload");
        await Eventually.TrueAsync(() => state.FindOwner(KeptnOwnerKind.KeptnApp, "shop", "shop") is null, "DELETED app");
        await Eventually.TrueAsync(() => state.FindOwner(KeptnOwnerKind.KeptnAppContext, "shop", "shop") is null, "DELETED app context");
        Assert.Empty(state.TaskDefinitionNames("shop"));
        Assert.True(state.IsSynced);
        Assert.All(FakeKubeApiServer.KindsByPlural.Keys, plural => Assert.Single(api.Lists(plural)));
    }

    [Fact]
    public async Task Watch_StreamEndsCleanly_NextWatchResumesFromTheLastEventsResourceVersion()
    {
        await using var cluster = await LiveCluster.StartSyncedAsync(server => server.Put(TaskDefinitions, TaskDefinition("shop", "first")));
        await cluster.WaitForWatchAsync(TaskDefinitions);
        var api = cluster.Api;
        var first = Assert.Single(api.Watches(TaskDefinitions));
        Assert.Equal($"{api.ResourceVersion}", first.Query.GetValueOrDefault("resourceVersion"));
        Assert.Equal("true", first.Query.GetValueOrDefault("watch"));
        Assert.Equal("true", first.Query.GetValueOrDefault("allowWatchBookmarks"));
        Assert.Equal("60", first.Query.GetValueOrDefault("timeoutSeconds"));

        var changed = api.Put(TaskDefinitions, TaskDefinition("shop", "second"));
        await Eventually.TrueAsync(() => cluster.State.HasTaskDefinition("shop", "second"), "the event arrives");
        api.CloseWatches(TaskDefinitions);

        await Eventually.TrueAsync(() => api.Watches(TaskDefinitions).Count() == 2, "the watch is renewed");
        Assert.Equal($"{changed}", api.Watches(TaskDefinitions).Last().Query.GetValueOrDefault("resourceVersion"));
        Assert.Single(api.Lists(TaskDefinitions));

        // Changes made while no watch was open are replayed from that resourceVersion.
        await cluster.WaitForWatchAsync(TaskDefinitions);
        api.Put(TaskDefinitions, TaskDefinition("shop", "third"));
        await Eventually.TrueAsync(() => cluster.State.HasTaskDefinition("shop", "third"), "the renewed watch delivers events");
    }

    [Fact]
    public async Task Watch_Bookmark_AdvancesTheResourceVersionTheNextWatchResumesFrom()
    {
        await using var cluster = await LiveCluster.StartSyncedAsync();
        await cluster.WaitForWatchAsync(Tasks);
        var api = cluster.Api;
        api.Put(Tasks, Task("shop", "pre-notify-1", "notify"));

        // Changes to other kinds move the resourceVersion on; only the bookmark tells the task watch about it.
        api.Put(TaskDefinitions, TaskDefinition("shop", "elsewhere"));
        var bookmark = api.Bookmark(Tasks);
        api.CloseWatches(Tasks);

        await Eventually.TrueAsync(() => api.Watches(Tasks).Count() == 2, "the watch is renewed");
        Assert.Equal($"{bookmark}", api.Watches(Tasks).Last().Query.GetValueOrDefault("resourceVersion"));
        Assert.True(cluster.State.HasTask("shop", "pre-notify-1"));
        Assert.Equal(0, cluster.Store.OwnerCount);
    }

    [Fact]
    public async Task Tasks_AreCachedAsNamesOnly_WithNoOwnerOrTaskListsKept()
    {
        await using var cluster = await LiveCluster.StartSyncedAsync(server =>
        {
            for (var i = 0; i < 50; i++)
            {
                server.Put(Tasks, Task("shop", $"pre-notify-{i}", "notify"));
            }
        });

        Assert.True(cluster.State.HasTask("shop", "pre-notify-7"));
        Assert.False(cluster.State.HasTask("shop", "pre-notify-50"));
        Assert.Equal(50, cluster.Store.TaskCount);
        Assert.Equal(0, cluster.Store.OwnerCount);
        Assert.Equal(0, cluster.Store.TaskDefinitionCount);
        Assert.Null(cluster.State.FindOwner(KeptnOwnerKind.KeptnWorkload, "shop", "pre-notify-7"));
        Assert.Empty(cluster.State.TaskDefinitionNames("shop"));
    }

    [Fact]
    public async Task Watch_EndsCleanlyBeforeAnyEvent_IsRenewedAtOnceWithoutBackoffOrWarning()
    {
        // A quiet kind: its watch times out with nothing to say (KubernetesClient reports that as an exception).
        await using var cluster = await LiveCluster.StartSyncedAsync();
        await cluster.WaitForWatchAsync(Apps);
        var api = cluster.Api;
        var clock = Stopwatch.StartNew();
        for (var renewals = 1; renewals <= 3; renewals++)
        {
            api.CloseWatches(Apps);
            await Eventually.TrueAsync(() => api.Watches(Apps).Count() == renewals + 1, $"renewal {renewals}");
            await cluster.WaitForWatchAsync(Apps);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"three renewals took {clock.Elapsed.TotalMilliseconds:0} ms: backed off as if the watch had failed");
        Assert.DoesNotContain(cluster.Log.Lines, line => line.Contains("Watch of KeptnApp lost", StringComparison.Ordinal));
        Assert.Single(api.Watches(Apps).Select(watch => watch.Query.GetValueOrDefault("resourceVersion")).Distinct());
        Assert.Single(api.Lists(Apps));
    }
}
