using System.Net;
using static AdmissionWebhook.Tests.ClusterState.Live.KeptnObjects;

namespace AdmissionWebhook.Tests.ClusterState.Live;

/// <summary>What the caches do when a watch expires (410 Gone) or breaks: relist, or reconnect after a backoff; readiness holds.</summary>
public sealed class RecoveryTests
{
    private static Task<LiveCluster> StartWithDefinitionsAsync(Action<FakeKubeApiServer>? configure = null) =>
        LiveCluster.StartSyncedAsync(server =>
        {
            configure?.Invoke(server);
            server.Put(TaskDefinitions, TaskDefinition("shop", "keep"));
            server.Put(TaskDefinitions, TaskDefinition("shop", "deleted-meanwhile"));
        });

    [Fact]
    public async Task Watch_ExpiredAsErrorEvent_RelistsDropsWhatWasDeletedMeanwhileAndStaysSynced()
    {
        await using var cluster = await StartWithDefinitionsAsync();
        await cluster.WaitForWatchAsync(TaskDefinitions);
        var api = cluster.Api;
        await using var readiness = new ReadinessRecorder(cluster.State);

        // Changes whose events are lost, then the history is compacted away under the open watch.
        api.Delete(TaskDefinitions, "shop", "deleted-meanwhile", notify: false);
        api.Put(TaskDefinitions, TaskDefinition("shop", "created-meanwhile"), notify: false);
        var current = api.ResourceVersion;
        api.ExpireWatches(TaskDefinitions);

        await Eventually.TrueAsync(() => api.Lists(TaskDefinitions).Count() == 2, "a relist after the ERROR 410 event");
        await Eventually.TrueAsync(() => !cluster.State.HasTaskDefinition("shop", "deleted-meanwhile"), "the object deleted meanwhile is gone");
        Assert.True(cluster.State.HasTaskDefinition("shop", "keep"));
        Assert.True(cluster.State.HasTaskDefinition("shop", "created-meanwhile"));
        await Eventually.TrueAsync(() => api.Watches(TaskDefinitions).Count() == 2, "a new watch after the relist");
        Assert.Equal($"{current}", api.Watches(TaskDefinitions).Last().Query.GetValueOrDefault("resourceVersion"));
        Assert.Equal(0, readiness.UnsyncedSamples);
        Assert.True(readiness.Samples > 0);
    }

    [Fact]
    public async Task AListTheClientCannotRead_IsRetried_AndTheCacheSyncsAfterwards()
    {
        await using var cluster = await LiveCluster.StartSyncedAsync(server =>
        {
            server.Put(TaskDefinitions, TaskDefinition("shop", "keep"));
            server.AnswerNextListsUnreadably(TaskDefinitions, count: 2);
        });

        Assert.True(cluster.State.HasTaskDefinition("shop", "keep"));
        Assert.Equal(3, cluster.Api.Lists(TaskDefinitions).Count());
    }

    [Fact]
    public async Task Watch_ExpiredAsHttp410_RelistsDropsWhatWasDeletedMeanwhileAndStaysSynced()
    {
        await using var cluster = await StartWithDefinitionsAsync(server => server.ExpireWithHttpStatus = true);
        await cluster.WaitForWatchAsync(TaskDefinitions);
        var api = cluster.Api;
        await using var readiness = new ReadinessRecorder(cluster.State);

        api.Delete(TaskDefinitions, "shop", "deleted-meanwhile", notify: false);
        var current = api.ResourceVersion;
        api.Compact();
        api.CloseWatches(TaskDefinitions);

        await Eventually.TrueAsync(() => api.Lists(TaskDefinitions).Count() == 2, "a relist after the watch is answered 410");
        await Eventually.TrueAsync(() => !cluster.State.HasTaskDefinition("shop", "deleted-meanwhile"), "the object deleted meanwhile is gone");
        Assert.True(cluster.State.HasTaskDefinition("shop", "keep"));
        await Eventually.TrueAsync(() => api.Watches(TaskDefinitions).Count() == 3, "a new watch after the relist");
        var watches = api.Watches(TaskDefinitions).ToList();
        Assert.Equal(watches[0].Query.GetValueOrDefault("resourceVersion"), watches[1].Query.GetValueOrDefault("resourceVersion"));
        Assert.Equal($"{current}", watches[2].Query.GetValueOrDefault("resourceVersion"));
        Assert.Equal(0, readiness.UnsyncedSamples);

        api.Put(TaskDefinitions, TaskDefinition("shop", "after"));
        await Eventually.TrueAsync(() => cluster.State.HasTaskDefinition("shop", "after"), "events flow again");
    }

    [Fact]
    public async Task Watch_ConnectionDropped_ReconnectsAfterABackoffFromTheSameResourceVersion()
    {
        await using var cluster = await StartWithDefinitionsAsync();
        await cluster.WaitForWatchAsync(TaskDefinitions);
        var api = cluster.Api;
        await using var readiness = new ReadinessRecorder(cluster.State);
        var last = api.Put(TaskDefinitions, TaskDefinition("shop", "before-drop"));
        await Eventually.TrueAsync(() => cluster.State.HasTaskDefinition("shop", "before-drop"), "the event arrives");

        var dropped = DateTimeOffset.UtcNow;
        api.AbortWatches(TaskDefinitions);

        await Eventually.TrueAsync(() => api.Watches(TaskDefinitions).Count() == 2, "the watch reconnects");
        var reconnect = api.Watches(TaskDefinitions).Last();
        Assert.Equal($"{last}", reconnect.Query.GetValueOrDefault("resourceVersion"));
        var gap = reconnect.At - dropped;
        Assert.True(gap >= TimeSpan.FromMilliseconds(300), $"reconnected after {gap.TotalMilliseconds:0} ms, without backing off");
        Assert.Single(api.Lists(TaskDefinitions));
        Assert.Equal(0, readiness.UnsyncedSamples);

        await cluster.WaitForWatchAsync(TaskDefinitions);
        api.Put(TaskDefinitions, TaskDefinition("shop", "after-drop"));
        await Eventually.TrueAsync(() => cluster.State.HasTaskDefinition("shop", "after-drop"), "events flow again");
    }

    [Fact]
    public async Task Watch_AnsweredWithServerErrors_ReconnectsWithGrowingBackoff()
    {
        await using var cluster = await StartWithDefinitionsAsync();
        await cluster.WaitForWatchAsync(TaskDefinitions);
        var api = cluster.Api;
        await using var readiness = new ReadinessRecorder(cluster.State);
        var resourceVersion = api.Watches(TaskDefinitions).Single().Query.GetValueOrDefault("resourceVersion");

        api.FailNextWatches(TaskDefinitions, HttpStatusCode.InternalServerError, count: 2);
        api.CloseWatches(TaskDefinitions);

        // Clean end: renewed at once (answered 500), then after ~0.5 s (500 again), then after ~1 s (a stream).
        await Eventually.TrueAsync(() => api.Watches(TaskDefinitions).Count() == 4, "the watch gets through after two failures");
        await cluster.WaitForWatchAsync(TaskDefinitions);
        var attempts = api.Watches(TaskDefinitions).Skip(1).ToList();
        var firstGap = attempts[1].At - attempts[0].At;
        var secondGap = attempts[2].At - attempts[1].At;

        // Lower bounds only (a loaded machine can only make gaps longer): 0.5 s ±20 %, then 1 s ±20 %.
        Assert.True(firstGap >= TimeSpan.FromMilliseconds(350), $"first retry after {firstGap.TotalMilliseconds:0} ms");
        Assert.True(secondGap >= TimeSpan.FromMilliseconds(750), $"backoff did not grow: {firstGap.TotalMilliseconds:0} ms, then {secondGap.TotalMilliseconds:0} ms");
        Assert.All(attempts, attempt => Assert.Equal(resourceVersion, attempt.Query.GetValueOrDefault("resourceVersion")));
        Assert.Single(api.Lists(TaskDefinitions));
        Assert.Equal(0, readiness.UnsyncedSamples);
    }
}
