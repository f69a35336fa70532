using System.Text.Json.Nodes;
using AdmissionWebhook.Admission;

namespace AdmissionWebhook.Cli;

/// <summary>Applies the webhook's own patch operations (add/replace of object members) to a copy of the task, as the apiserver would.</summary>
internal static class PatchApplier
{
    public static JsonNode Apply(JsonNode document, IReadOnlyList<PatchOperation> operations)
    {
        foreach (var operation in operations)
        {
            var segments = operation.Path.Split('/')[1..].Select(Unescape).ToArray();
            var parent = document;
            foreach (var segment in segments[..^1])
            {
                parent = parent[segment] ?? throw new InvalidOperationException($"patch path {operation.Path}: {segment} does not exist");
            }

            var value = operation.Value switch
            {
                string text => JsonValue.Create(text),
                int number => JsonValue.Create(number),
                _ => throw new InvalidOperationException($"unsupported patch value at {operation.Path}"),
            };
            parent.AsObject()[segments[^1]] = value;
        }

        return document;
    }

    private static string Unescape(string segment) => segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
}
