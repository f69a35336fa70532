using System.Buffers;
using AdmissionWebhook.KeptnTasks;

namespace AdmissionWebhook.Admission;

/// <summary>
/// Encodes the answer AdmissionReview straight to UTF-8, in the version the request used. Written by hand rather than
/// with a Utf8JsonWriter: its shape is fixed, and strings go through <see cref="JsonEscaping"/>, which keeps quotes in
/// a message readable (<c>\"</c>, never <c>\u0022</c>) and escapes control characters.
/// </summary>
internal static class AdmissionReviewWriter
{
    private static readonly byte[] V1Head = Head(AdmissionReviewReader.V1ApiVersion);
    private static readonly byte[] V1Beta1Head = Head(AdmissionReviewReader.V1Beta1ApiVersion);

    public static void Write(IBufferWriter<byte> destination, AdmissionReviewVersion version, string uid, AdmissionOutcome outcome)
    {
        var output = new Utf8Output(destination);
        output.Write(version == AdmissionReviewVersion.V1 ? V1Head : V1Beta1Head);
        output.String(uid);
        output.Write(outcome.Allowed ? ""","allowed":true"""u8 : ""","allowed":false"""u8);

        if (outcome.Status is { } status)
        {
            output.Write(""","status":{"metadata":{},"status":"Failure","message":"""u8);
            output.String(status.Message);
            output.Write(""","reason":"""u8);
            output.String(status.Reason);
            output.Write(""","code":"""u8);
            output.Formatted(status.Code);
            output.Write("}"u8);
        }

        if (outcome.Patch.Count > 0)
        {
            output.Write(",\"patchType\":\"JSONPatch\",\"patch\":\""u8);
            // The patch is encoded into a per-thread buffer and base64-written from there: no array per answer.
            var patch = JsonPatchWriter.Buffer;
            patch.ResetWrittenCount();
            JsonPatchWriter.Write(patch, outcome.Patch);
            output.Base64(patch.WrittenSpan);
            output.Write("\""u8);
            if (patch.Capacity > JsonPatchWriter.MaxRetainedBuffer)
            {
                JsonPatchWriter.ReleaseBuffer();
            }
        }

        if (outcome.Warnings.Count > 0)
        {
            output.Write(""","warnings":["""u8);
            for (var i = 0; i < outcome.Warnings.Count; i++)
            {
                if (i > 0)
                {
                    output.Write(","u8);
                }

                output.String(outcome.Warnings[i]);
            }

            output.Write("]"u8);
        }

        if (outcome.AuditAnnotations.Count > 0)
        {
            output.Write(""","auditAnnotations":{"""u8);
            var first = true;
            foreach (var (key, value) in outcome.AuditAnnotations)
            {
                if (!first)
                {
                    output.Write(","u8);
                }

                first = false;
                output.String(key);
                output.Write(":"u8);
                output.String(value);
            }

            output.Write("}"u8);
        }

        output.Write("}}"u8);
        output.Flush();
    }

    /// <summary>Everything before the uid's value, for one version.</summary>
    private static byte[] Head(string apiVersion) =>
        System.Text.Encoding.UTF8.GetBytes($$"""{"apiVersion":"{{apiVersion}}","kind":"AdmissionReview","response":{"uid":""");
}

/// <summary>Writes RFC 6902 operations, by hand as the answer around them (<see cref="AdmissionReviewWriter"/>).</summary>
internal static class JsonPatchWriter
{
    public const int MaxRetainedBuffer = 16 * 1024;

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

    public static void Write(IBufferWriter<byte> destination, IReadOnlyList<PatchOperation> operations)
    {
        var output = new Utf8Output(destination);
        output.Write("["u8);
        for (var i = 0; i < operations.Count; i++)
        {
            var operation = operations[i];
            output.Write(i == 0 ? "{\"op\":"u8 : ",{\"op\":"u8);
            output.String(operation.Op);
            output.Write(",\"path\":"u8);
            output.String(operation.Path);
            output.Write(",\"value\":"u8);
            switch (operation.Value)
            {
                case string text:
                    output.String(text);
                    break;
                case int number:
                    output.Formatted(number);
                    break;
                default:
                    throw new InvalidOperationException($"unsupported patch value type {operation.Value.GetType()}");
            }

            output.Write("}"u8);
        }

        output.Write("]"u8);
        output.Flush();
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
