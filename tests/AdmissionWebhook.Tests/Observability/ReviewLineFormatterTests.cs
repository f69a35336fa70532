using System.Globalization;
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

/// <summary>The hand-written review line must be the line Serilog's own formatters write, byte for byte.</summary>
public sealed class ReviewLineFormatterTests
{
    public static TheoryData<string, string, string, string, string, string, string?, bool, double> Reviews => new()
    {
        { "validate", "CREATE", "podtato-kubectl", "frontend-entry-check-7", "08a1ab4e-214c-4dd9-9174-d4103a732b58", "allowed", null, false, 0.0114 },
        { "mutate", "CREATE", "podtato-kubectl", "frontend-entry-check-7", "u-2", "patched", "5 patch operations", true, 12.34567 },
        { "validate", "CREATE", "podtato-kubectl", "helloworldtask-1", "u-3", "denied", "409 KeptnTask \"helloworldtask-1\" cannot be created: metadata.name: create this one as \"helloworldtask-2\"", false, 1234.5 },
        { "validate", "UPDATE", "ns", NameRule.Quote("evil\r\n[01:02:03 INF] forged\u001b[2J\"\\" + new string('x', 100)), "u-4", "denied", "422 spec: a \\ backslash", false, 0 },
        { "mutate", "?", string.Empty, "tâsk-ü-日本", string.Empty, "allowed", string.Empty, false, 0.5 },
        { "other-endpoint", "DELETE", "n", "t", "u-6", "unusual-decision", null, true, 7 },
    };

    [Theory]
    [MemberData(nameof(Reviews))]
    public void TheTextLineIsTheOneSerilogWrites(string endpoint, string operation, string @namespace, string name, string uid, string decision, string? reason, bool dryRun, double milliseconds)
    {
        var logEvent = ReviewEvent(endpoint, operation, @namespace, name, uid, decision, reason, dryRun, milliseconds);
        var serilog = new MessageTemplateTextFormatter(WebhookHost.TextTemplate, CultureInfo.InvariantCulture);

        var line = Render(new ReviewLineFormatter(serilog, json: false), logEvent);

        Assert.Equal(Render(serilog, logEvent), line);
        Assert.Contains($" uid={uid}: {decision} ", line, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Reviews))]
    public void TheJsonLineIsTheOneSerilogWrites(string endpoint, string operation, string @namespace, string name, string uid, string decision, string? reason, bool dryRun, double milliseconds)
    {
        var logEvent = ReviewEvent(endpoint, operation, @namespace, name, uid, decision, reason, dryRun, milliseconds);
        var serilog = new RenderedCompactJsonFormatter();

        var line = Render(new ReviewLineFormatter(serilog, json: true), logEvent);

        Assert.Equal(Render(serilog, logEvent), line);
        Assert.Equal(uid, System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("Uid").GetString());
    }

    [Fact]
    public void OtherLinesAreWrittenBySerilogsFormatter()
    {
        var logEvent = Capture(logger => logger.Warning("{Endpoint}: answered HTTP {Status} to a body that is not an AdmissionReview", "validate", 400));
        var serilog = new MessageTemplateTextFormatter(WebhookHost.TextTemplate, CultureInfo.InvariantCulture);

        Assert.Equal(Render(serilog, logEvent), Render(new ReviewLineFormatter(serilog, json: false), logEvent));
        Assert.Contains("WRN] validate: answered HTTP 400", Render(serilog, logEvent), StringComparison.Ordinal);
    }

    private static LogEvent ReviewEvent(string endpoint, string operation, string @namespace, string name, string uid, string decision, string? reason, bool dryRun, double milliseconds) =>
        Capture(logger => new ReviewLog(logger).Reviewed(endpoint, operation, @namespace, name, uid, decision, reason, dryRun, TimeSpan.FromMilliseconds(milliseconds)));

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
