using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace AdmissionWebhook.KeptnTasks;

/// <summary>
/// One field of a KeptnTask as the rules read it: its JSON type and, for a string or a number, its text. Made from the
/// raw JSON of the value, by the decoder's pass or from a document, so both ways read a field the same. A plain ASCII
/// string is decoded at once; a string with escapes or other bytes keeps its raw JSON and is decoded by System.Text.Json
/// when a rule reads it, so one that is not valid Unicode throws there (InvalidOperationException, answered 400), as a
/// <see cref="JsonElement"/> did.
/// </summary>
internal readonly struct FieldValue
{
    /// <summary>
    /// A plain string's value or a number's text (a <see cref="string"/>), or the raw JSON of a string that is not plain
    /// ASCII, quotes included (a <see cref="byte"/> array). One field, so a task's two dozen fields stay small.
    /// </summary>
    private readonly object? _value;

    private FieldValue(JsonValueKind kind, object? value)
    {
        Kind = kind;
        _value = value;
    }

    private string? Text => _value as string;

    /// <summary><see cref="JsonValueKind.Undefined"/> when the field is missing (or its parent is no object).</summary>
    public JsonValueKind Kind { get; }

    public bool IsAbsent => Kind is JsonValueKind.Undefined or JsonValueKind.Null;

    /// <summary>True when the field is missing, null or the empty string: the values Keptn treats as "not set".</summary>
    public bool IsUnsetString => IsAbsent || (Kind == JsonValueKind.String && Text is { Length: 0 });

    /// <summary>The value of a string field, else null.</summary>
    public string? StringOrNull() => Kind != JsonValueKind.String ? null : Text ?? Decode((byte[])_value!);

    /// <summary>The value's JSON text for a number or a string (a string's with its quotes), for messages.</summary>
    public string RawText() => _value switch
    {
        byte[] encoded => Encoding.UTF8.GetString(encoded),
        string text when Kind == JsonValueKind.String => $"\"{text}\"",
        _ => Text ?? string.Empty,
    };

    /// <summary>The JSON type name as a user reads it in a message ("a number", "an object").</summary>
    public string Describe() => JsonFields.Describe(Kind);

    /// <summary>A number that is a whole <see cref="int"/>, read as <see cref="JsonElement.TryGetInt32"/> reads it.</summary>
    public bool TryGetInt32(out int value)
    {
        value = 0;
        return Kind == JsonValueKind.Number && WithNumberReader(static (ref Utf8JsonReader reader, out int number) => reader.TryGetInt32(out number), out value);
    }

    /// <summary>A number as a <see cref="decimal"/>, read as <see cref="JsonElement.TryGetDecimal"/> reads it.</summary>
    public bool TryGetDecimal(out decimal value)
    {
        value = 0;
        return Kind == JsonValueKind.Number && WithNumberReader(static (ref Utf8JsonReader reader, out decimal number) => reader.TryGetDecimal(out number), out value);
    }

    /// <summary>The field whose raw JSON is <paramref name="raw"/> (a string's with its quotes), of type <paramref name="kind"/>.</summary>
    public static FieldValue Of(JsonValueKind kind, ReadOnlySpan<byte> raw)
    {
        switch (kind)
        {
            case JsonValueKind.String:
                var content = raw[1..^1];
                if (content.IndexOf((byte)'\\') < 0 && Ascii.IsValid(content))
                {
                    return new FieldValue(kind, KnownValues.Of(content) ?? Encoding.ASCII.GetString(content));
                }

                return new FieldValue(kind, raw.ToArray());
            case JsonValueKind.Number:
                return new FieldValue(kind, Encoding.ASCII.GetString(raw));
            default:
                return new FieldValue(kind, null);
        }
    }

    /// <summary>Only the type: for an object, an array, a boolean or null (a string or number needs its text: <see cref="Of"/>).</summary>
    public static FieldValue OfKind(JsonValueKind kind)
    {
        Debug.Assert(kind is not (JsonValueKind.String or JsonValueKind.Number), "a string or number field needs its text");
        return new(kind, null);
    }

    private static string Decode(byte[] encoded)
    {
        var reader = new Utf8JsonReader(encoded);
        reader.Read();
        return reader.GetString()!;
    }

    private delegate bool NumberRead<T>(ref Utf8JsonReader reader, out T value);

    /// <summary>Runs <paramref name="read"/> on a reader over the number, the parser <see cref="JsonElement"/> uses.</summary>
    private bool WithNumberReader<T>(NumberRead<T> read, out T value)
    {
        var text = Text!;
        var rented = text.Length > 64 ? ArrayPool<byte>.Shared.Rent(text.Length) : null;
        try
        {
            Span<byte> bytes = rented ?? stackalloc byte[64];
            var length = Encoding.ASCII.GetBytes(text, bytes);
            var reader = new Utf8JsonReader(bytes[..length]);
            reader.Read();
            return read(ref reader, out value);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
