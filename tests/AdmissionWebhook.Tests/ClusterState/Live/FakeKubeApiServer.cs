using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace AdmissionWebhook.Tests.ClusterState.Live;

/// <summary>
/// A loopback stand-in for the kube-apiserver, just large enough for the watch caches: discovery of
/// <c>lifecycle.keptn.sh</c>, paginated cluster-wide lists, watches (held open, replayed from a resourceVersion, with
/// bookmarks, 410 ERROR events, clean and abrupt ends, or an HTTP error instead of the stream) and namespaced GETs.
/// Every request is recorded so tests can assert what the client asked for.
/// </summary>
/// <remarks>
/// Like the real server, every change gets the next resourceVersion, a watch replays the changes after the
/// resourceVersion it asks for and then streams live ones, and a watch is closed right after an ERROR event.
/// </remarks>
internal sealed class FakeKubeApiServer : IAsyncDisposable
{
    public const string Group = "lifecycle.keptn.sh";

    public static readonly IReadOnlyDictionary<string, string> KindsByPlural = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["keptntaskdefinitions"] = "KeptnTaskDefinition",
        ["keptntasks"] = "KeptnTask",
        ["keptnworkloads"] = "KeptnWorkload",
        ["keptnapps"] = "KeptnApp",
        ["keptnappcontexts"] = "KeptnAppContext",
    };

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _objects = new(StringComparer.Ordinal);
    private readonly List<(long ResourceVersion, string Plural, string Line)> _log = [];
    private readonly List<WatchStream> _watches = [];
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<HttpStatusCode>> _watchFailures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _unreadableLists = new(StringComparer.Ordinal);
    private TaskCompletionSource _continuePages = CompletedGate();
    private long _resourceVersion = 1000;
    private long _compactedAt;
    private WebApplication? _app;

    private FakeKubeApiServer()
    {
    }

    /// <summary>The versions of lifecycle.keptn.sh that GET /apis lists, in that order.</summary>
    public IReadOnlyList<string> ServedVersions { get; set; } = ["v1"];

    /// <summary>The group's preferredVersion; null means the first served version.</summary>
    public string? PreferredVersion { get; set; }

    /// <summary>Which plurals GET /apis/lifecycle.keptn.sh/{version} lists; by default all five Keptn kinds in every version.</summary>
    public Func<string, IEnumerable<string>> PluralsServedIn { get; set; } = _ => KindsByPlural.Keys;

    /// <summary>How long a namespaced GET waits before answering.</summary>
    public TimeSpan GetDelay { get; set; }

    /// <summary>How long GET /apis waits before answering (an API server that accepts connections and hangs).</summary>
    public TimeSpan DiscoveryDelay { get; set; }

    /// <summary>
    /// How a watch from a compacted resourceVersion is refused: false (the default, as a current apiserver does) with
    /// 200 and an ERROR event carrying a 410 Status, true with an HTTP 410 answer.
    /// </summary>
    public bool ExpireWithHttpStatus { get; set; }

    /// <summary>When set, every namespaced GET answers this status instead of looking the object up.</summary>
    public HttpStatusCode? GetStatus { get; set; }

    public Uri Uri { get; private set; } = null!;

    public int Port => Uri.Port;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>The resourceVersion of the last change (or bookmark).</summary>
    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    /// <summary>Starts listening on 127.0.0.1:<paramref name="port"/> (0: a free port), after <paramref name="configure"/> has set it up.</summary>
    public static async Task<FakeKubeApiServer> StartAsync(Action<FakeKubeApiServer>? configure = null, int port = 0)
    {
        var server = new FakeKubeApiServer();
        configure?.Invoke(server);
        await server.ListenAsync(port);
        return server;
    }

    /// <summary>A port nothing listens on (bound once by the OS, then released), for an "API server down" start.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static KubernetesClientConfiguration ClientConfiguration(int port) =>
        new() { Host = $"http://127.0.0.1:{port}", HttpClientTimeout = Timeout.InfiniteTimeSpan };

    public KubernetesClientConfiguration ClientConfiguration() => ClientConfiguration(Port);

    public IEnumerable<RecordedRequest> Lists(string plural) => Requests.Where(request => request.Type == RequestType.List && request.Plural == plural);

    public IEnumerable<RecordedRequest> Watches(string plural) => Requests.Where(request => request.Type == RequestType.Watch && request.Plural == plural);

    /// <summary>How many watches of <paramref name="plural"/> are open right now (their headers sent, events flowing).</summary>
    public int OpenWatches(string plural)
    {
        lock (_gate)
        {
            return _watches.Count(watch => watch.Plural == plural);
        }
    }

    /// <summary>Creates or replaces an object; open watches get ADDED or MODIFIED unless <paramref name="notify"/> is false (an event lost to compaction).</summary>
    public long Put(string plural, JsonObject obj, bool notify = true)
    {
        var copy = (JsonObject)obj.DeepClone();
        var metadata = (JsonObject)copy["metadata"]!;
        var key = Key((string?)metadata["namespace"], (string)metadata["name"]!);
        lock (_gate)
        {
            var resourceVersion = ++_resourceVersion;
            metadata["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture);
            var objects = ObjectsOf(plural);
            var type = objects.ContainsKey(key) ? "MODIFIED" : "ADDED";
            objects[key] = copy;
            if (notify)
            {
                Publish(plural, resourceVersion, type, copy);
            }

            return resourceVersion;
        }
    }

    /// <summary>Deletes an object; open watches get DELETED unless <paramref name="notify"/> is false.</summary>
    public long Delete(string plural, string @namespace, string name, bool notify = true)
    {
        lock (_gate)
        {
            var resourceVersion = ++_resourceVersion;
            if (ObjectsOf(plural).Remove(Key(@namespace, name), out var removed) && notify)
            {
                var gone = (JsonObject)removed.DeepClone();
                gone["metadata"]!["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture);
                Publish(plural, resourceVersion, "DELETED", gone);
            }

            return resourceVersion;
        }
    }

    /// <summary>Sends a BOOKMARK at a fresh resourceVersion to the open watches of <paramref name="plural"/>, and returns it.</summary>
    public long Bookmark(string plural)
    {
        lock (_gate)
        {
            var resourceVersion = ++_resourceVersion;
            var bookmark = new JsonObject
            {
                ["apiVersion"] = $"{Group}/{ServedVersions[0]}",
                ["kind"] = KindsByPlural[plural],
                ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) },
            };
            Send(plural, WatchCommand.Line(EventLine("BOOKMARK", bookmark)));
            return resourceVersion;
        }
    }

    /// <summary>Forgets the change history: a watch asking for an older resourceVersion than the current one is refused with 410 from now on.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _compactedAt = _resourceVersion;
        }
    }

    /// <summary>
    /// Compacts, and sends the open watches of <paramref name="plural"/> the ERROR event the apiserver sends for a
    /// compacted resourceVersion (a Status with code 410), then ends their streams.
    /// </summary>
    public void ExpireWatches(string plural)
    {
        lock (_gate)
        {
            _compactedAt = _resourceVersion;
            Send(plural, WatchCommand.Line(ExpiredLine()));
            Send(plural, WatchCommand.End);
        }
    }

    /// <summary>Ends the open watches cleanly, as the apiserver does when a watch's timeoutSeconds runs out.</summary>
    public void CloseWatches(string plural)
    {
        lock (_gate)
        {
            Send(plural, WatchCommand.End);
        }
    }

    /// <summary>Drops the connections of the open watches without ending the chunked response.</summary>
    public void AbortWatches(string plural)
    {
        lock (_gate)
        {
            Send(plural, WatchCommand.Abort);
        }
    }

    /// <summary>The next <paramref name="count"/> watch requests of <paramref name="plural"/> are answered <paramref name="status"/> instead of a stream.</summary>
    public void FailNextWatches(string plural, HttpStatusCode status, int count = 1)
    {
        var queue = _watchFailures.GetOrAdd(plural, _ => new ConcurrentQueue<HttpStatusCode>());
        for (var i = 0; i < count; i++)
        {
            queue.Enqueue(status);
        }
    }

    /// <summary>The next <paramref name="count"/> lists of <paramref name="plural"/> are answered 200 with <c>"items": null</c>.</summary>
    public void AnswerNextListsUnreadably(string plural, int count = 1) => _unreadableLists[plural] = count;

    /// <summary>List pages after the first (requests with a continue token) wait until <see cref="ReleaseContinuePages"/>.</summary>
    public void HoldContinuePages() => _continuePages = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseContinuePages() => _continuePages.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        ReleaseContinuePages();
        lock (_gate)
        {
            foreach (var watch in _watches)
            {
                watch.Commands.Writer.TryWrite(WatchCommand.Abort);
            }
        }

        if (_app is not null)
        {
            using var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _app.StopAsync(shutdown.Token);
            await _app.DisposeAsync();
        }
    }

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource();
        gate.SetResult();
        return gate;
    }

    private static string Key(string? @namespace, string name) => $"{@namespace}/{name}";

    private static string EventLine(string type, JsonObject obj) =>
        new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString();

    private static string ExpiredLine() =>
        EventLine("ERROR", Status(HttpStatusCode.Gone, "Expired", "too old resource version"));

    private static JsonObject Status(HttpStatusCode code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = (int)code,
    };

    private async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http1));
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Uri = new Uri(address);
    }

    private SortedDictionary<string, JsonObject> ObjectsOf(string plural)
    {
        if (!_objects.TryGetValue(plural, out var objects))
        {
            objects = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            _objects[plural] = objects;
        }

        return objects;
    }

    /// <summary>Logs a change for later watches to replay and streams it to the open ones; call under the lock.</summary>
    private void Publish(string plural, long resourceVersion, string type, JsonObject obj)
    {
        var line = EventLine(type, obj);
        _log.Add((resourceVersion, plural, line));
        Send(plural, WatchCommand.Line(line));
    }

    private void Send(string plural, WatchCommand command)
    {
        foreach (var watch in _watches.Where(watch => watch.Plural == plural))
        {
            watch.Commands.Writer.TryWrite(command);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = RecordedRequest.From(context.Request);
        _requests.Enqueue(request);
        if (request.Method != HttpMethods.Get)
        {
            await WriteStatusAsync(context, HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", "the fake API server only reads");
            return;
        }

        var servedVersion = request.Version is null || ServedVersions.Contains(request.Version);
        var servedPlural = request.Plural is null || (servedVersion && PluralsServedIn(request.Version!).Contains(request.Plural));
        if (!servedVersion || !servedPlural)
        {
            await WriteStatusAsync(context, HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource");
            return;
        }

        switch (request.Type)
        {
            case RequestType.Groups:
                if (DiscoveryDelay > TimeSpan.Zero)
                {
                    await Task.Delay(DiscoveryDelay, context.RequestAborted);
                }

                await WriteJsonAsync(context, HttpStatusCode.OK, GroupList());
                break;
            case RequestType.Resources:
                await WriteJsonAsync(context, HttpStatusCode.OK, ResourceList(request.Version!));
                break;
            case RequestType.List:
                await ListAsync(context, request);
                break;
            case RequestType.Watch:
                await WatchAsync(context, request);
                break;
            case RequestType.Get:
                await GetAsync(context, request);
                break;
            default:
                await WriteStatusAsync(context, HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource");
                break;
        }
    }

    private JsonObject GroupList()
    {
        JsonObject Version(string version) => new() { ["groupVersion"] = $"{Group}/{version}", ["version"] = version };
        return new JsonObject
        {
            ["kind"] = "APIGroupList",
            ["apiVersion"] = "v1",
            ["groups"] = new JsonArray(
                new JsonObject
                {
                    ["name"] = "apps",
                    ["versions"] = new JsonArray(new JsonObject { ["groupVersion"] = "apps/v1", ["version"] = "v1" }),
                    ["preferredVersion"] = new JsonObject { ["groupVersion"] = "apps/v1", ["version"] = "v1" },
                },
                new JsonObject
                {
                    ["name"] = Group,
                    ["versions"] = new JsonArray([.. ServedVersions.Select(version => (JsonNode)Version(version))]),
                    ["preferredVersion"] = Version(PreferredVersion ?? ServedVersions[0]),
                }),
        };
    }

    private JsonObject ResourceList(string version)
    {
        var resources = new JsonArray();
        foreach (var plural in PluralsServedIn(version))
        {
            var kind = KindsByPlural[plural];
            resources.Add(new JsonObject
            {
                ["name"] = plural,
                ["singularName"] = kind.ToLowerInvariant(),
                ["namespaced"] = true,
                ["kind"] = kind,
                ["verbs"] = new JsonArray("delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"),
            });
            resources.Add(new JsonObject
            {
                ["name"] = $"{plural}/status",
                ["singularName"] = string.Empty,
                ["namespaced"] = true,
                ["kind"] = kind,
                ["verbs"] = new JsonArray("get", "patch", "update"),
            });
        }

        return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = $"{Group}/{version}", ["resources"] = resources };
    }

    private async Task ListAsync(HttpContext context, RecordedRequest request)
    {
        var plural = request.Plural!;
        if (_unreadableLists.TryGetValue(plural, out var unreadable) && unreadable > 0 && _unreadableLists.TryUpdate(plural, unreadable - 1, unreadable))
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":"{{ResourceVersion}}"},"items":null}""");
            return;
        }

        var token = request.Query.GetValueOrDefault("continue");
        if (!string.IsNullOrEmpty(token))
        {
            await _continuePages.Task.WaitAsync(context.RequestAborted);
        }

        // The continue token carries the snapshot's resourceVersion and the offset of the next page.
        long snapshot;
        lock (_gate)
        {
            snapshot = _resourceVersion;
        }

        var offset = 0;
        if (!string.IsNullOrEmpty(token))
        {
            var parts = token.Split(':');
            snapshot = long.Parse(parts[0], CultureInfo.InvariantCulture);
            offset = int.Parse(parts[1], CultureInfo.InvariantCulture);
        }

        // Only the page is cloned (stored objects are replaced, never changed in place): lists of 100,000 objects
        // (bench/Scale) stay linear.
        var limit = int.TryParse(request.Query.GetValueOrDefault("limit"), CultureInfo.InvariantCulture, out var asked) && asked > 0 ? asked : int.MaxValue;
        List<JsonObject> page;
        int total;
        lock (_gate)
        {
            var objects = ObjectsOf(plural);
            total = objects.Count;
            page = [.. objects.Values.Skip(offset).Take(limit).Select(item => (JsonObject)item.DeepClone())];
        }

        var next = offset + page.Count < total ? $"{snapshot}:{offset + page.Count}" : null;
        var metadata = new JsonObject { ["resourceVersion"] = snapshot.ToString(CultureInfo.InvariantCulture) };
        if (next is not null)
        {
            metadata["continue"] = next;
        }

        await WriteJsonAsync(context, HttpStatusCode.OK, new JsonObject
        {
            ["apiVersion"] = $"{Group}/{request.Version}",
            ["kind"] = $"{KindsByPlural[plural]}List",
            ["metadata"] = metadata,
            ["items"] = new JsonArray([.. page]),
        });
    }

    private async Task WatchAsync(HttpContext context, RecordedRequest request)
    {
        var plural = request.Plural!;
        if (_watchFailures.TryGetValue(plural, out var failures) && failures.TryDequeue(out var failure))
        {
            var reason = failure == HttpStatusCode.Gone ? "Expired" : "InternalError";
            await WriteStatusAsync(context, failure, reason, $"watch refused by the test ({(int)failure})");
            return;
        }

        var watch = new WatchStream(plural);
        List<string> replay;
        var expired = false;
        lock (_gate)
        {
            if (long.TryParse(request.Query.GetValueOrDefault("resourceVersion"), CultureInfo.InvariantCulture, out var from) && from > 0 && from < _compactedAt)
            {
                expired = true;
                replay = [ExpiredLine()];
            }
            else if (from > 0)
            {
                replay = [.. _log.Where(entry => entry.Plural == plural && entry.ResourceVersion > from).Select(entry => entry.Line)];
            }
            else
            {
                // No resourceVersion: the current objects as synthetic ADDED events, then live changes.
                replay = [.. ObjectsOf(plural).Values.Select(item => EventLine("ADDED", item))];
            }

            if (!expired)
            {
                _watches.Add(watch);
            }
        }

        if (expired && ExpireWithHttpStatus)
        {
            await WriteStatusAsync(context, HttpStatusCode.Gone, "Expired", "too old resource version");
            return;
        }

        try
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(context.RequestAborted);
            foreach (var line in replay)
            {
                await WriteLineAsync(context, line);
            }

            await context.Response.Body.FlushAsync(context.RequestAborted);
            while (!expired)
            {
                var command = await watch.Commands.Reader.ReadAsync(context.RequestAborted);
                if (command.Kind == WatchCommandKind.End)
                {
                    return;
                }

                if (command.Kind == WatchCommandKind.Abort)
                {
                    context.Abort();
                    return;
                }

                await WriteLineAsync(context, command.Text!);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
        catch (IOException)
        {
            // The client went away while we were writing.
        }
        finally
        {
            lock (_gate)
            {
                _watches.Remove(watch);
            }
        }
    }

    private async Task GetAsync(HttpContext context, RecordedRequest request)
    {
        try
        {
            if (GetDelay > TimeSpan.Zero)
            {
                await Task.Delay(GetDelay, context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (GetStatus is { } status)
        {
            await WriteStatusAsync(context, status, status.ToString(), $"GET answered {(int)status} by the test");
            return;
        }

        JsonObject? found;
        lock (_gate)
        {
            found = ObjectsOf(request.Plural!).TryGetValue(Key(request.Namespace, request.Name!), out var item) ? (JsonObject)item.DeepClone() : null;
        }

        if (found is null)
        {
            await WriteStatusAsync(context, HttpStatusCode.NotFound, "NotFound", $"{request.Plural}.{Group} \"{request.Name}\" not found");
            return;
        }

        await WriteJsonAsync(context, HttpStatusCode.OK, found);
    }

    private static async Task WriteLineAsync(HttpContext context, string line)
    {
        await context.Response.WriteAsync(line + "\n", Encoding.UTF8, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static Task WriteStatusAsync(HttpContext context, HttpStatusCode code, string reason, string message) =>
        WriteJsonAsync(context, code, Status(code, reason, message));

    private static async Task WriteJsonAsync(HttpContext context, HttpStatusCode code, JsonObject body)
    {
        context.Response.StatusCode = (int)code;
        context.Response.ContentType = "application/json";
        try
        {
            await context.Response.WriteAsync(body.ToJsonString(), Encoding.UTF8, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The client gave up (a confirming GET past its timeout).
        }
    }

    private enum WatchCommandKind
    {
        Line,
        End,
        Abort,
    }

    private sealed record WatchCommand(WatchCommandKind Kind, string? Text = null)
    {
        public static readonly WatchCommand End = new(WatchCommandKind.End);
        public static readonly WatchCommand Abort = new(WatchCommandKind.Abort);

        public static WatchCommand Line(string text) => new(WatchCommandKind.Line, text);
    }

    private sealed class WatchStream(string plural)
    {
        public string Plural { get; } = plural;

        public Channel<WatchCommand> Commands { get; } = Channel.CreateUnbounded<WatchCommand>();
    }
}

internal enum RequestType
{
    Groups,
    Resources,
    List,
    Watch,
    Get,
    Other,
}

/// <summary>One request the fake API server received: what it asked for, and when.</summary>
internal sealed record RecordedRequest(string Method, string Path, string QueryString, IReadOnlyDictionary<string, string> Query, DateTimeOffset At)
{
    private string[] Segments => Path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The lifecycle.keptn.sh version in the path, if any.</summary>
    public string? Version => Segments is ["apis", FakeKubeApiServer.Group, var version, ..] ? version : null;

    public string? Plural => Segments switch
    {
        ["apis", FakeKubeApiServer.Group, _, var plural] => plural,
        ["apis", FakeKubeApiServer.Group, _, "namespaces", _, var plural, ..] => plural,
        _ => null,
    };

    public string? Namespace => Segments is ["apis", FakeKubeApiServer.Group, _, "namespaces", var ns, ..] ? ns : null;

    public string? Name => Segments is ["apis", FakeKubeApiServer.Group, _, "namespaces", _, _, var name] ? name : null;

    public bool IsWatch => Query.GetValueOrDefault("watch") is "true" or "1";

    public RequestType Type => Segments switch
    {
        ["apis"] => RequestType.Groups,
        ["apis", FakeKubeApiServer.Group, _] => RequestType.Resources,
        ["apis", FakeKubeApiServer.Group, _, _] => IsWatch ? RequestType.Watch : RequestType.List,
        ["apis", FakeKubeApiServer.Group, _, "namespaces", _, _, _] => RequestType.Get,
        _ => RequestType.Other,
    };

    public static RecordedRequest From(HttpRequest request) => new(
        request.Method,
        request.Path.Value ?? "/",
        request.QueryString.Value ?? string.Empty,
        request.Query.ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal),
        DateTimeOffset.UtcNow);

    public override string ToString() => $"{Method} {Path}{QueryString}";
}
