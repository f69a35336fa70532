using System.Buffers;
using System.Text;

namespace AdmissionWebhook.KeptnTasks;

/// <summary>
/// Text written as the inside of a JSON string, in UTF-8, escaping only what JSON requires: <c>"</c>, <c>\</c> and the
/// control characters (as <c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\f</c> or <c>\uXXXX</c>), which is also what Serilog's JSON
/// formatters escape. The text is transcoded once and searched for those bytes with a vectorised scan; a denial's
/// message, with its quoted names, went through Utf8JsonWriter's escaper one character at a time after the first quote
/// (four times the cost, docs/performance.md). A lone surrogate becomes U+FFFD, as every UTF-8 encoder here writes it.
/// </summary>
internal static class JsonEscaping
{
    /// <summary>
    /// The most bytes <see cref="Escape(Span{byte}, ReadOnlySpan{char})"/> writes for a character: a control character as
    /// <c>\u001F</c>; any other character three at most.
    /// </summary>
    public const int MaxBytesPerChar = 6;

    /// <summary>
    /// Text longer than this is escaped in pieces (<see cref="Utf8Output.Escaped"/>), so a huge value (a name near the
    /// body limit, in the review line) never asks for six times its size at once.
    /// </summary>
    public const int PieceChars = 2048;

    private static readonly SearchValues<byte> NeedsEscape = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f"u8 +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"u8);

    /// <summary>
    /// Writes the text escaped at the start of <paramref name="destination"/>, which has room for
    /// <see cref="MaxBytesPerChar"/> bytes per character, and returns the bytes written. The text is transcoded to the
    /// end of that room and escaped forward from there: what is written never overtakes what is still to be read, since
    /// every byte yet to be read writes at least one byte and the whole fits the room.
    /// </summary>
    public static int Escape(Span<byte> destination, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return 0;
        }

        var room = destination[..(text.Length * MaxBytesPerChar)];

        // Most values are ASCII: one byte per character, converted without counting first.
        var rest = room[(room.Length - text.Length)..];
        if (Ascii.FromUtf16(text, rest, out _) != OperationStatus.Done)
        {
            rest = room[(room.Length - Encoding.UTF8.GetByteCount(text))..];
            Encoding.UTF8.GetBytes(text, rest);
        }

        var written = 0;
        for (var next = rest.IndexOfAny(NeedsEscape); next >= 0; next = rest.IndexOfAny(NeedsEscape))
        {
            var escape = Escape(rest[next]);
            rest[..next].CopyTo(room[written..]);
            written += next;
            rest = rest[(next + 1)..];
            escape.CopyTo(room[written..]);
            written += escape.Length;
        }

        rest.CopyTo(room[written..]);
        return written + rest.Length;
    }

    private static ReadOnlySpan<byte> Escape(byte character) => character switch
    {
        (byte)'"' => "\\\""u8,
        (byte)'\\' => "\\\\"u8,
        (byte)'\n' => "\\n"u8,
        (byte)'\r' => "\\r"u8,
        (byte)'\f' => "\\f"u8,
        (byte)'\t' => "\\t"u8,
        _ => ControlEscapes.Slice(character * 6, 6),
    };

    /// <summary><c>\u0000</c> to <c>\u001F</c>, six bytes each, upper-case hex as Serilog writes them.</summary>
    private static ReadOnlySpan<byte> ControlEscapes =>
        "\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\u0008\\u0009\\u000A\\u000B\\u000C\\u000D\\u000E\\u000F\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001A\\u001B\\u001C\\u001D\\u001E\\u001F"u8;
}
