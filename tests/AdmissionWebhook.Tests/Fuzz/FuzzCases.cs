using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AdmissionWebhook.Tests.Integration;
using CsCheck;

namespace AdmissionWebhook.Tests.Fuzz;

/// <summary>How a fuzz body was made; the oracle is the same for all, the kind only helps to read a failure.</summary>
public enum FuzzKind
{
    /// <summary>An example review with random fields replaced by values of random types.</summary>
    RandomFieldValues,

    /// <summary>A review cut off at a random byte.</summary>
    Truncated,

    /// <summary>A review with random bytes flipped, inserted or removed.</summary>
    CorruptedBytes,

    /// <summary>Arrays and objects nested up to a few thousand levels at a random field.</summary>
    DeepNesting,

    /// <summary>A field holding a string of up to a megabyte.</summary>
    HugeString,

    /// <summary>Names, namespaces and uids of unicode, control characters, lone surrogates and escapes.</summary>
    HostileNames,

    /// <summary>A good review sent with a wrong (or odd but JSON) Content-Type.</summary>
    WrongContentType,

    /// <summary>A random JSON document that has nothing to do with a review.</summary>
    RandomJson,

    /// <summary>The envelope varied: operation, AdmissionReview and KeptnTask versions, kind, resource, subresource, dryRun, oldObject.</summary>
    Envelope,
}

/// <summary>One request of the fuzz run: where it goes, how it is labelled and what it carries.</summary>
public sealed record FuzzCase(FuzzKind Kind, string Endpoint, bool Http2, string? ContentType, bool JsonContentType, byte[] Body, string? Query)
{
    public override string ToString()
    {
        var text = Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, 600));
        return $"{Kind} POST {Endpoint}{Query} HTTP/{(Http2 ? "2" : "1.1")} Content-Type: {ContentType ?? "(none)"}, {Body.Length} bytes: {text}{(Body.Length > 600 ? "..." : string.Empty)}";
    }
}

/// <summary>
/// Generators of AdmissionReview bodies, valid and hostile. CsCheck picks the kind, endpoint and a seed; the body is
/// built deterministically from the seed, so a failing case is reproduced by its CsCheck seed alone.
/// </summary>
public static class FuzzCases
{
    private static readonly Lazy<(string File, string Text)[]> Seeds = new(() =>
        [.. Directory.GetFiles(Examples.AdmissionFolder, "*.json").Order(StringComparer.Ordinal).Select(path => (Path.GetFileName(path), File.ReadAllText(path)))]);

    private static readonly string[] WrongContentTypes =
    [
        "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx",
        "application/yaml", "*/*", "application", "json", "application/json-seq", "text/json", ";;;",
    ];

    private static readonly string[] JsonContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/merge-patch+json", "application/vnd.kubernetes+json",
        "application/json; charset=latin1", "application/json;q=0.1",
    ];

    private static readonly string[] HostileStrings =
    [
        string.Empty, " ", "\u0000", "\r\n", "\u001b[2J", "\u202e", "\u200b", "\ufeff", "\uffff", "\ud83d\ude00", "é", "ſ", "İ", "K", "a/b", "../..", "~0~1",
        "%00", "${jndi:ldap://x}", "{{.}}", "'\"", "\\", "null", "-", ".", "a..b", "-a-", "A", "0", "1e400", new string('a', 64), new string('a', 254),
    ];

    private static readonly string[] Operations = ["CREATE", "UPDATE", "DELETE", "CONNECT", "create", "PATCH", string.Empty];
    private static readonly string[] TaskVersions = ["v1", "v1beta1", "v1alpha3", "v1alpha2", "v1alpha1", "v2", string.Empty];

    /// <summary>Every kind, both endpoints, HTTP/1.1 and HTTP/2; the seed drives everything else.</summary>
    public static Gen<FuzzCase> All { get; } =
        Gen.Select(Gen.Enum<FuzzKind>(), Gen.Bool, Gen.Int[0, 9], Gen.Int, (kind, mutate, transport, seed) => Build(kind, mutate ? "/mutate" : "/validate", transport == 0, seed));

    public static FuzzCase Build(FuzzKind kind, string endpoint, bool http2, int seed)
    {
        var random = new Random(seed);
        var (_, text) = Seeds.Value[random.Next(Seeds.Value.Length)];
        var contentType = JsonContentTypes[random.Next(3) == 0 ? random.Next(JsonContentTypes.Length) : 0];
        var json = true;
        var query = random.Next(8) == 0 ? $"?timeout={random.Next(0, 40)}s" : null;
        byte[] body;
        switch (kind)
        {
            case FuzzKind.RandomFieldValues:
                {
                    var review = Parse(text);
                    var count = 1 + random.Next(6);
                    for (var i = 0; i < count; i++)
                    {
                        // Mostly inside the KeptnTask, where the rules read; sometimes anywhere in the envelope.
                        var root = random.Next(4) != 0 && review["request"] is JsonObject request && request["object"] is JsonObject task ? task : review;
                        ReplaceRandomNode(root, random, () => RandomValue(random, 3));
                    }

                    body = Utf8(review);
                    break;
                }

            case FuzzKind.Truncated:
                {
                    var bytes = Encoding.UTF8.GetBytes(text);
                    body = bytes[..random.Next(bytes.Length)];
                    break;
                }

            case FuzzKind.CorruptedBytes:
                body = Corrupt(Encoding.UTF8.GetBytes(text), random);
                break;

            case FuzzKind.DeepNesting:
                {
                    var review = Parse(text);
                    var depth = random.Next(3) switch { 0 => random.Next(1, 64), 1 => random.Next(200, 300), _ => random.Next(300, 5000) };
                    var open = random.Next(2) == 0 ? "[" : "{\"a\":";
                    var close = open == "[" ? "]" : "}";
                    const string Marker = "\"@@deep@@\"";
                    ReplaceRandomNode(review, random, () => JsonValue.Create("@@deep@@"));
                    var nested = string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
                    body = Encoding.UTF8.GetBytes(review.ToJsonString().Replace(Marker, nested, StringComparison.Ordinal));
                    break;
                }

            case FuzzKind.HugeString:
                {
                    var review = Parse(text);
                    var length = random.Next(10) == 0 ? random.Next(256 * 1024, 1024 * 1024) : random.Next(1_000, 64 * 1024);
                    var filler = new string(HostileStrings[random.Next(HostileStrings.Length)] is { Length: 1 } c ? c[0] : 'x', length);
                    var path = random.Next(5) switch
                    {
                        0 => "request.object.metadata.name",
                        1 => "request.object.spec.taskDefinition",
                        2 => "request.uid",
                        3 => "request.namespace",
                        _ => null,
                    };
                    if (path is null)
                    {
                        ReplaceRandomNode(review, random, () => JsonValue.Create(filler));
                    }
                    else
                    {
                        Set(review, path, JsonValue.Create(filler));
                    }

                    body = Utf8(review);
                    break;
                }

            case FuzzKind.HostileNames:
                {
                    var review = Parse(text);
                    const string Marker = "@@hostile@@";
                    foreach (var path in (string[])["request.object.metadata.name", "request.name", "request.namespace", "request.object.metadata.namespace", "request.object.spec.taskDefinition", "request.object.metadata.generateName", "request.object.spec.context.appName", "request.object.spec.secureParameters.secret", "request.uid"])
                    {
                        if (random.Next(3) == 0)
                        {
                            Set(review, path, JsonValue.Create(Marker + path));
                        }
                    }

                    var bodyText = review.ToJsonString();
                    foreach (var path in (string[])["request.object.metadata.name", "request.name", "request.namespace", "request.object.metadata.namespace", "request.object.spec.taskDefinition", "request.object.metadata.generateName", "request.object.spec.context.appName", "request.object.spec.secureParameters.secret", "request.uid"])
                    {
                        bodyText = bodyText.Replace($"\"{Marker}{path}\"", "\"" + HostileJsonString(random) + "\"", StringComparison.Ordinal);
                    }

                    body = Encoding.UTF8.GetBytes(bodyText);
                    break;
                }

            case FuzzKind.WrongContentType:
                json = random.Next(4) == 0;
                contentType = json ? JsonContentTypes[random.Next(JsonContentTypes.Length)] : random.Next(8) == 0 ? null : WrongContentTypes[random.Next(WrongContentTypes.Length)];
                body = Encoding.UTF8.GetBytes(text);
                break;

            case FuzzKind.RandomJson:
                body = Encoding.UTF8.GetBytes(RandomValue(random, 5)?.ToJsonString() ?? "null");
                break;

            case FuzzKind.Envelope:
                {
                    var review = Parse(text);
                    var request = review["request"]!.AsObject();
                    review["apiVersion"] = random.Next(3) == 0 ? ReviewClient.V1Beta1 : ReviewClient.V1;
                    request["operation"] = Operations[random.Next(Operations.Length)];
                    if (request["object"] is JsonObject obj)
                    {
                        obj["apiVersion"] = $"lifecycle.keptn.sh/{TaskVersions[random.Next(TaskVersions.Length)]}";
                        if (random.Next(3) == 0)
                        {
                            request["oldObject"] = obj.DeepClone();
                            if (random.Next(2) == 0 && request["oldObject"]!["spec"] is JsonObject oldSpec)
                            {
                                oldSpec["taskDefinition"] = "other-definition";
                            }
                        }
                    }

                    if (random.Next(4) == 0)
                    {
                        request["kind"] = new JsonObject { ["group"] = random.Next(2) == 0 ? "lifecycle.keptn.sh" : "apps", ["version"] = "v1", ["kind"] = random.Next(2) == 0 ? "KeptnTask" : "Deployment" };
                    }

                    if (random.Next(4) == 0)
                    {
                        request["subResource"] = random.Next(2) == 0 ? "status" : "scale";
                    }

                    if (random.Next(3) == 0)
                    {
                        request["dryRun"] = true;
                    }

                    if (random.Next(4) == 0)
                    {
                        request.Remove(random.Next(2) == 0 ? "object" : "oldObject");
                    }

                    body = Utf8(review);
                    break;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }

        return new FuzzCase(kind, endpoint, http2, contentType, json, body, query);
    }

    /// <summary>The uid the answer must echo: the string at request.uid, read as the webhook reads it; null if there is none.</summary>
    public static string? ExpectedUid(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 256 });
            return document.RootElement.ValueKind == JsonValueKind.Object &&
                   document.RootElement.TryGetProperty("request", out var request) && request.ValueKind == JsonValueKind.Object &&
                   request.TryGetProperty("uid", out var uid) && uid.ValueKind == JsonValueKind.String
                ? uid.GetString()
                : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    private static JsonObject Parse(string text) => JsonNode.Parse(text)!.AsObject();

    private static byte[] Utf8(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    private static void Set(JsonObject root, string path, JsonNode? value)
    {
        var segments = path.Split('.');
        JsonObject parent = root;
        foreach (var segment in segments[..^1])
        {
            if (parent[segment] is not JsonObject child)
            {
                child = [];
                parent[segment] = child;
            }

            parent = child;
        }

        parent[segments[^1]] = value;
    }

    /// <summary>Walks from the root to a random node (object member or array item) and replaces it.</summary>
    private static void ReplaceRandomNode(JsonObject root, Random random, Func<JsonNode?> value)
    {
        JsonNode container = root;
        while (true)
        {
            switch (container)
            {
                case JsonObject obj when obj.Count > 0:
                    {
                        var member = obj.ElementAt(random.Next(obj.Count));
                        if (member.Value is JsonObject or JsonArray && random.Next(4) != 0)
                        {
                            container = member.Value;
                            continue;
                        }

                        obj[member.Key] = value();
                        return;
                    }

                case JsonArray array when array.Count > 0:
                    {
                        var index = random.Next(array.Count);
                        if (array[index] is JsonObject or JsonArray && random.Next(4) != 0)
                        {
                            container = array[index]!;
                            continue;
                        }

                        array[index] = value();
                        return;
                    }

                case JsonObject obj:
                    obj["added"] = value();
                    return;

                case JsonArray array:
                    array.Add(value());
                    return;

                default:
                    return;
            }
        }
    }

    private static JsonNode? RandomValue(Random random, int depth)
    {
        switch (random.Next(depth > 0 ? 12 : 9))
        {
            case 0: return null;
            case 1: return JsonValue.Create(random.Next(2) == 0);
            case 2: return JsonValue.Create(random.Next(-3, 1000));
            case 3: return JsonNode.Parse(((string[])["-1", "0", "2147483648", "-9223372036854775809", "1e400", "-1e-400", "1.5", "-0", "1E3", "99999999999999999999999999999"])[random.Next(10)]);
            case 4: return JsonValue.Create(HostileStrings[random.Next(HostileStrings.Length)]);
            case 5: return JsonValue.Create(((string[])["5m", "300", "1h30m", "0s", "-1s", "1.5.5s", "9999999999h", "1µs", "pre", "post", "promotion", "Workload", "App", "helloworldtask-1", "hello-keptn"])[random.Next(15)]);
            case 6: return JsonValue.Create(RandomUnicode(random, random.Next(0, 40)));
            case 7: return JsonValue.Create(random.NextDouble() * 1e6);
            case 8: return JsonValue.Create(string.Empty);
            case 9:
            case 10:
                {
                    var obj = new JsonObject();
                    var count = random.Next(4);
                    for (var i = 0; i < count; i++)
                    {
                        obj[((string[])["name", "spec", "metadata", "context", "uid", "timeout", "retries", "x", ""])[random.Next(9)] + (i > 0 ? i.ToString(CultureInfo.InvariantCulture) : string.Empty)] = RandomValue(random, depth - 1);
                    }

                    return obj;
                }

            default:
                {
                    var array = new JsonArray();
                    var count = random.Next(4);
                    for (var i = 0; i < count; i++)
                    {
                        array.Add(RandomValue(random, depth - 1));
                    }

                    return array;
                }
        }
    }

    private static string RandomUnicode(Random random, int length)
    {
        var builder = new StringBuilder(length);
        while (builder.Length < length)
        {
            var codePoint = random.Next(6) switch
            {
                0 => random.Next(0x20),
                1 => random.Next(0x20, 0x7F),
                2 => random.Next(0x80, 0x800),
                3 => random.Next(0x800, 0xD800),
                4 => random.Next(0xE000, 0x10000),
                _ => random.Next(0x10000, 0x110000),
            };
            builder.Append(char.ConvertFromUtf32(codePoint));
        }

        return builder.ToString();
    }

    /// <summary>JSON string content (already escaped) that JsonNode could not write: lone surrogates, escaped controls, overlong names.</summary>
    private static string HostileJsonString(Random random)
    {
        var parts = new List<string>();
        var count = 1 + random.Next(5);
        for (var i = 0; i < count; i++)
        {
            parts.Add(random.Next(10) switch
            {
                0 => "\\ud800",
                1 => "\\udfff",
                2 => "\\ud83d\\ude00",
                3 => "\\u0000",
                4 => "\\n\\r\\t\\b\\f",
                5 => "\\\"\\\\\\/",
                6 => JsonEncodedText.Encode(RandomUnicode(random, random.Next(1, 20))).ToString(),
                7 => new string('a', random.Next(50, 300)),
                8 => "\u00e9\u0301\u202e",
                _ => "task-" + random.Next(100).ToString(CultureInfo.InvariantCulture),
            });
        }

        return string.Concat(parts);
    }

    private static byte[] Corrupt(byte[] bytes, Random random)
    {
        var list = new List<byte>(bytes);
        var count = 1 + random.Next(10);
        for (var i = 0; i < count && list.Count > 0; i++)
        {
            var at = random.Next(list.Count);
            switch (random.Next(4))
            {
                case 0:
                    list[at] = (byte)random.Next(256);
                    break;
                case 1:
                    list.Insert(at, (byte)random.Next(256));
                    break;
                case 2:
                    list.RemoveAt(at);
                    break;
                default:
                    list[at] = (byte)"{}[]\",:\\"[random.Next(8)];
                    break;
            }
        }

        return [.. list];
    }
}
