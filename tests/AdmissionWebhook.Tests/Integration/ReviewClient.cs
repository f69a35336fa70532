using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>Posts to the running server the way the kube-apiserver does, every call time-boxed.</summary>
internal static class ReviewClient
{
    /// <summary>No single request may take longer: a hang fails the test instead of the run.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    public const string V1 = "admission.k8s.io/v1";
    public const string V1Beta1 = "admission.k8s.io/v1beta1";

    /// <summary>Posts a review as JSON, expects HTTP 200 with an AdmissionReview, and returns its response.</summary>
    public static async Task<ReviewAnswer> ReviewAsync(this HttpClient client, string endpoint, JsonNode review)
    {
        using var content = Json(review.ToJsonString());
        return await client.ReviewAsync(endpoint, content);
    }

    public static async Task<ReviewAnswer> ReviewAsync(this HttpClient client, string endpoint, HttpContent content)
    {
        var raw = await client.PostRawAsync(endpoint, content);
        Assert.True(raw.Status == HttpStatusCode.OK, $"POST {endpoint}: expected 200 with an AdmissionReview, got {(int)raw.Status}: {raw.Body}");
        Assert.Equal("application/json", raw.MediaType);
        return ReviewAnswer.Parse(raw.Body);
    }

    /// <summary>Any POST, answered within <see cref="RequestTimeout"/> and never with a 5xx.</summary>
    public static async Task<RawAnswer> PostRawAsync(this HttpClient client, string path, HttpContent content)
    {
        using var timeout = new CancellationTokenSource(RequestTimeout);
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content, timeout.Token);
        var body = await response.Content.ReadAsStringAsync(timeout.Token);
        Assert.True((int)response.StatusCode < 500, $"POST {path} answered {(int)response.StatusCode}: {body}");
        return new RawAnswer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
    }

    public static async Task<RawAnswer> GetRawAsync(this HttpClient client, string path)
    {
        using var timeout = new CancellationTokenSource(RequestTimeout);
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), timeout.Token);
        var body = await response.Content.ReadAsStringAsync(timeout.Token);
        return new RawAnswer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
    }

    public static ByteArrayContent Json(string text) => Bytes(Encoding.UTF8.GetBytes(text), "application/json");

    public static ByteArrayContent Bytes(byte[] bytes, string? contentType)
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return content;
    }
}

/// <summary>An HTTP answer as received.</summary>
internal sealed record RawAnswer(HttpStatusCode Status, string? MediaType, string Body);

/// <summary>The AdmissionReview the webhook answered with.</summary>
internal sealed record ReviewAnswer(JsonObject Review)
{
    public string? ApiVersion => (string?)Review["apiVersion"];

    public string? Kind => (string?)Review["kind"];

    public JsonObject Response => Review["response"]!.AsObject();

    public string? Uid => (string?)Response["uid"];

    public bool Allowed => (bool)Response["allowed"]!;

    public int? Code => (int?)Response["status"]?["code"];

    public string? Reason => (string?)Response["status"]?["reason"];

    public string Message => (string?)Response["status"]?["message"] ?? string.Empty;

    public string? PatchType => (string?)Response["patchType"];

    public bool HasPatch => Response.ContainsKey("patch");

    /// <summary>The decoded RFC 6902 patch text.</summary>
    public string PatchText => Encoding.UTF8.GetString(Convert.FromBase64String((string?)Response["patch"] ?? throw new InvalidOperationException("the answer carries no patch")));

    public JsonArray PatchOperations => JsonNode.Parse(PatchText)!.AsArray();

    public IReadOnlyList<string> Warnings => Response["warnings"]?.AsArray().Select(warning => (string)warning!).ToList() ?? [];

    public JsonObject AuditAnnotations => Response["auditAnnotations"]?.AsObject() ?? [];

    public static ReviewAnswer Parse(string body) => new(JsonNode.Parse(body)!.AsObject());

    /// <summary>Applies the patch to a copy of <paramref name="target"/> with a real JSON Patch implementation.</summary>
    public JsonObject ApplyPatchTo(JsonObject target)
    {
        Assert.Equal("JSONPatch", PatchType);
        var patch = JsonSerializer.Deserialize<JsonPatchDocument>(PatchText) ?? throw new InvalidOperationException("the patch is JSON null");
        var copy = target.DeepClone().AsObject();
        patch.ApplyTo(copy);
        return copy;
    }
}
