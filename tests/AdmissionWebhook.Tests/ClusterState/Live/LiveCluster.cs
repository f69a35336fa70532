using System.Collections.Concurrent;
using System.Diagnostics;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Configuration;
using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AdmissionWebhook.Tests.ClusterState.Live;

/// <summary>A <see cref="KubernetesClusterState"/> wired to a <see cref="FakeKubeApiServer"/> (or to a port nothing listens on yet).</summary>
internal sealed class LiveCluster : IAsyncDisposable
{
    public static readonly TimeSpan SyncDeadline = TimeSpan.FromSeconds(10);

    private readonly Kubernetes _client;

    private LiveCluster(int port, FakeKubeApiServer? server, TimeSpan lookupTimeout, TimeSpan? discoveryTimeout = null)
    {
        Port = port;
        Server = server;
        _client = new Kubernetes(FakeKubeApiServer.ClientConfiguration(port));
        State = new KubernetesClusterState(
            _client,
            Options.Create(new WebhookOptions { LookupTimeout = lookupTimeout }),
            Log,
            TimeProvider.System,
            "fake")
        {
            WatchTimeout = TimeSpan.FromSeconds(60),
            DiscoveryTimeout = discoveryTimeout ?? TimeSpan.FromSeconds(10),
        };
    }

    public int Port { get; }

    public FakeKubeApiServer? Server { get; private set; }

    public FakeKubeApiServer Api => Server ?? throw new InvalidOperationException("the fake API server is not running");

    public KubernetesClusterState State { get; }

    /// <summary>What the cluster state logged, as "Level: message" lines.</summary>
    public RecordingLogger Log { get; } = new();

    public ClusterStateStore Store => State.Store;

    /// <summary>Starts a fake API server set up by <paramref name="configure"/>, then the cluster state, and waits until it has synced.</summary>
    public static async Task<LiveCluster> StartSyncedAsync(Action<FakeKubeApiServer>? configure = null, TimeSpan? lookupTimeout = null)
    {
        var cluster = await StartAsync(configure, lookupTimeout);
        await cluster.WaitUntilSyncedAsync();
        return cluster;
    }

    public static async Task<LiveCluster> StartAsync(Action<FakeKubeApiServer>? configure = null, TimeSpan? lookupTimeout = null, TimeSpan? discoveryTimeout = null)
    {
        var server = await FakeKubeApiServer.StartAsync(configure);
        var cluster = new LiveCluster(server.Port, server, lookupTimeout ?? TimeSpan.FromSeconds(2), discoveryTimeout);
        await cluster.State.StartAsync(CancellationToken.None);
        return cluster;
    }

    /// <summary>A cluster state pointed at <paramref name="port"/>, where no server listens (yet); not started.</summary>
    public static LiveCluster WithoutServer(int port) => new(port, null, TimeSpan.FromSeconds(2));

    public async Task StartServerAsync(Action<FakeKubeApiServer>? configure = null) =>
        Server = await FakeKubeApiServer.StartAsync(configure, Port);

    public Task WaitUntilSyncedAsync() =>
        Eventually.TrueAsync(() => State.IsSynced, "the cluster state syncs", SyncDeadline);

    /// <summary>Waits until the cache of <paramref name="plural"/> has a watch open on the server.</summary>
    public Task WaitForWatchAsync(string plural) =>
        Eventually.TrueAsync(() => Api.OpenWatches(plural) > 0, $"a watch of {plural} is open");

    public async ValueTask DisposeAsync()
    {
        var stop = Stopwatch.StartNew();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await State.StopAsync(timeout.Token);
        }

        Assert.True(stop.Elapsed < TimeSpan.FromSeconds(3), $"StopAsync took {stop.Elapsed}");
        State.Dispose();
        _client.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

/// <summary>Keeps every log line, so tests can check the warnings operators would see.</summary>
internal sealed class RecordingLogger : ILogger<KubernetesClusterState>
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
}

/// <summary>Polling with a deadline instead of sleeping: the test goes on as soon as the condition holds.</summary>
internal static class Eventually
{
    private static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? within = null)
    {
        var deadline = within ?? DefaultDeadline;
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > deadline)
            {
                Assert.Fail($"Not within {deadline.TotalSeconds:0.#} s: {what}");
            }

            await Task.Delay(Interval);
        }
    }

    /// <summary>Checks that <paramref name="condition"/> keeps holding for <paramref name="during"/>.</summary>
    public static async Task StaysTrueAsync(Func<bool> condition, string what, TimeSpan during)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < during)
        {
            Assert.True(condition(), $"After {clock.Elapsed.TotalMilliseconds:0} ms: {what} no longer holds");
            await Task.Delay(Interval);
        }
    }
}

/// <summary>Samples <see cref="IClusterState.IsSynced"/> every millisecond, to prove readiness never flaps.</summary>
internal sealed class ReadinessRecorder : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private int _samples;
    private int _unsynced;

    public ReadinessRecorder(IClusterState state)
    {
        _sampling = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref _samples);
                if (!state.IsSynced)
                {
                    Interlocked.Increment(ref _unsynced);
                }

                await Task.Delay(1).ConfigureAwait(false);
            }
        });
    }

    public int Samples => Volatile.Read(ref _samples);

    public int UnsyncedSamples => Volatile.Read(ref _unsynced);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
