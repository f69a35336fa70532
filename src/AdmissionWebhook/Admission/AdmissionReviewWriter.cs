using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AdmissionWebhook.Admission;

/// <summary>Encodes the answer AdmissionReview straight to UTF-8, in the version the request used.</summary>
internal static class AdmissionReviewWriter
{
    // Messages hold user-chosen names; the relaxed encoder keeps quotes readable while still escaping control characters.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(IBufferWriter<byte> output, AdmissionReviewVersion version, string uid, AdmissionOutcome outcome)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("apiVersion"u8, version == AdmissionReviewVersion.V1 ? AdmissionReviewReader.V1ApiVersion : AdmissionReviewReader.V1Beta1ApiVersion);
        writer.WriteString("kind"u8, "AdmissionReview"u8);
        writer.WriteStartObject("response"u8);
        writer.WriteString("uid"u8, uid);
        writer.WriteBoolean("allowed"u8, outcome.Allowed);

        if (outcome.Status is { } status)
        {
            writer.WriteStartObject("status"u8);
            writer.WriteStartObject("metadata"u8);
            writer.WriteEndObject();
            writer.WriteString("status"u8, "Failure"u8);
            writer.WriteString("message"u8, status.Message);
            writer.WriteString("reason"u8, status.Reason);
            writer.WriteNumber("code"u8, status.Code);
            writer.WriteEndObject();
        }

        if (outcome.Patch.Count > 0)
        {
            writer.WriteString("patchType"u8, "JSONPatch"u8);
            // The patch is encoded into a per-thread buffer and base64-written from there: no array per answer.
            var patch = JsonPatchWriter.Buffer;
            patch.ResetWrittenCount();
            JsonPatchWriter.Write(patch, outcome.Patch);
            writer.WriteBase64String("patch"u8, patch.WrittenSpan);
            if (patch.Capacity > JsonPatchWriter.MaxRetainedBuffer)
            {
                JsonPatchWriter.ReleaseBuffer();
            }
        }

        if (outcome.Warnings.Count > 0)
        {
            writer.WriteStartArray("warnings"u8);
            foreach (var warning in outcome.Warnings)
            {
                writer.WriteStringValue(warning);
            }

            writer.WriteEndArray();
        }

        if (outcome.AuditAnnotations.Count > 0)
        {
            writer.WriteStartObject("auditAnnotations"u8);
            foreach (var (key, value) in outcome.AuditAnnotations)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}

/// <summary>Writes RFC 6902 operations, escaping nothing the paths do not need (they are built by <see cref="JsonPointer"/>).</summary>
internal static class JsonPatchWriter
{
    public const int MaxRetainedBuffer = 16 * 1024;

    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>A buffer for one patch at a time on this thread (callers reset it first, and never hold it across an await).</summary>
    public static ArrayBufferWriter<byte> Buffer => t_buffer ??= new ArrayBufferWriter<byte>(1024);

    /// <summary>Drops this thread's buffer after an unusually large patch, so it is not kept for ever.</summary>
    public static void ReleaseBuffer() => t_buffer = null;

    public static byte[] ToUtf8(IReadOnlyList<PatchOperation> operations)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, operations);
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(IBufferWriter<byte> output, IReadOnlyList<PatchOperation> operations)
    {
        using var writer = new Utf8JsonWriter(output, Options);
        writer.WriteStartArray();
        foreach (var operation in operations)
        {
            writer.WriteStartObject();
            writer.WriteString("op"u8, operation.Op);
            writer.WriteString("path"u8, operation.Path);
            writer.WritePropertyName("value"u8);
            switch (operation.Value)
            {
                case string text:
                    writer.WriteStringValue(text);
                    break;
                case int number:
                    writer.WriteNumberValue(number);
                    break;
                default:
                    throw new InvalidOperationException($"unsupported patch value type {operation.Value.GetType()}");
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}

/// <summary>RFC 6901 JSON Pointers.</summary>
internal static class JsonPointer
{
    public static string Of(params ReadOnlySpan<string> segments)
    {
        var pointer = new System.Text.StringBuilder();
        foreach (var segment in segments)
        {
            pointer.Append('/').Append(segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal));
        }

        return pointer.ToString();
    }
}
