using System.Buffers;
using System.Text;
using AdmissionWebhook.KeptnTasks;

namespace AdmissionWebhook.Observability;

/// <summary>
/// The review line (SPEC 6) written straight to UTF-8, byte for byte the line Serilog's formatters write for the event
/// <see cref="ReviewLog"/> would otherwise build — text (<c>[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}</c>) or
/// rendered compact JSON — but without the event, its eleven property objects, the dictionary and two template walks:
/// that was a tenth of a review's CPU (docs/performance.md). ReviewLineTests hold it to Serilog's output.
/// </summary>
internal readonly record struct ReviewLine(
    DateTimeOffset Timestamp, string Endpoint, string Operation, string Namespace, string Name, string Uid, string Decision, ReviewReason Reason, bool DryRun, TimeSpan Elapsed)
{
    private static readonly byte[] EventIdHash = Encoding.UTF8.GetBytes(
        $"\"@i\":\"{Serilog.Formatting.Compact.EventIdHash.Compute(ReviewLog.JsonTemplate.Text):x8}\"");

    private static readonly byte[] Tail = Encoding.UTF8.GetBytes(
        $",\"EventId\":{{\"Id\":1,\"Name\":\"Reviewed\"}},\"SourceContext\":\"{ReviewLog.Category}\"}}{Environment.NewLine}");

    private static readonly byte[] NewLine = Encoding.UTF8.GetBytes(Environment.NewLine);

    public void WriteText(IBufferWriter<byte> destination)
    {
        var output = new Utf8Output(destination);
        output.Write("["u8);
        output.Formatted(Timestamp, "HH:mm:ss");
        output.Write(" INF] "u8);
        WriteMessage(ref output, json: false);
        output.Write(NewLine);
        output.Flush();
    }

    /// <summary>Serilog.Formatting.Compact's RenderedCompactJsonFormatter, invariant culture.</summary>
    public void WriteJson(IBufferWriter<byte> destination)
    {
        var output = new Utf8Output(destination);
        output.Write("{\"@t\":\""u8);
        output.Formatted(Timestamp.UtcDateTime, "O");
        output.Write("\",\"@m\":\""u8);
        WriteMessage(ref output, json: true);
        output.Write("\","u8);
        output.Write(EventIdHash);
        Property(ref output, ",\"Endpoint\":\""u8, Endpoint);
        Property(ref output, ",\"Operation\":\""u8, Operation);
        Property(ref output, ",\"Namespace\":\""u8, Namespace);
        Property(ref output, ",\"Name\":\""u8, Name);
        Property(ref output, ",\"Uid\":\""u8, Uid);
        Property(ref output, ",\"Decision\":\""u8, Decision);
        output.Write(",\"Reason\":\""u8);
        WriteReason(ref output, json: true);
        output.Write("\""u8);
        output.Write(DryRun ? ",\"DryRun\":true,\"DurationMs\":"u8 : ",\"DryRun\":false,\"DurationMs\":"u8);
        RoundTripMilliseconds(ref output, Elapsed);
        output.Write(Tail);
        output.Flush();
    }

    /// <summary>
    /// The sentence: <see cref="ReviewLog.Template"/> for the text line, <see cref="ReviewLog.JsonTemplate"/> (no reason)
    /// for "@m". Strings as they are (the templates' <c>:l</c>), JSON-escaped for "@m"; DryRun as Serilog renders a bool,
    /// <c>True</c>/<c>False</c> in "@m" and JSON's <c>true</c>/<c>false</c> in the text line's <c>{Message:lj}</c>.
    /// </summary>
    private void WriteMessage(ref Utf8Output output, bool json)
    {
        Value(ref output, Endpoint, json);
        output.Write(" "u8);
        Value(ref output, Operation, json);
        output.Write(" "u8);
        Value(ref output, Namespace, json);
        output.Write("/"u8);
        Value(ref output, Name, json);
        output.Write(" uid="u8);
        Value(ref output, Uid, json);
        output.Write(": "u8);
        Value(ref output, Decision, json);
        if (!json)
        {
            output.Write(" "u8);
            WriteReason(ref output, json: false);
        }

        output.Write((json, DryRun) switch
        {
            (true, true) => " dryRun=True in "u8,
            (true, false) => " dryRun=False in "u8,
            (false, true) => " dryRun=true in "u8,
            (false, false) => " dryRun=false in "u8,
        });
        Milliseconds(ref output, Elapsed);
        output.Write(" ms"u8);
    }

    /// <summary>A string value of the message, as the template's <c>:l</c> renders it: as it is, JSON-escaped for "@m".</summary>
    private static void Value(ref Utf8Output output, ReadOnlySpan<char> value, bool json)
    {
        if (json)
        {
            output.Escaped(value);
        }
        else
        {
            output.Utf8(value);
        }
    }

    /// <summary>The reason as <see cref="ReviewReason.ToString"/> spells it, written in pieces.</summary>
    private void WriteReason(ref Utf8Output output, bool json)
    {
        if (Reason.Code > 0)
        {
            output.Formatted(Reason.Code);
            output.Write(" "u8);
        }

        Value(ref output, Reason.ShownText, json);
        if (Reason.IsCut)
        {
            output.Utf8(ReviewReason.CutMark);
        }
    }

    /// <summary>A property of the JSON line; <paramref name="name"/> is <c>,"Name":"</c>.</summary>
    private static void Property(ref Utf8Output output, ReadOnlySpan<byte> name, string value)
    {
        output.Write(name);
        output.Escaped(value);
        output.Write("\""u8);
    }

    /// <summary>
    /// The template's <c>{DurationMs:0.000}</c> of <c>TotalMilliseconds</c>, from the ticks: whole microseconds rounded
    /// half up are the same digits, except where the tick count ends in 5 — there the double's binary value decides which
    /// way it rounds, so the double is formatted as Serilog does.
    /// </summary>
    private static void Milliseconds(ref Utf8Output output, TimeSpan elapsed)
    {
        var ticks = elapsed.Ticks;
        if (ticks < 0 || ticks % 10 == 5)
        {
            output.Formatted(elapsed.TotalMilliseconds, "0.000");
            return;
        }

        var microseconds = (ticks + 5) / 10;
        output.Formatted(microseconds / 1000, "D");
        output.Write("."u8);
        output.Formatted(microseconds % 1000, "D3");
    }

    /// <summary>
    /// <c>TotalMilliseconds</c> as Serilog writes a double into JSON (<c>"R"</c>, the shortest text that reads back as the
    /// same double), from the ticks: below 10^15 ticks, ticks / 10,000 is the double nearest the decimal and no shorter
    /// decimal reads back as it, so the digits are the ticks' own with trailing zeros dropped — without formatting a
    /// double, which was a tenth of the line's cost.
    /// </summary>
    private static void RoundTripMilliseconds(ref Utf8Output output, TimeSpan elapsed)
    {
        var ticks = elapsed.Ticks;
        if (ticks is < 0 or >= 1_000_000_000_000_000)
        {
            output.Formatted(elapsed.TotalMilliseconds, "R");
            return;
        }

        output.Formatted(ticks / TimeSpan.TicksPerMillisecond, "D");
        var fraction = (int)(ticks % TimeSpan.TicksPerMillisecond);
        if (fraction == 0)
        {
            return;
        }

        var digits = 4;
        while (fraction % 10 == 0)
        {
            fraction /= 10;
            digits--;
        }

        var span = output.Free(digits + 1);
        span[0] = (byte)'.';
        for (var i = digits; i > 0; i--, fraction /= 10)
        {
            span[i] = (byte)('0' + (fraction % 10));
        }

        output.Advance(digits + 1);
    }
}
