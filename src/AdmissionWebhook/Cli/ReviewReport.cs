using System.Text.Encodings.Web;
using System.Text.Json;
using AdmissionWebhook.Validation;

namespace AdmissionWebhook.Cli;

/// <summary>Prints review results: a readable report, or one JSON array for machines.</summary>
internal static class ReviewReport
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteText(TextWriter output, IReadOnlyList<ReviewResult> results, string stateDescription)
    {
        output.WriteLine($"Reviewed {results.Count} KeptnTask(s) against {stateDescription}");
        foreach (var result in results)
        {
            var outcome = result.Outcome;
            var verdict = outcome.Allowed ? "ALLOWED" : $"DENIED ({outcome.Status!.Code} {outcome.Status.Reason})";
            output.WriteLine();
            // Names come from the reviewed files: a newline or terminal escape in one must not forge or hide report lines.
            output.WriteLine($"{verdict}  {NameRule.Quote(result.Namespace)}/{(result.Name is { } name ? NameRule.Quote(name) : "<no name>")}  [{result.File}]");
            if (outcome.Status is { } status)
            {
                output.WriteLine($"  {status.Message}");
            }

            foreach (var warning in outcome.Warnings)
            {
                output.WriteLine($"  warning: {warning}");
            }

            foreach (var operation in outcome.Patch)
            {
                var value = operation.Value is string text ? $"\"{text}\"" : operation.Value.ToString();
                output.WriteLine($"  patch: {operation.Op} {operation.Path} = {value}");
            }
        }

        var denied = results.Count(result => !result.Outcome.Allowed);
        output.WriteLine();
        output.WriteLine($"{results.Count - denied} allowed, {denied} denied");
    }

    public static void WriteJson(TextWriter output, IReadOnlyList<ReviewResult> results)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Indented))
        {
            writer.WriteStartArray();
            foreach (var result in results)
            {
                var outcome = result.Outcome;
                writer.WriteStartObject();
                writer.WriteString("file", result.File);
                writer.WriteString("namespace", result.Namespace);
                writer.WriteString("name", result.Name);
                writer.WriteBoolean("allowed", outcome.Allowed);
                writer.WriteNumber("code", outcome.Status?.Code ?? 200);
                writer.WriteString("message", outcome.Status?.Message);
                writer.WriteStartArray("warnings");
                foreach (var warning in outcome.Warnings)
                {
                    writer.WriteStringValue(warning);
                }

                writer.WriteEndArray();
                writer.WritePropertyName("patch");
                if (outcome.Patch.Count == 0)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    writer.WriteRawValue(JsonPatchWriterBytes(outcome));
                }

                writer.WritePropertyName("object");
                result.MutatedObject.WriteTo(writer);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static byte[] JsonPatchWriterBytes(Admission.AdmissionOutcome outcome) => Admission.JsonPatchWriter.ToUtf8(outcome.Patch);
}
