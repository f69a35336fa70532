using System.Text.Json;

namespace AdmissionWebhook.KeptnTasks;

/// <summary>Null-safe navigation over raw request JSON, so rules can ask about fields that may be missing or mistyped.</summary>
internal static class JsonFields
{
    /// <summary>The member <paramref name="name"/> of an object, or an undefined element when the parent is no object or lacks it.</summary>
    public static JsonElement Field(this JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) ? value : default;

    /// <summary>The same, by a UTF-8 name (<c>"spec"u8</c>): the name is not transcoded on every lookup.</summary>
    public static JsonElement Field(this JsonElement parent, ReadOnlySpan<byte> utf8Name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(utf8Name, out var value) ? value : default;

    public static bool IsAbsent(this JsonElement element) =>
        element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null;

    public static string? StringOrNull(this JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? element.GetString() : null;

    /// <summary>True when the field is missing, null or the empty string: the values Keptn treats as "not set".</summary>
    public static bool IsUnsetString(this JsonElement element) =>
        element.IsAbsent() || (element.ValueKind == JsonValueKind.String && element.ValueEquals(string.Empty));

    /// <summary>The JSON type name as a user reads it in a message ("a number", "an object").</summary>
    public static string Describe(this JsonElement element) => Describe(element.ValueKind);

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "missing",
    };
}
