using System.Globalization;
using System.Net;
using System.Text.Json;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.Observability;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Options;

namespace AdmissionWebhook.ClusterState;

/// <summary>
/// Cluster state from a live API server: one <see cref="ResourceCache"/> per Keptn kind, in the API version the server
/// serves (discovered at start). Reviews read the caches only; the one call made on the request path is the
/// confirming GET, bounded by the lookup timeout and the review's own deadline.
/// </summary>
internal sealed partial class KubernetesClusterState : IClusterState, IHostedService, IDisposable
{
    private static readonly string[] PreferredVersions = ["v1", "v1beta1", "v1alpha4", "v1alpha3", "v1alpha2", "v1alpha1"];

    private readonly IKubernetes _client;
    private readonly WebhookOptions _options;
    private readonly ILogger<KubernetesClusterState> _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, ResourceCache> _caches = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _versions = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;
    private readonly WebhookMetrics? _metrics;
    private volatile bool _discovered;
    private volatile bool _listMemoryReleased;
    private bool _disposed;

    public KubernetesClusterState(IKubernetes client, IOptions<WebhookOptions> options, ILogger<KubernetesClusterState> logger, TimeProvider time, string source, WebhookMetrics? metrics = null)
    {
        _metrics = metrics;
        _client = client;
        _options = options.Value;
        _logger = logger;
        _time = time;
        Description = $"cluster {source}";
    }

    public ClusterStateStore Store { get; } = new();

    public string Description { get; }

    /// <summary>How long one watch request lasts before it is renewed from the last resourceVersion.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long discovery (two small GETs) may take before it is tried again: an API server that accepts the connection
    /// and never answers must be said, not waited out in silence.
    /// </summary>
    public TimeSpan DiscoveryTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public bool IsSynced => _discovered && _listMemoryReleased && _caches.Values.All(cache => cache.IsSynced);

    public IReadOnlyCollection<ResourceCache> Caches => _caches.Values;

    /// <summary>Every kind: a cached one reports its sync state; one whose CRD is missing counts as synced and empty.</summary>
    public IReadOnlyList<CacheStatus> CacheStates => KeptnResource.All
        .Select(resource => new CacheStatus(
            resource.Kind,
            _discovered && (!_caches.TryGetValue(resource.Plural, out var cache) || cache.IsSynced),
            Store.Count(resource.Kind)))
        .ToList();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Discovery and the first lists run in the background: readiness stays false until they finish, and an
        // unreachable API server is retried instead of failing the process (which kubelet would only restart).
        _running = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _running.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        // A host whose start failed is disposed without being stopped: the loops must end here too.
        _disposed = true;
        _stopping.Cancel();
        _stopping.Dispose();
    }

    public bool HasTask(string @namespace, string name) => Store.HasTask(@namespace, name);

    public bool HasTaskDefinition(string @namespace, string name) => Store.HasTaskDefinition(@namespace, name);

    public IReadOnlyCollection<string> TaskDefinitionNames(string @namespace) => Store.TaskDefinitionNames(@namespace);

    public TaskListOwner? FindOwner(KeptnOwnerKind kind, string @namespace, string name) => Store.FindOwner(kind, @namespace, name);

    public ValueTask<Lookup> ConfirmTaskAsync(string @namespace, string name, LookupDeadline deadline) =>
        ConfirmAsync(KeptnResource.Task, @namespace, name, deadline);

    public ValueTask<Lookup> ConfirmTaskDefinitionAsync(string @namespace, string name, LookupDeadline deadline) =>
        ConfirmAsync(KeptnResource.TaskDefinition, @namespace, name, deadline);

    private async ValueTask<Lookup> ConfirmAsync(KeptnResource resource, string @namespace, string name, LookupDeadline deadline)
    {
        var lookup = await GetAsync(resource, @namespace, name, deadline);
        _metrics?.Lookup(resource.Kind, lookup.Result);
        return lookup;
    }

    private async ValueTask<Lookup> GetAsync(KeptnResource resource, string @namespace, string name, LookupDeadline deadline)
    {
        // _versions is written by discovery on another thread: read it only once the volatile _discovered says it is complete.
        if (!_discovered)
        {
            return Lookup.Unavailable("API discovery has not finished");
        }

        if (!_versions.TryGetValue(resource.Plural, out var version))
        {
            return Lookup.NotFound;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        timeout.CancelAfter(_options.LookupTimeout);
        try
        {
            using var response = await _client.CustomObjects.GetNamespacedCustomObjectWithHttpMessagesAsync<JsonElement>(
                KeptnResource.Group, version, @namespace, resource.Plural, name, cancellationToken: timeout.Token);
            Store.Add(resource.Kind, @namespace, name, response.Body);
            return Lookup.Found;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            Store.Remove(resource.Kind, @namespace, name);
            return Lookup.NotFound;
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or OperationCanceledException or JsonException)
        {
            var error = e is OperationCanceledException ? "no answer in time" : e.Message;
            Log.ConfirmFailed(_logger, resource.Kind, @namespace, name, error);
            return Lookup.Unavailable(error);
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var attempt = 0;
        while (!stopping.IsCancellationRequested && !_discovered)
        {
            try
            {
                await DiscoverAsync(stopping);
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or OperationCanceledException or KubernetesException or JsonException && !stopping.IsCancellationRequested)
            {
                attempt++;
                var delay = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(attempt, 5))));
                var error = e is OperationCanceledException ? string.Create(CultureInfo.InvariantCulture, $"no answer within {DiscoveryTimeout.TotalSeconds:0.#} s") : e.Message;
                Log.DiscoveryFailed(_logger, error, delay.TotalSeconds);
                await Task.Delay(delay, _time, stopping).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        var caches = Task.WhenAll(_caches.Values.Select(cache => cache.RunAsync(stopping)));
        await Task.WhenAny(Task.WhenAll(_caches.Values.Select(cache => cache.FirstSync)), caches);
        ReleaseListMemory();
        await caches;
    }

    /// <summary>
    /// The first lists pass every object through the heap once (90 MiB of JSON at 100,000 tasks) while the cache keeps a
    /// few bytes of each; the runtime keeps the grown heap committed. One compacting collection that returns the free
    /// memory to the OS, before readiness so no review waits for it, takes RSS back down (docs/performance.md).
    /// </summary>
    private void ReleaseListMemory()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _listMemoryReleased = true;
    }

    /// <summary>Finds, for each kind, the version the server serves (preferring the newest); a kind without a CRD is left out.</summary>
    private async Task DiscoverAsync(CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(DiscoveryTimeout);
        var groups = await _client.Apis.GetAPIVersionsAsync(timeout.Token);
        var group = groups.Groups.FirstOrDefault(candidate => candidate.Name == KeptnResource.Group);
        var served = group?.Versions.Select(version => version.Version).ToList() ?? [];
        var preferred = group?.PreferredVersion?.Version;
        var ordered = served.OrderBy(version => version == preferred ? -1 : Array.IndexOf(PreferredVersions, version) is var index and >= 0 ? index : int.MaxValue).ToList();

        var plurals = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var version in ordered)
        {
            var resources = await _client.CustomObjects.GetAPIResourcesAsync(KeptnResource.Group, version, timeout.Token);
            foreach (var resource in resources.Resources)
            {
                if (!resource.Name.Contains('/', StringComparison.Ordinal))
                {
                    plurals.TryAdd(resource.Name, version);
                }
            }
        }

        foreach (var resource in KeptnResource.All)
        {
            if (plurals.TryGetValue(resource.Plural, out var version))
            {
                _versions[resource.Plural] = version;
                _caches[resource.Plural] = new ResourceCache(_client, resource, version, Store, _logger, _time, WatchTimeout);
                Log.Serving(_logger, resource.Kind, KeptnResource.Group, version);
            }
            else
            {
                Log.KindMissing(_logger, resource.Kind, KeptnResource.Group);
            }
        }

        _discovered = true;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 40, EventName = "KindServed", Level = LogLevel.Information, Message = "Caching {Kind} from {Group}/{Version}")]
        public static partial void Serving(ILogger logger, string kind, string group, string version);

        [LoggerMessage(EventId = 41, EventName = "KindMissing", Level = LogLevel.Warning, Message = "The API server serves no {Kind} in {Group} (its CRD is not installed): treating it as empty")]
        public static partial void KindMissing(ILogger logger, string kind, string group);

        [LoggerMessage(EventId = 42, EventName = "DiscoveryFailed", Level = LogLevel.Warning, Message = "Cannot reach the API server to discover Keptn's API versions: {Error}; retrying in {DelaySeconds:0} s (not ready until then)")]
        public static partial void DiscoveryFailed(ILogger logger, string error, double delaySeconds);

        [LoggerMessage(EventId = 43, EventName = "ConfirmFailed", Level = LogLevel.Warning, Message = "Could not confirm {Kind} {Namespace}/{Name} with the API server: {Error}")]
        public static partial void ConfirmFailed(ILogger logger, string kind, string Namespace, string name, string error);
    }
}
