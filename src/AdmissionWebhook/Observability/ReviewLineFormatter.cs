using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Json;

namespace AdmissionWebhook.Observability;

/// <summary>
/// Writes the review line (<see cref="ReviewLog"/>) by hand, character for character what <paramref name="general"/>
/// — Serilog's text or rendered compact JSON formatter, as configured — writes for it, and every other event through
/// <paramref name="general"/>. Serilog renders a line by walking two templates and formatting each value through
/// lookups; the review line is a fixed shape, and a line per review made that rendering a twentieth of a review's CPU
/// (docs/performance.md). ReviewLineFormatterTests hold the two to the same output.
/// </summary>
internal sealed class ReviewLineFormatter(ITextFormatter general, bool json, IFormatProvider? jsonFormatProvider = null) : ITextFormatter
{
    private static readonly JsonValueFormatter Values = new(typeTagName: "$type");
    private static readonly string EventIdHash = $"\"@i\":\"{Serilog.Formatting.Compact.EventIdHash.Compute(ReviewLog.Template.Text):x8}\"";

    public void Format(LogEvent logEvent, TextWriter output)
    {
        if (!ReferenceEquals(logEvent.MessageTemplate, ReviewLog.Template) || logEvent.Exception is not null ||
            logEvent.TraceId is not null || logEvent.SpanId is not null || !Review.TryRead(logEvent, out var review))
        {
            general.Format(logEvent, output);
            return;
        }

        if (json)
        {
            WriteJson(logEvent, review, output);
        }
        else
        {
            WriteText(logEvent, review, output);
        }
    }

    /// <summary>"[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}": strings as they are, the rest as JSON.</summary>
    private static void WriteText(LogEvent logEvent, Review review, TextWriter output)
    {
        Span<char> time = stackalloc char[8];
        logEvent.Timestamp.TryFormat(time, out _, "HH:mm:ss", CultureInfo.InvariantCulture);
        output.Write('[');
        output.Write(time);
        output.Write(" INF] ");
        WriteMessage(review, output, quoteStrings: false, CultureInfo.InvariantCulture);
        output.Write(Environment.NewLine);
    }

    /// <summary>Serilog's RenderedCompactJsonFormatter: time, rendered message, event id hash, then every property.</summary>
    private void WriteJson(LogEvent logEvent, Review review, TextWriter output)
    {
        output.Write("{\"@t\":\"");
        output.Write(logEvent.Timestamp.UtcDateTime.ToString("O"));
        output.Write("\",\"@m\":");
        using (var message = new StringWriter(CultureInfo.InvariantCulture))
        {
            WriteMessage(review, message, quoteStrings: true, jsonFormatProvider ?? CultureInfo.CurrentCulture);
            JsonValueFormatter.WriteQuotedJsonString(message.ToString(), output);
        }

        output.Write(',');
        output.Write(EventIdHash);
        foreach (var (name, value) in logEvent.Properties)
        {
            output.Write(',');
            JsonValueFormatter.WriteQuotedJsonString(name.Length > 0 && name[0] == '@' ? "@" + name : name, output);
            output.Write(':');
            Values.Format(value, output);
        }

        output.Write('}');
        output.WriteLine();
    }

    /// <summary>The message template of <see cref="ReviewLog"/>, rendered as Serilog renders it with or without <c>:l</c>.</summary>
    private static void WriteMessage(Review review, TextWriter output, bool quoteStrings, IFormatProvider formatProvider)
    {
        WriteString(review.Endpoint, output, quoteStrings);
        output.Write(' ');
        WriteString(review.Operation, output, quoteStrings);
        output.Write(' ');
        WriteString(review.Namespace, output, quoteStrings);
        output.Write('/');
        WriteString(review.Name, output, quoteStrings);
        output.Write(" uid=");
        WriteString(review.Uid, output, quoteStrings);
        output.Write(": ");
        WriteString(review.Decision, output, quoteStrings);
        output.Write(' ');
        WriteString(review.Reason, output, quoteStrings);
        output.Write(" dryRun=");
        output.Write(quoteStrings ? (review.DryRun ? "True" : "False") : (review.DryRun ? "true" : "false"));
        output.Write(" in ");
        Span<char> duration = stackalloc char[32];
        if (review.DurationMs.TryFormat(duration, out var written, "0.000", formatProvider))
        {
            output.Write(duration[..written]);
        }
        else
        {
            output.Write(review.DurationMs.ToString("0.000", formatProvider));
        }

        output.Write(" ms");
    }

    private static void WriteString(string value, TextWriter output, bool quote)
    {
        if (!quote)
        {
            output.Write(value);
            return;
        }

        output.Write('"');
        output.Write(value.Replace("\"", "\\\""));
        output.Write('"');
    }

    /// <summary>The values of a review line, when each has the type <see cref="ReviewLog"/> gives it.</summary>
    private readonly record struct Review(
        string Endpoint, string Operation, string Namespace, string Name, string Uid, string Decision, string Reason, bool DryRun, double DurationMs)
    {
        public static bool TryRead(LogEvent logEvent, out Review review)
        {
            var properties = logEvent.Properties;
            review = default;
            if (String(properties, "Endpoint") is not { } endpoint || String(properties, "Operation") is not { } operation ||
                String(properties, "Namespace") is not { } @namespace || String(properties, "Name") is not { } name ||
                String(properties, "Uid") is not { } uid || String(properties, "Decision") is not { } decision ||
                String(properties, "Reason") is not { } reason ||
                !properties.TryGetValue("DryRun", out var dryRun) || dryRun is not ScalarValue { Value: bool isDryRun } ||
                !properties.TryGetValue("DurationMs", out var duration) || duration is not ScalarValue { Value: double durationMs })
            {
                return false;
            }

            review = new Review(endpoint, operation, @namespace, name, uid, decision, reason, isDryRun, durationMs);
            return true;
        }

        private static string? String(IReadOnlyDictionary<string, LogEventPropertyValue> properties, string name) =>
            properties.TryGetValue(name, out var value) && value is ScalarValue { Value: string text } ? text : null;
    }
}
