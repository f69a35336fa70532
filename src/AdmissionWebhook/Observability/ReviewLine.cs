using System.Buffers;
using System.Globalization;
using System.Text;

namespace AdmissionWebhook.Observability;

/// <summary>
/// The review line (SPEC 6) written straight to UTF-8, byte for byte the line Serilog's formatters write for the event
/// <see cref="ReviewLog"/> would otherwise build — text (<c>[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}</c>) or
/// rendered compact JSON — but without the event, its eleven property objects, the dictionary and two template walks:
/// that was a tenth of a review's CPU (docs/performance.md). ReviewLineTests hold it to Serilog's output.
/// </summary>
internal readonly record struct ReviewLine(
    DateTimeOffset Timestamp, string Endpoint, string Operation, string Namespace, string Name, string Uid, string Decision, string Reason, bool DryRun, TimeSpan Elapsed)
{
    private static readonly byte[] EventIdHash = Encoding.UTF8.GetBytes(
        $"\"@i\":\"{Serilog.Formatting.Compact.EventIdHash.Compute(ReviewLog.Template.Text):x8}\"");

    private static readonly byte[] Tail = Encoding.UTF8.GetBytes(
        $",\"EventId\":{{\"Id\":1,\"Name\":\"Reviewed\"}},\"SourceContext\":\"{ReviewLog.Category}\"}}{Environment.NewLine}");

    private static readonly byte[] NewLine = Encoding.UTF8.GetBytes(Environment.NewLine);


    private static readonly SearchValues<char> NeedsJsonEscape = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f");

    public void WriteText(ArrayBufferWriter<byte> output)
    {
        Ascii(output, "[");
        Formatted(output, Timestamp, "HH:mm:ss");
        Ascii(output, " INF] ");
        WriteMessage(output, json: false);
        output.Write(NewLine);
    }

    /// <summary>Serilog.Formatting.Compact's RenderedCompactJsonFormatter, invariant culture.</summary>
    public void WriteJson(ArrayBufferWriter<byte> output)
    {
        Ascii(output, "{\"@t\":\"");
        Formatted(output, Timestamp.UtcDateTime, "O");
        Ascii(output, "\",\"@m\":\"");
        WriteMessage(output, json: true);
        Ascii(output, "\",");
        output.Write(EventIdHash);
        Property(output, "Endpoint", Endpoint);
        Property(output, "Operation", Operation);
        Property(output, "Namespace", Namespace);
        Property(output, "Name", Name);
        Property(output, "Uid", Uid);
        Property(output, "Decision", Decision);
        Property(output, "Reason", Reason);
        Ascii(output, DryRun ? ",\"DryRun\":true,\"DurationMs\":" : ",\"DryRun\":false,\"DurationMs\":");
        Formatted(output, Elapsed.TotalMilliseconds, "R");
        output.Write(Tail);
    }

    /// <summary>
    /// The template rendered: for the text line as <c>{Message:lj}</c> does (strings as they are, the rest as JSON); for
    /// "@m" as Serilog renders by default (strings in quotes, a quote inside as \", True/False), then JSON-escaped whole.
    /// </summary>
    private void WriteMessage(ArrayBufferWriter<byte> output, bool json)
    {
        Value(output, Endpoint, json);
        Ascii(output, " ");
        Value(output, Operation, json);
        Ascii(output, " ");
        Value(output, Namespace, json);
        Ascii(output, "/");
        Value(output, Name, json);
        Ascii(output, " uid=");
        Value(output, Uid, json);
        Ascii(output, ": ");
        Value(output, Decision, json);
        Ascii(output, " ");
        Value(output, Reason, json);
        Ascii(output, (json, DryRun) switch
        {
            (true, true) => " dryRun=True in ",
            (true, false) => " dryRun=False in ",
            (false, true) => " dryRun=true in ",
            (false, false) => " dryRun=false in ",
        });
        Milliseconds(output, Elapsed);
        Ascii(output, " ms");
    }

    private static void Value(ArrayBufferWriter<byte> output, string value, bool json)
    {
        if (json)
        {
            Quoted(output, value);
        }
        else
        {
            Utf8(output, value);
        }
    }

    private static void Property(ArrayBufferWriter<byte> output, string name, string value)
    {
        Ascii(output, ",\"");
        Ascii(output, name);
        Ascii(output, "\":\"");
        JsonEscaped(output, value);
        Ascii(output, "\"");
    }

    /// <summary>A string value inside "@m": Serilog's <c>"value"</c> with inner quotes as <c>\"</c>, JSON-escaped.</summary>
    private static void Quoted(ArrayBufferWriter<byte> output, string value)
    {
        Ascii(output, "\\\"");
        var rest = value.AsSpan();
        for (var quote = rest.IndexOf('"'); quote >= 0; quote = rest.IndexOf('"'))
        {
            JsonEscaped(output, rest[..quote]);
            Ascii(output, "\\\\\\\"");
            rest = rest[(quote + 1)..];
        }

        JsonEscaped(output, rest);
        Ascii(output, "\\\"");
    }

    /// <summary>Serilog's JsonValueFormatter.WriteQuotedJsonString, without the quotes around.</summary>
    private static void JsonEscaped(ArrayBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        for (var next = text.IndexOfAny(NeedsJsonEscape); next >= 0; next = text.IndexOfAny(NeedsJsonEscape))
        {
            Utf8(output, text[..next]);
            Ascii(output, text[next] switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\f' => "\\f",
                '\t' => "\\t",
                var control => $"\\u{(int)control:X4}",
            });
            text = text[(next + 1)..];
        }

        Utf8(output, text);
    }

    /// <summary>
    /// The template's <c>{DurationMs:0.000}</c> of <c>TotalMilliseconds</c>, from the ticks: whole microseconds rounded
    /// half up are the same digits, except where the tick count ends in 5 — there the double's binary value decides which
    /// way it rounds, so the double is formatted as Serilog does.
    /// </summary>
    private static void Milliseconds(ArrayBufferWriter<byte> output, TimeSpan elapsed)
    {
        var ticks = elapsed.Ticks;
        if (ticks < 0 || ticks % 10 == 5)
        {
            Formatted(output, elapsed.TotalMilliseconds, "0.000");
            return;
        }

        var microseconds = (ticks + 5) / 10;
        Formatted(output, microseconds / 1000, "D");
        Ascii(output, ".");
        Formatted(output, microseconds % 1000, "D3");
    }

    private static void Utf8(ArrayBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var written = Encoding.UTF8.GetBytes(text, output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length)));
        output.Advance(written);
    }

    private static void Ascii(ArrayBufferWriter<byte> output, string text) => Utf8(output, text);

    private static void Formatted<T>(ArrayBufferWriter<byte> output, T value, string format)
        where T : IUtf8SpanFormattable
    {
        var span = output.GetSpan(64);
        if (!value.TryFormat(span, out var written, format, CultureInfo.InvariantCulture))
        {
            span = output.GetSpan(256);
            value.TryFormat(span, out written, format, CultureInfo.InvariantCulture);
        }

        output.Advance(written);
    }
}
