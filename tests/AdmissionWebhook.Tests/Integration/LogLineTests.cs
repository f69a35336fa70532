using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>
/// SPEC 6: one Information line per review with uid, operation, namespace/name, decision, reason and duration, and
/// never the object. Uses a server of its own whose Serilog pipeline writes to a capturing sink.
/// </summary>
public sealed partial class LogLineTests : IAsyncLifetime
{
    private const string Secret = "s3cr3t-param";
    private static readonly TimeSpan LogDeadline = TimeSpan.FromSeconds(5);

    private readonly CapturingSink _sink = new();
    private WebhookServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await WebhookServer.StartNewAsync(builder => builder.Services.AddSerilog(
            (_, logger) => logger
                .MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .Enrich.FromLogContext()
                .WriteTo.Sink(_sink),
            preserveStaticLogger: true));

    public Task DisposeAsync() => _server.DisposeAsync();

    [Theory]
    [InlineData("/mutate", "create-valid.json", "patched", "5 patch operations")]
    [InlineData("/validate", "create-valid.json", "allowed", "")]
    [InlineData("/validate", "create-duplicate.json", "denied", "409")]
    [InlineData("/validate", "create-missing-definition.json", "denied", "422")]
    public async Task EachReviewIsLoggedOnceAtInformationWithoutTheObjectsValues(string endpoint, string file, string decision, string reason)
    {
        var review = Examples.Review(file);
        var uid = $"{Guid.NewGuid()}";
        review["request"]!["uid"] = uid;
        review["request"]!["object"]!["spec"]!["parameters"] = new JsonObject { ["map"] = new JsonObject { ["DB_PASSWORD"] = Secret } };
        var name = (string)review["request"]!["object"]!["metadata"]!["name"]!;

        var answer = await _server.Https.ReviewAsync(endpoint, review);
        using var deadline = new CancellationTokenSource(LogDeadline);
        var line = await _sink.WaitForAsync(logEvent => logEvent.MessageTemplate.Text.Contains("uid=", StringComparison.Ordinal) && Text(logEvent).Contains(uid, StringComparison.Ordinal), deadline.Token);

        Assert.Equal(decision == "denied", !answer.Allowed);
        var text = Text(line);
        Assert.Equal(LogEventLevel.Information, line.Level);
        Assert.Contains(uid, text, StringComparison.Ordinal);
        Assert.Contains("CREATE", text, StringComparison.Ordinal);
        Assert.Contains($"podtato-kubectl/{name}", text, StringComparison.Ordinal);
        Assert.Contains($": {decision} ", text, StringComparison.Ordinal);
        Assert.Contains(reason, text, StringComparison.Ordinal);
        Assert.Matches(DurationPattern(), text);
        Assert.Single(_sink.Events, logEvent => Text(logEvent).Contains(uid, StringComparison.Ordinal));
        Assert.DoesNotContain(_sink.Events, logEvent => Everything(logEvent).Contains(Secret, StringComparison.Ordinal));
        Assert.DoesNotContain(_sink.Events, logEvent => Everything(logEvent).Contains("managedFields", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/mutate")]
    [InlineData("/validate")]
    public async Task AHostileNameCannotSplitTheReviewLogLine(string endpoint)
    {
        var review = Examples.Review("create-valid.json");
        var uid = $"{Guid.NewGuid()}";
        var name = "evil\r\n[01:02:03 INF] validate CREATE kube-system/forged: allowed\u001b[2J\u0000-" + new string('x', 10_000);
        review["request"]!["uid"] = uid;
        review["request"]!["name"] = name;
        review["request"]!["object"]!["metadata"]!["name"] = name;

        await _server.Https.ReviewAsync(endpoint, review);
        using var deadline = new CancellationTokenSource(LogDeadline);
        var line = await _sink.WaitForAsync(logEvent => logEvent.MessageTemplate.Text.Contains("uid=", StringComparison.Ordinal) && Text(logEvent).Contains(uid, StringComparison.Ordinal), deadline.Token);

        var text = Text(line);
        Assert.DoesNotContain(text, char.IsControl);
        Assert.True(text.Length < 2_000, $"a {text.Length}-character log line");
    }

    /// <summary>The line as the host's text format writes it (<c>{Message:lj}</c>: strings without quotes).</summary>
    private static string Text(LogEvent logEvent)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        new Serilog.Formatting.Display.MessageTemplateTextFormatter("{Message:lj}", CultureInfo.InvariantCulture).Format(logEvent, writer);
        return writer.ToString();
    }

    private static string Everything(LogEvent logEvent) =>
        Text(logEvent) + string.Join(' ', logEvent.Properties.Select(property => property.Value.ToString())) + logEvent.Exception;

    [GeneratedRegex(@" in \d+\.\d{3} ms$")]
    private static partial Regex DurationPattern();

    /// <summary>Keeps every event and lets a test await the one it expects, within a deadline.</summary>
    private sealed class CapturingSink : ILogEventSink
    {
        private readonly Lock _lock = new();
        private readonly List<LogEvent> _events = [];
        private readonly List<(Func<LogEvent, bool> Match, TaskCompletionSource<LogEvent> Found)> _waiters = [];

        public IReadOnlyList<LogEvent> Events
        {
            get
            {
                lock (_lock)
                {
                    return [.. _events];
                }
            }
        }

        public void Emit(LogEvent logEvent)
        {
            lock (_lock)
            {
                _events.Add(logEvent);
                foreach (var waiter in _waiters.Where(waiter => waiter.Match(logEvent)).ToList())
                {
                    waiter.Found.TrySetResult(logEvent);
                    _waiters.Remove(waiter);
                }
            }
        }

        public async Task<LogEvent> WaitForAsync(Func<LogEvent, bool> match, CancellationToken cancellationToken)
        {
            var found = new TaskCompletionSource<LogEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                if (_events.FirstOrDefault(match) is { } already)
                {
                    return already;
                }

                _waiters.Add((match, found));
            }

            try
            {
                return await found.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no matching log event; captured: {string.Join(" | ", Events.Select(Text))}");
            }
        }
    }
}
