using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using AdmissionWebhook.Tests.Integration;
using CsCheck;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Xunit.Abstractions;

namespace AdmissionWebhook.Tests.Fuzz;

/// <summary>
/// Property test of both admission endpoints over real TLS (HTTP/1.1 and HTTP/2) against the in-process host: for every
/// generated or mutated body the answer comes within <see cref="ReviewClient.RequestTimeout"/>, is never a 5xx, and is
/// either a short 4xx text for a body that is no review, or 200 with a well-formed AdmissionReview echoing request.uid.
/// </summary>
/// <remarks>
/// <c>FUZZ_ITERATIONS</c> sets the number of cases (default <see cref="DefaultIterations"/>: about 25 s on a 2-core machine, part of every test run and CI);
/// the long run is <c>FUZZ_ITERATIONS=100000 dotnet test tests/AdmissionWebhook.Tests --filter Category=Fuzz</c>.
/// <c>FUZZ_SEED</c> replays the CsCheck seed a failure printed.
/// </remarks>
[Trait("Category", "Fuzz")]
public sealed class AdmissionFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    public const int DefaultIterations = 20_000;

    private readonly RenderingSink _logs = new();
    private WebhookServer _server = null!;
    private HttpClient _http11 = null!;
    private HttpClient _http2 = null!;

    public async Task InitializeAsync()
    {
        // Every review still goes through the host's logging (the message is rendered), but nothing reaches the console.
        _server = await WebhookServer.StartNewAsync(builder => builder.Services.AddSerilog(
            (_, logger) => logger.MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .WriteTo.Sink(_logs),
            preserveStaticLogger: true));
        _http11 = _server.CreateHttpsClient();
        _http2 = _server.CreateHttpsClient();
        _http2.DefaultRequestVersion = HttpVersion.Version20;
        _http2.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
    }

    public async Task DisposeAsync()
    {
        _http11.Dispose();
        _http2.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task NoGeneratedOrMutatedBodyGetsA5xxAHangOrAnAnswerWithoutItsUid()
    {
        var iterations = Environment.GetEnvironmentVariable("FUZZ_ITERATIONS") is { Length: > 0 } text
            ? long.Parse(text, CultureInfo.InvariantCulture)
            : DefaultIterations;
        var seed = Environment.GetEnvironmentVariable("FUZZ_SEED") is { Length: > 0 } given ? given : null;
        var tally = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();

        try
        {
            await FuzzCases.All.SampleAsync(
            async fuzzCase =>
            {
                var status = await SendAndCheckAsync(fuzzCase);
                tally.AddOrUpdate($"{fuzzCase.Kind} -> {status}", 1, (_, count) => count + 1);
            },
            writeLine: output.WriteLine,
            seed: seed,
            iter: iterations,
            threads: 8,
            print: fuzzCase => fuzzCase.ToString());
        }
        finally
        {
            foreach (var error in _logs.Errors)
            {
                output.WriteLine($"server logged {error}");
            }
        }

        clock.Stop();
        var total = tally.Values.Sum();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fuzz: {total} cases in {clock.Elapsed.TotalSeconds:0.0} s ({total / clock.Elapsed.TotalSeconds:0} per s), {_logs.Count} log events rendered"));
        foreach (var (key, count) in tally.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {key}: {count}");
        }

        Assert.True(total >= iterations, $"only {total} of {iterations} cases ran");
        Assert.Empty(_logs.Errors);

        // The host is still healthy and answers a plain review after the run.
        var answer = await _server.Https.ReviewAsync("/validate", Examples.Review("create-valid.json"));
        Assert.True(answer.Allowed, answer.Message);
    }

    /// <summary>Sends one case and checks the oracle; returns the HTTP status for the tally.</summary>
    internal static async Task<int> SendAndCheckAsync(HttpClient client, FuzzCase fuzzCase)
    {
        using var content = new ByteArrayContent(fuzzCase.Body);
        if (fuzzCase.ContentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", fuzzCase.ContentType);
        }

        using var timeout = new CancellationTokenSource(ReviewClient.RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await client.PostAsync(new Uri(fuzzCase.Endpoint + fuzzCase.Query, UriKind.Relative), content, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer within {ReviewClient.RequestTimeout.TotalSeconds} s");
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            var status = (int)response.StatusCode;
            var text = Encoding.UTF8.GetString(body);
            Assert.True(status < 500, $"HTTP {status}: {text}");
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (!fuzzCase.JsonContentType)
            {
                Assert.True(status == 415, $"a {fuzzCase.ContentType ?? "missing"} Content-Type was answered {status}: {text}");
            }

            var expectedUid = FuzzCases.ExpectedUid(fuzzCase.Body);
            if (status == 200)
            {
                Assert.True(expectedUid is { Length: > 0 }, $"200 for a body without a request.uid string: {text}");
                Assert.Equal("application/json", mediaType);
                CheckReview(body, expectedUid!);
            }
            else
            {
                Assert.InRange(status, 400, 499);
                Assert.Equal("text/plain", mediaType);
                Assert.True(text.Length is > 0 and <= 1000, $"a {text.Length}-character error text: {text}");
                Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
            }

            return status;
        }
    }

    /// <summary>A well-formed AdmissionReview answer for <paramref name="uid"/>.</summary>
    private static void CheckReview(byte[] body, string uid)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        Assert.Contains(root.GetProperty("apiVersion").GetString(), (string[])[ReviewClient.V1, ReviewClient.V1Beta1]);
        Assert.Equal("AdmissionReview", root.GetProperty("kind").GetString());
        Assert.Equal(1, root.EnumerateObject().Count(property => property.Name == "response"));
        var response = root.GetProperty("response");
        Assert.Equal(uid, response.GetProperty("uid").GetString());
        var allowed = response.GetProperty("allowed").GetBoolean();
        if (response.TryGetProperty("warnings", out var warnings))
        {
            foreach (var warning in warnings.EnumerateArray())
            {
                Assert.InRange(warning.GetString()!.Length, 1, 120);
            }
        }

        if (!allowed)
        {
            var status = response.GetProperty("status");
            Assert.InRange(status.GetProperty("code").GetInt32(), 400, 599);
            Assert.False(string.IsNullOrWhiteSpace(status.GetProperty("message").GetString()));
            Assert.False(response.TryGetProperty("patch", out _));
        }

        if (response.TryGetProperty("patch", out var patch))
        {
            Assert.Equal("JSONPatch", response.GetProperty("patchType").GetString());
            using var operations = JsonDocument.Parse(Convert.FromBase64String(patch.GetString()!));
            Assert.Equal(JsonValueKind.Array, operations.RootElement.ValueKind);
            Assert.All(operations.RootElement.EnumerateArray(), operation => Assert.StartsWith("/", operation.GetProperty("path").GetString(), StringComparison.Ordinal));
        }
    }

    private Task<int> SendAndCheckAsync(FuzzCase fuzzCase) => SendAndCheckAsync(fuzzCase.Http2 ? _http2 : _http11, fuzzCase);

    /// <summary>Renders every event as the text format would, then drops it.</summary>
    private sealed class RenderingSink : ILogEventSink
    {
        private readonly ConcurrentQueue<string> _errors = new();
        private int _count;

        public int Count => Volatile.Read(ref _count);

        /// <summary>Events at Error or above (an unhandled exception in a request is one), as text.</summary>
        public IReadOnlyList<string> Errors => [.. _errors];

        public void Emit(LogEvent logEvent)
        {
            var text = logEvent.RenderMessage(CultureInfo.InvariantCulture);
            Interlocked.Increment(ref _count);
            if (logEvent.Level >= LogEventLevel.Error && _errors.Count < 20)
            {
                _errors.Enqueue($"{logEvent.Level}: {text} {logEvent.Exception}");
            }
        }
    }
}

