using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using AdmissionWebhook.KeptnTasks;
using k8s;
using k8s.Autorest;

namespace AdmissionWebhook.ClusterState;

/// <summary>
/// Keeps one Keptn kind of the store in step with the API server: a paginated list, then a watch resumed from the
/// last resourceVersion (bookmarks keep it fresh), a relist when the server answers 410 Gone, and reconnects with
/// capped exponential backoff. Only what the rules need of each object is kept.
/// </summary>
internal sealed partial class ResourceCache
{
    private const int PageSize = 500;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ListTimeout = TimeSpan.FromSeconds(60);

    private readonly IKubernetes _client;
    private readonly KeptnResource _resource;
    private readonly string _version;
    private readonly ClusterStateStore _store;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _watchTimeout;
    private static readonly TimeSpan QuickExpiry = TimeSpan.FromSeconds(5);

    private volatile bool _synced;
    private readonly TaskCompletionSource _firstSync = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset _lastListed = DateTimeOffset.MinValue;
    private int _quickExpiries;

    /// <summary>Where the next watch starts: the resourceVersion of the last list, event or bookmark; null to list (again) first.</summary>
    private string? _resourceVersion;

    public ResourceCache(IKubernetes client, KeptnResource resource, string version, ClusterStateStore store, ILogger logger, TimeProvider time, TimeSpan watchTimeout)
    {
        _client = client;
        _resource = resource;
        _version = version;
        _store = store;
        _logger = logger;
        _time = time;
        _watchTimeout = watchTimeout;
    }

    public KeptnResource Resource => _resource;

    public string Version => _version;

    /// <summary>True once the first complete list is in the store; stays true across reconnects and relists.</summary>
    public bool IsSynced => _synced;

    /// <summary>Completes when the first complete list is in the store.</summary>
    public Task FirstSync => _firstSync.Task;

    /// <summary>Count of reconnects and relists, for tests and diagnostics.</summary>
    public int Restarts { get; private set; }

    public async Task RunAsync(CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            var watchedFrom = _resourceVersion;
            try
            {
                if (_resourceVersion is null)
                {
                    _resourceVersion = await ListAsync(stopping);
                    failures = 0;
                }

                watchedFrom = _resourceVersion;
                await WatchAsync(stopping);
                failures = 0;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Gone)
            {
                Log.Expired(_logger, _resource.Kind);
                _resourceVersion = null;
                Restarts++;

                // One relist is normal; a server that expires every fresh list at once must not be hammered.
                _quickExpiries = _time.GetUtcNow() - _lastListed < QuickExpiry ? _quickExpiries + 1 : 0;
                if (_quickExpiries > 0)
                {
                    await Task.Delay(Backoff(_quickExpiries), _time, stopping).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
            catch (HttpRequestException e) when (e.InnerException is EndOfStreamException)
            {
                // KubernetesClient's way of saying the server ended a watch cleanly before its first line (it peeks at
                // that line while loading the response): a quiet kind whose watch timed out without a bookmark. A
                // normal end, renewed at once from the same resourceVersion, not a failure to back off from.
                failures = 0;
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                // Anything else, an answer the client could not read as much as a dropped connection, is retried: a cache
                // whose loop ended would leave the webhook not ready, or stale, for good, and say nothing.
                // Each failure in a row doubles the wait; a watch that delivered events before it broke was healthy,
                // so its failure starts the count over.
                failures = _resourceVersion != watchedFrom ? 1 : failures + 1;
                Restarts++;
                var delay = Backoff(failures);
                Log.Disconnected(_logger, _resource.Kind, e.Message, delay.TotalSeconds);
                await Task.Delay(delay, _time, stopping).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Lists every object page by page, replaces the kind's content in the store, and returns the list's resourceVersion.</summary>
    private async Task<string> ListAsync(CancellationToken stopping)
    {
        var seen = new HashSet<(string, string)>();
        string? continueToken = null;
        string resourceVersion;
        do
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(ListTimeout);
            using var response = await _client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<ListPage>(
                KeptnResource.Group, _version, _resource.Plural, continueParameter: continueToken, limit: PageSize, cancellationToken: timeout.Token);
            var page = response.Body;
            foreach (var item in page.Items ?? throw new InvalidDataException($"the list of {_resource.Plural} has no items"))
            {
                if (Apply(item) is { } key)
                {
                    seen.Add(key);
                }
            }

            var metadata = page.Metadata;
            continueToken = metadata.Field("continue"u8).StringOrNull() is { Length: > 0 } next ? next : null;
            resourceVersion = metadata.Field("resourceVersion"u8).StringOrNull() ?? string.Empty;
        }
        while (continueToken is not null);

        foreach (var (@namespace, name) in _store.Keys(_resource.Kind))
        {
            if (!seen.Contains((@namespace, name)))
            {
                _store.Remove(_resource.Kind, @namespace, name);
            }
        }

        // The set holds a key per object (at 100,000 tasks several MiB) and lives in this method's state machine until
        // that is cleared, which can be after the collection that follows the first sync has run: emptied here, it is
        // not kept through that collection.
        var count = seen.Count;
        seen.Clear();
        seen.TrimExcess();

        _lastListed = _time.GetUtcNow();
        var firstSync = !_synced;
        _synced = true;
        _firstSync.TrySetResult();
        Log.Listed(_logger, _resource.Kind, _version, count, resourceVersion, firstSync);
        return resourceVersion;
    }

    /// <summary>
    /// Applies watch events until the server ends the watch, keeping the resourceVersion to resume from up to date
    /// event by event, so a watch that breaks resumes where it broke rather than where it started.
    /// </summary>
    private async Task WatchAsync(CancellationToken stopping)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        guard.CancelAfter(_watchTimeout + TimeSpan.FromSeconds(30));
        Exception? streamError = null;
        var events = _client.CustomObjects.WatchListClusterCustomObjectAsync(
            KeptnResource.Group,
            _version,
            _resource.Plural,
            allowWatchBookmarks: true,
            resourceVersion: _resourceVersion,
            timeoutSeconds: (int)_watchTimeout.TotalSeconds,
            onError: e => streamError = e,
            cancellationToken: guard.Token);
        await foreach (var (type, payload) in events)
        {
            if (payload is not JsonElement item)
            {
                continue;
            }

            switch (type)
            {
                case WatchEventType.Added or WatchEventType.Modified:
                    Apply(item);
                    break;
                case WatchEventType.Deleted:
                    if (KeyOf(item) is var (@namespace, name))
                    {
                        _store.Remove(_resource.Kind, @namespace, name);
                    }

                    break;
                case WatchEventType.Error:
                    if (item.Field("code"u8).ValueKind == JsonValueKind.Number && item.Field("code"u8).GetInt32() == (int)HttpStatusCode.Gone)
                    {
                        Log.Expired(_logger, _resource.Kind);
                        Restarts++;
                        _resourceVersion = null;
                        return;
                    }

                    throw new KubernetesException(item.Field("message"u8).StringOrNull() ?? "watch error");
            }

            _resourceVersion = item.Field("metadata"u8).Field("resourceVersion"u8).StringOrNull() ?? _resourceVersion;
        }

        if (streamError is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
        {
            // The client reports an ERROR event whose object is a Status through onError, not as an event: this is
            // how the apiserver says the resourceVersion was compacted away. Resuming from it would fail forever.
            Log.Expired(_logger, _resource.Kind);
            Restarts++;
            _resourceVersion = null;
            return;
        }

        if (streamError is HttpOperationException)
        {
            // Carries the status: a 410 Gone makes the caller list again instead of retrying a dead resourceVersion.
            throw streamError;
        }

        if (streamError is not null && streamError is not OperationCanceledException)
        {
            throw new IOException($"watch of {_resource.Plural} broke: {streamError.Message}", streamError);
        }
    }

    private (string Namespace, string Name)? Apply(JsonElement item)
    {
        if (KeyOf(item) is not var (@namespace, name))
        {
            return null;
        }

        _store.Add(_resource.Kind, @namespace, name, item);
        return (@namespace, name);
    }

    private static (string Namespace, string Name)? KeyOf(JsonElement item)
    {
        var metadata = item.Field("metadata"u8);
        return metadata.Field("name"u8).StringOrNull() is { Length: > 0 } name
            ? (metadata.Field("namespace"u8).StringOrNull() ?? string.Empty, name)
            : null;
    }

    /// <summary>
    /// One page of a list, read item by item. Read as one JsonElement, a page (up to a megabyte at 500 tasks) had to sit
    /// whole in the JSON reader's buffer, which grew to that size in large arrays that ArrayPool.Shared then kept: 14 MiB
    /// of the heap after the first sync at 100,000 tasks (docs/performance.md). Items are read one at a time, so the
    /// buffer stays at the size of the largest object.
    /// </summary>
    private sealed class ListPage
    {
        [JsonPropertyName("metadata")]
        public JsonElement Metadata { get; set; }

        [JsonPropertyName("items")]
        public List<JsonElement>? Items { get; set; }
    }

    private static TimeSpan Backoff(int failures)
    {
        var seconds = Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(failures - 1, 10)) * 0.5);
        return TimeSpan.FromSeconds(seconds * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 30, EventName = "CacheListed", Level = LogLevel.Information, Message = "Listed {Kind} ({Version}): {Count} objects at resourceVersion {ResourceVersion} (first sync: {FirstSync})")]
        public static partial void Listed(ILogger logger, string kind, string version, int count, string resourceVersion, bool firstSync);

        [LoggerMessage(EventId = 31, EventName = "CacheExpired", Level = LogLevel.Information, Message = "Watch of {Kind} expired (410 Gone): listing again")]
        public static partial void Expired(ILogger logger, string kind);

        [LoggerMessage(EventId = 32, EventName = "CacheDisconnected", Level = LogLevel.Warning, Message = "Watch of {Kind} lost: {Error}; retrying in {DelaySeconds:0.0} s")]
        public static partial void Disconnected(ILogger logger, string kind, string error, double delaySeconds);
    }
}
