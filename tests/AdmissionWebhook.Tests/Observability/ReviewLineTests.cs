using System.Buffers;
using System.Globalization;
using System.Text;
using AdmissionWebhook.Hosting;
using AdmissionWebhook.Observability;
using AdmissionWebhook.Validation;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace AdmissionWebhook.Tests.Observability;

/// <summary>The review line written straight to UTF-8 must be the line Serilog's own formatters write for its event, byte for byte.</summary>
public sealed class ReviewLineTests
{
    public static TheoryData<string, string, string, string, string, string, int, string?, bool, double> Reviews => new()
    {
        { "validate", "CREATE", "podtato-kubectl", "frontend-entry-check-7", "08a1ab4e-214c-4dd9-9174-d4103a732b58", "allowed", 0, null, false, 0.0114 },
        { "mutate", "CREATE", "podtato-kubectl", "frontend-entry-check-7", "u-2", "patched", 0, "5 patch operations", true, 12.34567 },
        { "validate", "CREATE", "podtato-kubectl", "helloworldtask-1", "u-3", "denied", 409, "KeptnTask \"helloworldtask-1\" cannot be created: metadata.name: create this one as \"helloworldtask-2\"", false, 1234.5 },
        { "validate", "UPDATE", "ns", NameRule.Quote("evil\r\n[01:02:03 INF] forged\u001b[2J\"\\" + new string('x', 100)), "u-4", "denied", 422, "spec: a \\ backslash, a \"quote\", a\ttab and a\u0001", false, 0 },
        { "mutate", "?", string.Empty, "tâsk-ü-日本", string.Empty, "allowed", 0, string.Empty, false, 0.5 },
        { "validate", "CREATE", "n", "t", "u-5", "denied", 422, string.Concat(Enumerable.Repeat("\"日本\" \\ \n", 60)), false, 3 },
        { "validate", "CREATE", "n", "t", "u-5", "denied", 422, new string('x', ReviewReason.MaxTextChars), false, 3 },
        { "validate", "CREATE", "n", "t", "u-5", "denied", 422, new string('x', ReviewReason.MaxTextChars + 1), false, 3 },
        { "other-endpoint", "DELETE", "n", "t", "u-6", "unusual-decision", 0, null, true, 7 },
        { "validate", "CREATE", "n", "t", "u-7", "allowed", 0, null, false, 0.0005 },
        { "validate", "CREATE", "n", "t", "u-8", "allowed", 0, null, false, 0.0015 },
        { "validate", "CREATE", "n", "t", "u-9", "allowed", 0, null, false, 2.675 },
        { "validate", "CREATE", "n", "t", "u-10", "allowed", 0, null, false, 1.0004999 },
        { "validate", "CREATE", "n", "t", "u-11", "allowed", 0, null, false, 31_999.9995 },
        { "validate", "CREATE", "n", "t", "u-12", "allowed", 0, null, false, 0.0035 },
        { "validate", "CREATE", "n", "t", "u-13", "allowed", 0, null, false, 0.0996 },
        { "validate", "CREATE", "n", "t", "u-14", "allowed", 0, null, false, 12_345.6789 },
    };

    [Theory]
    [MemberData(nameof(Reviews))]
    public void TheTextAndJsonLinesAreTheOnesSerilogWrites(string endpoint, string operation, string @namespace, string name, string uid, string decision, int reasonCode, string? reason, bool dryRun, double milliseconds)
    {
        var (textLine, jsonLine) = AssertSameBytesAsSerilog(endpoint, operation, @namespace, name, uid, decision, new ReviewReason(reasonCode, reason ?? string.Empty), dryRun, milliseconds);

        Assert.Contains($" uid={uid}: {decision} ", textLine, StringComparison.Ordinal);
        Assert.Equal(uid, System.Text.Json.JsonDocument.Parse(jsonLine).RootElement.GetProperty("Uid").GetString());
    }

    [Fact]
    public void ADenialsReasonIsItsCodeAndMessageCutTo300CharactersWithAnEllipsis()
    {
        var message = string.Concat(Enumerable.Range(0, 100).Select(i => $"{i:D3}-"));

        var (textLine, jsonLine) = AssertSameBytesAsSerilog("validate", "CREATE", "n", "t", "u", "denied", new ReviewReason(422, message), false, 1);

        var shown = "422 " + message[..297] + "...";
        Assert.Equal(shown, System.Text.Json.JsonDocument.Parse(jsonLine).RootElement.GetProperty("Reason").GetString());
        Assert.Contains($": denied {shown} dryRun=false in ", textLine, StringComparison.Ordinal);
    }

    [Fact]
    public void TheJsonMessageIsASentenceWithoutQuotesAroundEachValueAndTheReasonIsWrittenOnce()
    {
        var (textLine, jsonLine) = AssertSameBytesAsSerilog("validate", "CREATE", "podtato-kubectl", "helloworldtask-1", "u-1", "denied", new ReviewReason(409, "KeptnTask \"helloworldtask-1\" exists"), false, 2.5);

        var json = System.Text.Json.JsonDocument.Parse(jsonLine).RootElement;
        Assert.Equal("validate CREATE podtato-kubectl/helloworldtask-1 uid=u-1: denied dryRun=False in 2.500 ms", json.GetProperty("@m").GetString());
        Assert.Equal("409 KeptnTask \"helloworldtask-1\" exists", json.GetProperty("Reason").GetString());
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(jsonLine, "exists"));
        Assert.EndsWith("uid=u-1: denied 409 KeptnTask \"helloworldtask-1\" exists dryRun=false in 2.500 ms" + Environment.NewLine, textLine, StringComparison.Ordinal);
    }

    // Facts rather than theory rows: xunit's serialisation of theory data would not keep a lone surrogate.
    [Fact]
    public void ALoneSurrogateIsWrittenAsSerilogsUtf8OutputWritesIt() =>
        AssertSameBytesAsSerilog("validate", "CREATE", "lone-\ud800-surrogate", "t\udc00", "u", "denied", new ReviewReason(422, "\"\ud800\""), false, 1);

    [Fact]
    public void EveryControlCharacterIsEscapedAsSerilogEscapesIt()
    {
        var controls = new string([.. Enumerable.Range(0, 0x20).Select(code => (char)code), '\u007f', '"', '\\']);

        AssertSameBytesAsSerilog("validate", "CREATE", controls, controls, controls, "denied", new ReviewReason(422, controls), false, 1);
    }

    [Fact]
    public void ValuesAroundTheSizeOfTheStackBufferAreWrittenWhole()
    {
        foreach (var length in (int[])[168, 169, 170, 171, 512])
        {
            var value = new string('\u00e9', length - 1) + "\"";
            AssertSameBytesAsSerilog("validate", "CREATE", "n", value, "u", "denied", new ReviewReason(422, value), false, 1);
        }
    }

    [Fact]
    public void TheJsonDurationIsTheDoubleSerilogWouldWriteForEveryTickCount()
    {
        var random = new Random(20261124);
        var ticks = Enumerable.Range(0, 30_000).Select(tick => (long)tick)
            .Concat(Enumerable.Range(0, 20_000).Select(_ => random.NextInt64(0, 1_000_000_000_000_000)))
            .Concat([999_999_999_999_999, 1_000_000_000_000_000, 4_503_599_627_370_497, long.MaxValue]);
        foreach (var tick in ticks)
        {
            var elapsed = TimeSpan.FromTicks(tick);
            var json = new ArrayBufferWriter<byte>();
            new ReviewLine(DateTimeOffset.UnixEpoch, "validate", "CREATE", "n", "t", "u", "allowed", ReviewReason.None, false, elapsed).WriteJson(json);

            var written = System.Text.Json.JsonDocument.Parse(json.WrittenMemory).RootElement.GetProperty("DurationMs").GetRawText();
            Assert.Equal(elapsed.TotalMilliseconds.ToString("R", CultureInfo.InvariantCulture), written);
        }
    }

    [Fact]
    public void AHostWithItsOwnSerilogSinksGetsTheReviewAsAnEvent()
    {
        var textEvent = Capture(logger => new ReviewLog(logger, new ReviewLineOutput()).Reviewed("validate", "CREATE", "ns", "t", "u-7", "allowed", ReviewReason.None, false, TimeSpan.FromMilliseconds(1)));
        var jsonEvent = Capture(logger => new ReviewLog(logger, new ReviewLineOutput { Json = true }).Reviewed("validate", "CREATE", "ns", "t", "u-7", "allowed", ReviewReason.None, false, TimeSpan.FromMilliseconds(1)));

        Assert.Same(ReviewLog.Template, textEvent.MessageTemplate);
        Assert.Same(ReviewLog.JsonTemplate, jsonEvent.MessageTemplate);
        Assert.Equal("u-7", ((ScalarValue)textEvent.Properties["Uid"]).Value);
        Assert.Equal("u-7", ((ScalarValue)jsonEvent.Properties["Uid"]).Value);
    }

    /// <summary>The events Serilog gets in a text and in a JSON host when no stdout sink takes the line directly, and the same review as a line.</summary>
    private static (LogEvent TextEvent, LogEvent JsonEvent, ReviewLine Line) Both(string endpoint, string operation, string @namespace, string name, string uid, string decision, ReviewReason reason, bool dryRun, double milliseconds)
    {
        var elapsed = TimeSpan.FromMilliseconds(milliseconds);
        var textEvent = Capture(logger => new ReviewLog(logger).Reviewed(endpoint, operation, @namespace, name, uid, decision, reason, dryRun, elapsed));
        var jsonEvent = Capture(logger => new ReviewLog(logger, new ReviewLineOutput { Json = true }).Reviewed(endpoint, operation, @namespace, name, uid, decision, reason, dryRun, elapsed));
        jsonEvent = new LogEvent(textEvent.Timestamp, jsonEvent.Level, jsonEvent.Exception, jsonEvent.MessageTemplate, jsonEvent.Properties.Select(pair => new LogEventProperty(pair.Key, pair.Value)));
        return (textEvent, jsonEvent, new ReviewLine(textEvent.Timestamp, endpoint, operation, @namespace, name, uid, decision, reason, dryRun, elapsed));
    }

    /// <summary>Both lines, byte for byte what Serilog's formatters write for the event, as UTF-8 on stdout would carry them.</summary>
    private static (string Text, string Json) AssertSameBytesAsSerilog(string endpoint, string operation, string @namespace, string name, string uid, string decision, ReviewReason reason, bool dryRun, double milliseconds)
    {
        var (textEvent, jsonEvent, review) = Both(endpoint, operation, @namespace, name, uid, decision, reason, dryRun, milliseconds);
        var text = new ArrayBufferWriter<byte>();
        var json = new ArrayBufferWriter<byte>();

        review.WriteText(text);
        review.WriteJson(json);

        Assert.Equal(Encoding.UTF8.GetBytes(Render(new MessageTemplateTextFormatter(WebhookHost.TextTemplate, CultureInfo.InvariantCulture), textEvent)), text.WrittenSpan.ToArray());
        Assert.Equal(Encoding.UTF8.GetBytes(Render(new RenderedCompactJsonFormatter(), jsonEvent)), json.WrittenSpan.ToArray());
        return (Encoding.UTF8.GetString(text.WrittenSpan), Encoding.UTF8.GetString(json.WrittenSpan));
    }

    private static LogEvent Capture(Action<Serilog.ILogger> log)
    {
        var sink = new LastEvent();
        using (var logger = new LoggerConfiguration().MinimumLevel.Verbose().Enrich.FromLogContext().WriteTo.Sink(sink).CreateLogger())
        {
            log(logger);
        }

        return sink.Event ?? throw new InvalidOperationException("nothing was logged");
    }

    private static string Render(ITextFormatter formatter, LogEvent logEvent)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        formatter.Format(logEvent, output);
        return output.ToString();
    }

    private sealed class LastEvent : ILogEventSink
    {
        public LogEvent? Event { get; private set; }

        public void Emit(LogEvent logEvent) => Event = logEvent;
    }
}
