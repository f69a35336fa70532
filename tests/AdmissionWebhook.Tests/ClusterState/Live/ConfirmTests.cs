using System.Diagnostics;
using System.Net;
using AdmissionWebhook.ClusterState;
using static AdmissionWebhook.Tests.ClusterState.Live.KeptnObjects;

namespace AdmissionWebhook.Tests.ClusterState.Live;

/// <summary>The hot path reads the caches only; the one API call it may make is the confirming GET, bounded by the lookup timeout.</summary>
public sealed class ConfirmTests
{
    /// <summary>Short, for the tests about the timeout; the others keep the default 2 s, so a cold first call on a busy machine passes.</summary>
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromMilliseconds(400);

    /// <summary>Slack over a timeout for a loaded CI machine; still far below the server's 10 s delay.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Reads_AfterSync_MakeNoApiCallsAndAConfirmMakesExactlyOneGet()
    {
        await using var cluster = await LiveCluster.StartSyncedAsync(server =>
        {
            server.ServedVersions = ["v1beta1"];
            server.Put(TaskDefinitions, TaskDefinition("shop", "notify"));
            server.Put(Workloads, Workload("shop", "shop-cart", pre: "notify"));
        });
        foreach (var plural in FakeKubeApiServer.KindsByPlural.Keys)
        {
            await cluster.WaitForWatchAsync(plural);
        }

        var state = cluster.State;
        var before = cluster.Api.Requests.Count;
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(state.HasTaskDefinition("shop", "notify"));
            Assert.False(state.HasTaskDefinition("shop", $"missing-{i}"));
            Assert.False(state.HasTask("shop", $"pre-notify-{i}"));
            Assert.Single(state.TaskDefinitionNames("shop"));
            Assert.NotNull(state.FindOwner(KeptnOwnerKind.KeptnWorkload, "shop", "shop-cart"));
            Assert.Null(state.FindOwner(KeptnOwnerKind.KeptnApp, "shop", "shop"));
        }

        Assert.Equal(before, cluster.Api.Requests.Count);

        var lookup = await state.ConfirmTaskDefinitionAsync("shop", "missing", LookupDeadline.None);

        Assert.Equal(LookupResult.NotFound, lookup.Result);
        var get = Assert.Single(cluster.Api.Requests.Skip(before));
        Assert.Equal(RequestType.Get, get.Type);
        Assert.Equal("/apis/lifecycle.keptn.sh/v1beta1/namespaces/shop/keptntaskdefinitions/missing", get.Path);
    }

    [Fact]
    public async Task ConfirmTaskDefinition_ServerHasItButTheCacheNotYet_FoundAndCached()
    {
        await using var cluster = await LiveCluster.StartSyncedAsync();
        cluster.Api.Put(TaskDefinitions, TaskDefinition("shop", "just-created"), notify: false);
        Assert.False(cluster.State.HasTaskDefinition("shop", "just-created"));

        var lookup = await cluster.State.ConfirmTaskDefinitionAsync("shop", "just-created", LookupDeadline.None);

        Assert.True(lookup.Result == LookupResult.Found, $"{lookup}");
        Assert.True(cluster.State.HasTaskDefinition("shop", "just-created"));
    }

    [Fact]
    public async Task ConfirmTaskDefinition_ServerAnswers404_NotFound()
    {
        await using var cluster = await LiveCluster.StartSyncedAsync();

        var lookup = await cluster.State.ConfirmTaskDefinitionAsync("shop", "nowhere", LookupDeadline.None);

        Assert.Equal(LookupResult.NotFound, lookup.Result);
        Assert.Null(lookup.Error);
    }

    [Fact]
    public async Task ConfirmTask_DeletedButStillCached_NotFoundAndDroppedFromTheCache()
    {
        await using var cluster = await LiveCluster.StartSyncedAsync(
            server => server.Put(Tasks, Task("shop", "pre-notify-1", "notify")));
        cluster.Api.Delete(Tasks, "shop", "pre-notify-1", notify: false);
        Assert.True(cluster.State.HasTask("shop", "pre-notify-1"));

        var lookup = await cluster.State.ConfirmTaskAsync("shop", "pre-notify-1", LookupDeadline.None);

        Assert.Equal(LookupResult.NotFound, lookup.Result);
        Assert.False(cluster.State.HasTask("shop", "pre-notify-1"));
    }

    [Fact]
    public async Task ConfirmTaskDefinition_ServerSlowerThanLookupTimeout_UnavailableRightAfterTheTimeout()
    {
        await using var cluster = await LiveCluster.StartSyncedAsync(server => server.GetDelay = TimeSpan.FromSeconds(10), LookupTimeout);

        var clock = Stopwatch.StartNew();
        var lookup = await cluster.State.ConfirmTaskDefinitionAsync("shop", "slow", LookupDeadline.None);
        clock.Stop();

        Assert.Equal(LookupResult.Unavailable, lookup.Result);
        Assert.False(string.IsNullOrEmpty(lookup.Error));
        Assert.True(clock.Elapsed >= LookupTimeout - TimeSpan.FromMilliseconds(50), $"gave up after {clock.Elapsed.TotalMilliseconds:0} ms, before the timeout");
        Assert.True(clock.Elapsed < LookupTimeout + Margin, $"answered after {clock.Elapsed.TotalMilliseconds:0} ms, long past the {LookupTimeout.TotalMilliseconds:0} ms timeout");
    }

    [Fact]
    public async Task ConfirmTaskDefinition_CallersDeadlineShorterThanLookupTimeout_UnavailableAtTheDeadline()
    {
        await using var cluster = await LiveCluster.StartSyncedAsync(server => server.GetDelay = TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var clock = Stopwatch.StartNew();
        var lookup = await cluster.State.ConfirmTaskDefinitionAsync("shop", "slow", new LookupDeadline(deadline.Token));

        Assert.Equal(LookupResult.Unavailable, lookup.Result);
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(200) + Margin, $"answered after {clock.Elapsed.TotalMilliseconds:0} ms, long past the caller's 200 ms deadline");
    }

    [Fact]
    public async Task ConfirmTaskDefinition_ServerAnswers500_Unavailable()
    {
        await using var cluster = await LiveCluster.StartSyncedAsync(server => server.GetStatus = HttpStatusCode.InternalServerError);

        var lookup = await cluster.State.ConfirmTaskDefinitionAsync("shop", "notify", LookupDeadline.None);

        Assert.Equal(LookupResult.Unavailable, lookup.Result);
        Assert.False(string.IsNullOrEmpty(lookup.Error));
        Assert.False(cluster.State.HasTaskDefinition("shop", "notify"));
    }

    [Fact]
    public async Task ConfirmTaskDefinition_KindNotServed_NotFoundWithoutAnyCall()
    {
        await using var cluster = await LiveCluster.StartSyncedAsync(server =>
            server.PluralsServedIn = _ => FakeKubeApiServer.KindsByPlural.Keys.Where(plural => plural != TaskDefinitions));
        var before = cluster.Api.Requests.Count;

        var lookup = await cluster.State.ConfirmTaskDefinitionAsync("shop", "notify", LookupDeadline.None);

        Assert.Equal(LookupResult.NotFound, lookup.Result);
        Assert.Equal(before, cluster.Api.Requests.Count);
    }
}
