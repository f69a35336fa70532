using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace AdmissionWebhook.Observability;

/// <summary>
/// The one Information line per review (SPEC 6), written to Serilog directly: the template is parsed once and the
/// constant properties are made once, where the Microsoft.Extensions.Logging bridge bound every value, the event id
/// and the template again per review (a fifth of a review's CPU, docs/performance.md).
/// </summary>
internal sealed class ReviewLog
{
    public const string Category = "AdmissionWebhook.Admission";

    /// <summary>The text line's sentence: the whole review, its reason included.</summary>
    internal static readonly MessageTemplate Template = new MessageTemplateParser().Parse(
        "{Endpoint:l} {Operation:l} {Namespace:l}/{Name:l} uid={Uid:l}: {Decision:l} {Reason:l} dryRun={DryRun} in {DurationMs:0.000} ms");

    /// <summary>
    /// The JSON line's "@m": the same sentence without the reason, which the line carries once, as its Reason property. A
    /// denial's message was most of its line twice over, and every byte of a line is formatted, queued and written while
    /// reviews wait for the one core (docs/performance.md).
    /// </summary>
    internal static readonly MessageTemplate JsonTemplate = new MessageTemplateParser().Parse(
        "{Endpoint:l} {Operation:l} {Namespace:l}/{Name:l} uid={Uid:l}: {Decision:l} dryRun={DryRun} in {DurationMs:0.000} ms");

    private static readonly LogEventProperty EventId = new("EventId", new StructureValue([new("Id", new ScalarValue(1)), new("Name", new ScalarValue("Reviewed"))]));
    private static readonly LogEventPropertyValue DryRunTrue = new ScalarValue(true);
    private static readonly LogEventPropertyValue DryRunFalse = new ScalarValue(false);
    private static readonly LogEventPropertyValue NoReason = new ScalarValue(string.Empty);
    private static readonly Dictionary<string, LogEventProperty> EndpointProperties = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, LogEventProperty> DecisionProperties = new(StringComparer.Ordinal);

    private readonly Serilog.ILogger _logger;
    private readonly ReviewLineOutput _direct;

    public ReviewLog(Serilog.ILogger logger, ReviewLineOutput? direct = null)
    {
        _logger = logger.ForContext(Constants.SourceContextPropertyName, Category);
        _direct = direct ?? new ReviewLineOutput();
    }

    static ReviewLog()
    {
        foreach (var endpoint in (ReadOnlySpan<string>)["validate", "mutate"])
        {
            EndpointProperties[endpoint] = new LogEventProperty("Endpoint", new ScalarValue(endpoint));
        }

        foreach (var decision in (ReadOnlySpan<string>)["allowed", "patched", "denied"])
        {
            DecisionProperties[decision] = new LogEventProperty("Decision", new ScalarValue(decision));
        }
    }

    public bool IsEnabled => _logger.IsEnabled(LogEventLevel.Information);

    /// <summary>
    /// Values are written as given: the caller quotes whatever came from the request. The line goes straight to the
    /// host's stdout when Serilog writes there (<see cref="ReviewLineOutput"/>), else through Serilog as an event.
    /// </summary>
    public void Reviewed(string endpoint, string operation, string @namespace, string name, string uid, string decision, ReviewReason reason, bool dryRun, TimeSpan elapsed)
    {
        if (_direct.Sink is { } stdout)
        {
            stdout.Write(new ReviewLine(DateTimeOffset.Now, endpoint, operation, @namespace, name, uid, decision, reason, dryRun, elapsed));
            return;
        }

        var template = _direct.Json ? JsonTemplate : Template;
        _logger.Write(Event(template, DateTimeOffset.Now, endpoint, operation, @namespace, name, uid, decision, reason, dryRun, elapsed));
    }

    /// <summary>The review line as a Serilog event, before the logger adds <c>SourceContext</c>.</summary>
    private static LogEvent Event(MessageTemplate template, DateTimeOffset timestamp, string endpoint, string operation, string @namespace, string name, string uid, string decision, ReviewReason reason, bool dryRun, TimeSpan elapsed)
    {
        LogEventProperty[] properties =
        [
            EndpointProperties.GetValueOrDefault(endpoint) ?? new LogEventProperty("Endpoint", new ScalarValue(endpoint)),
            new("Operation", new ScalarValue(operation)),
            new("Namespace", new ScalarValue(@namespace)),
            new("Name", new ScalarValue(name)),
            new("Uid", new ScalarValue(uid)),
            DecisionProperties.GetValueOrDefault(decision) ?? new LogEventProperty("Decision", new ScalarValue(decision)),
            new("Reason", reason == ReviewReason.None ? NoReason : new ScalarValue(reason.ToString())),
            new("DryRun", dryRun ? DryRunTrue : DryRunFalse),
            new("DurationMs", new ScalarValue(elapsed.TotalMilliseconds)),
            EventId,
        ];
        return new LogEvent(timestamp, LogEventLevel.Information, null, template, properties);
    }
}

/// <summary>
/// The host's own stdout sink, set when the host's Serilog configuration writes to it (WebhookHost). A host configured
/// otherwise (a test's capturing sink, say) leaves it empty and gets the review line as a Serilog event.
/// </summary>
internal sealed class ReviewLineOutput
{
    /// <summary>Where review lines go directly; null when they must go through Serilog as events.</summary>
    public StandardOutputSink? Sink { get; set; }

    /// <summary>The host's stdout sink, whichever way review lines go (its drop count is a metric).</summary>
    public StandardOutputSink? Stdout { get; set; }

    /// <summary>True when the host writes JSON lines: a review's event then takes <see cref="ReviewLog.JsonTemplate"/>.</summary>
    public bool Json { get; set; }
}
