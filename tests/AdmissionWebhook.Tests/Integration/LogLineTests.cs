using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AdmissionWebhook.Tests.TestSupport;
using Serilog;
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

    [Fact]
    public async Task AHostileNamespaceCannotSplitTheReviewLogLineThroughTheDenialItCauses()
    {
        // The namespace is not a name any rule checks: an apiserver sends only real ones, but anyone who reaches the
        // port can send this, and the missing-definition denial names the namespace it searched.
        var review = Examples.Review("create-missing-definition.json");
        var uid = $"{Guid.NewGuid()}";
        var @namespace = "ns\n[10:00:00 ERR] forged\u001b[31m";
        review["request"]!["uid"] = uid;
        review["request"]!["namespace"] = @namespace;
        review["request"]!["object"]!["metadata"]!["namespace"] = @namespace;

        var answer = await _server.Https.ReviewAsync("/validate", review);
        using var deadline = new CancellationTokenSource(LogDeadline);
        var line = await _sink.WaitForAsync(logEvent => logEvent.MessageTemplate.Text.Contains("uid=", StringComparison.Ordinal) && Text(logEvent).Contains(uid, StringComparison.Ordinal), deadline.Token);

        Assert.Contains("no KeptnTaskDefinition", Text(line), StringComparison.Ordinal);
        Assert.DoesNotContain(Text(line), char.IsControl);
        Assert.DoesNotContain(answer.Message, char.IsControl);
    }

    [Theory]
    [InlineData("Content-Length: 1000\r\n", "{\"apiVersion\":")]
    [InlineData("Transfer-Encoding: chunked\r\n", "400\r\n{\"apiVersion\":")]
    public async Task AClientThatLeavesInTheMiddleOfItsBodyIsOneWarningLineNotAnErrorWithAStackTrace(string framing, string partialBody)
    {
        var (tcp, tls, presented) = await RawHttps.ConnectAsync(_server, System.Security.Authentication.SslProtocols.Tls13, CancellationToken.None);
        using (tcp)
        using (presented)
        await using (tls)
        {
            var head = $"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{framing}\r\n";
            await tls.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head + partialBody));
            await tls.FlushAsync();
        }

        using var deadline = new CancellationTokenSource(LogDeadline);
        var warning = await _sink.WaitForAsync(logEvent => logEvent.Level >= LogEventLevel.Warning, deadline.Token);

        Assert.Equal(LogEventLevel.Warning, warning.Level);
        Assert.Contains("validate", warning.RenderMessage(), StringComparison.Ordinal);
        Assert.Contains("body", warning.RenderMessage(), StringComparison.Ordinal);
        Assert.Null(warning.Exception);
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        Assert.DoesNotContain(_sink.Events, logEvent => logEvent.Level >= LogEventLevel.Error);
    }

    [Fact]
    public async Task NoLogEventAtAnyLevelCarriesAParameterValueOrTheObjectWhateverTheReviewPath()
    {
        // Distinctive values everywhere a user may put data, sent down every path: allowed, patched, denied 409/422,
        // mistyped fields (400 in the answer), UPDATE with an oldObject, DELETE, other resources, v1beta1, v1alpha1.
        const string Marker = "zz-leak-";
        var cases = new List<(string Endpoint, JsonObject Review)>();
        foreach (var file in (string[])["create-valid.json", "create-duplicate.json", "create-missing-definition.json", "create-invalid-name.json", "update-spec-changed.json", "update-metadata-only.json", "delete.json", "create-v1alpha1-task.json", "create-v1beta1-review.json", "create-unknown-fields.json"])
        {
            foreach (var endpoint in (string[])["/validate", "/mutate"])
            {
                var review = Examples.Review(file);
                foreach (var side in (string[])["object", "oldObject"])
                {
                    if (review["request"]![side] is JsonObject task)
                    {
                        Plant(task, $"{Marker}{side}");
                    }
                }

                cases.Add((endpoint, review));
            }
        }

        var mistyped = Examples.Review("create-valid.json");
        mistyped["request"]!["object"]!["spec"]!["parameters"] = $"{Marker}mistyped-parameters";
        mistyped["request"]!["object"]!["spec"]!["retries"] = $"{Marker}mistyped-retries";
        cases.Add(("/validate", mistyped));
        cases.Add(("/mutate", mistyped));

        foreach (var (endpoint, review) in cases)
        {
            var uid = $"{Guid.NewGuid()}";
            review["request"]!["uid"] = uid;
            await _server.Https.ReviewAsync(endpoint, review);
            using var deadline = new CancellationTokenSource(LogDeadline);
            await _sink.WaitForAsync(logEvent => Text(logEvent).Contains(uid, StringComparison.Ordinal), deadline.Token);
        }

        Assert.All(_sink.Events, logEvent => Assert.DoesNotContain(Marker, Everything(logEvent), StringComparison.Ordinal));
        Assert.All(_sink.Events, logEvent => Assert.DoesNotContain("\"spec\"", Everything(logEvent), StringComparison.Ordinal));
        Assert.True(_sink.Events.Count(logEvent => logEvent.MessageTemplate.Text.Contains("uid=", StringComparison.Ordinal)) >= cases.Count);
    }

    /// <summary>Puts a marked value into every field of a task that holds user data but is not a name the log line may show.</summary>
    private static void Plant(JsonObject task, string marker)
    {
        var metadata = task["metadata"] as JsonObject ?? [];
        task["metadata"] = metadata;
        metadata["labels"] = new JsonObject { ["team"] = $"{marker}-label" };
        metadata["annotations"] = new JsonObject { ["note"] = $"{marker}-annotation" };
        if (task["spec"] is JsonObject spec)
        {
            spec["parameters"] = new JsonObject { ["map"] = new JsonObject { ["DB_PASSWORD"] = $"{marker}-parameter", ["TOKEN"] = $"{marker}-token" } };
            spec["unknownField"] = $"{marker}-unknown";
            if (spec["context"] is JsonObject context)
            {
                context["metadata"] = new JsonObject { ["commit"] = $"{marker}-context-metadata" };
            }
        }
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
}
