using System.Diagnostics;
using System.Text.Json;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.Hosting;
using AdmissionWebhook.KeptnTasks;
using AdmissionWebhook.Observability;
using AdmissionWebhook.Validation;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace AdmissionWebhook.Admission;

/// <summary>POST /validate and POST /mutate: bytes in, review decoded, rules applied, review encoded, bytes out.</summary>
internal static partial class AdmissionEndpoints
{
    public static IEndpointConventionBuilder MapAdmissionEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Every service the endpoints use is a singleton: resolved at the first review (as parameter binding did), then
        // reused, with the logger created once instead of per review.
        AdmissionServices? services = null;
        var group = endpoints.MapGroup(string.Empty).WithMetadata(ListenerMetadata.Admission);
        group.MapPost("/validate", (HttpContext context) =>
        {
            var s = services ??= AdmissionServices.From(context.RequestServices);
            return HandleAsync(context, "validate", s, s.Validate, mayLookUp: true);
        });
        group.MapPost("/mutate", (HttpContext context) =>
        {
            var s = services ??= AdmissionServices.From(context.RequestServices);
            return HandleAsync(context, "mutate", s, s.Mutate, mayLookUp: false);
        });
        return group;
    }

    private static async Task HandleAsync(
        HttpContext context,
        string endpoint,
        AdmissionServices services,
        Func<AdmissionRequest, LookupDeadline, ValueTask<AdmissionOutcome>> review,
        bool mayLookUp)
    {
        var (options, logger, metrics) = (services.Options, services.Logger, services.Metrics);
        var started = Stopwatch.GetTimestamp();
        using var inFlight = metrics.Start();
        var (body, status, error) = await RequestBody.ReadAsync(context.Request, options.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await RejectAsync(context, logger, metrics, endpoint, status, error!);
            return;
        }

        using (body)
        {
            DecodedReview decoded;
            try
            {
                decoded = AdmissionReviewDecoder.Decode(body.Bytes);
            }
            catch (JsonException e)
            {
                await RejectAsync(context, logger, metrics, endpoint, StatusCodes.Status400BadRequest, NotJson(e));
                return;
            }
            catch (InvalidOperationException e) when (ThrownByJsonDecoding(e))
            {
                await RejectAsync(context, logger, metrics, endpoint, StatusCodes.Status400BadRequest, Undecodable);
                return;
            }

            using (decoded)
            {
                if (decoded.Request is not { } request)
                {
                    await RejectAsync(context, logger, metrics, endpoint, StatusCodes.Status400BadRequest, decoded.Error!);
                    return;
                }

                AdmissionOutcome outcome;
                try
                {
                    // Mutation answers from the cache alone: it gets no deadline.
                    using var deadline = mayLookUp
                        ? new LookupDeadline(ReviewDeadline.For(TimeoutQuery(context.Request), options.LookupTimeout, Stopwatch.GetElapsedTime(started)), context.RequestAborted)
                        : LookupDeadline.None;
                    outcome = await review(request, deadline);

                    context.Response.StatusCode = StatusCodes.Status200OK;
                    context.Response.ContentType = "application/json";
                    AdmissionReviewWriter.Write(context.Response.BodyWriter, request.ReviewVersion, request.Uid, outcome);
                }
                catch (InvalidOperationException e) when (!context.Response.HasStarted && ThrownByJsonDecoding(e))
                {
                    context.Response.Clear();
                    await RejectAsync(context, logger, metrics, endpoint, StatusCodes.Status400BadRequest, Undecodable);
                    return;
                }

                await context.Response.BodyWriter.FlushAsync(context.RequestAborted);

                var elapsed = Stopwatch.GetElapsedTime(started);
                metrics.Reviewed(endpoint, request.Operation ?? string.Empty, outcome.Decision, elapsed);
                LogReview(services.ReviewLog, endpoint, request, outcome, elapsed);
            }
        }
    }

    /// <summary>The apiserver's <c>?timeout=10s</c>, read without building the request's query collection or a string.</summary>
    private static ReadOnlySpan<char> TimeoutQuery(HttpRequest request)
    {
        if (!request.QueryString.HasValue)
        {
            return default;
        }

        foreach (var pair in new QueryStringEnumerable(request.QueryString.Value))
        {
            if (pair.EncodedName.Span.SequenceEqual("timeout"))
            {
                return pair.DecodeValue().Span;
            }
        }

        return default;
    }

    /// <summary>
    /// JsonDocument checks a body's syntax when it parses it but decodes a string only when it is read: a lone UTF-16
    /// surrogate escape (<c>"\ud800"</c>) or bytes that are not UTF-8 parse fine and then throw from System.Text.Json
    /// deep inside a review. No apiserver sends such a body (Go's encoder writes U+FFFD instead), so it is bad input,
    /// answered 400 like any body that is no AdmissionReview, never a 500. Found by the fuzz test.
    /// </summary>
    private const string Undecodable = "the body holds a JSON string that is not valid Unicode (a lone surrogate escape or bytes that are not UTF-8)";

    /// <summary>True when the innermost frame that threw belongs to System.Text.Json: a string that could not be decoded.</summary>
    private static bool ThrownByJsonDecoding(InvalidOperationException e) =>
        e is not ObjectDisposedException &&
        new StackTrace(e, fNeedFileInfo: false).GetFrames().FirstOrDefault()?.GetMethod()?.DeclaringType?.Assembly == typeof(JsonDocument).Assembly;

    private static void LogReview(ReviewLog log, string endpoint, AdmissionRequest request, AdmissionOutcome outcome, TimeSpan elapsed)
    {
        if (!log.IsEnabled)
        {
            return;
        }

        // Every value here came from the request: quoted so a hostile name cannot split or forge a log line.
        var name = NameRule.Quote(Readable(request.Object?.Name) ?? request.Name ?? Readable(request.Object?.GenerateName) ?? string.Empty);
        var @namespace = NameRule.Quote(request.Namespace ?? string.Empty);
        var operation = NameRule.Quote(request.Operation ?? "?");
        var uid = NameRule.Quote(request.Uid);
        var reason = outcome.Status is { } denial ? new ReviewReason(denial.Code, denial.Message)
            : outcome.Patch.Count > 0 ? new ReviewReason(0, PatchOperations(outcome.Patch.Count))
            : ReviewReason.None;
        log.Reviewed(endpoint, operation, @namespace, name, uid, outcome.Decision, reason, request.DryRun, elapsed);
    }

    private static async Task RejectAsync(HttpContext context, ILogger logger, WebhookMetrics metrics, string endpoint, int status, string error)
    {
        metrics.Rejected(endpoint, status);
        if (status == RequestBody.ClientClosedRequest)
        {
            Log.ClientLeft(logger, endpoint, error);
            return;
        }

        Log.Rejected(logger, endpoint, status, error);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        try
        {
            await context.Response.WriteAsync(error + "\n", context.RequestAborted);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // A client that broke its body off may be gone by now; the warning above already says what happened.
        }
    }

    // A mutation patches at most a handful of fields: their reason texts are made once.
    private static readonly string[] PatchOperationCounts = [.. Enumerable.Range(0, 16).Select(count => $"{count} patch operations")];

    private static string PatchOperations(int count) => count < PatchOperationCounts.Length ? PatchOperationCounts[count] : $"{count} patch operations";

    private sealed record AdmissionServices(
        WebhookOptions Options,
        ILogger Logger,
        ReviewLog ReviewLog,
        WebhookMetrics Metrics,
        Func<AdmissionRequest, LookupDeadline, ValueTask<AdmissionOutcome>> Validate,
        Func<AdmissionRequest, LookupDeadline, ValueTask<AdmissionOutcome>> Mutate)
    {
        public static AdmissionServices From(IServiceProvider services)
        {
            var reviewer = services.GetRequiredService<KeptnTaskReviewer>();
            return new AdmissionServices(
                services.GetRequiredService<IOptions<WebhookOptions>>().Value,
                services.GetRequiredService<ILoggerFactory>().CreateLogger(ReviewLog.Category),
                services.GetRequiredService<ReviewLog>(),
                services.GetRequiredService<WebhookMetrics>(),
                reviewer.ValidateAsync,
                (request, _) => ValueTask.FromResult(reviewer.Mutate(request)));
        }
    }

    /// <summary>
    /// Where the JSON breaks, without JsonException's message: that quotes the bad token, which can be kilobytes of the
    /// body (into the answer and a Warning log line). Found by the fuzz test.
    /// </summary>
    private static string NotJson(JsonException e) => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"the body is not valid JSON (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1} of that line)");

    /// <summary>
    /// The string, or a placeholder when it cannot be decoded (a lone surrogate escape): the answer is already sent when
    /// the line is logged, and a throw here would abort the connection (found by the fuzz test).
    /// </summary>
    private static string? Readable(FieldValue? field)
    {
        try
        {
            return field?.StringOrNull();
        }
        catch (InvalidOperationException)
        {
            return "(not valid Unicode)";
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2, EventName = "RejectedBody", Level = LogLevel.Warning, Message = "{Endpoint}: answered HTTP {Status} to a body that is not an AdmissionReview: {Error}")]
        public static partial void Rejected(ILogger logger, string endpoint, int status, string error);

        [LoggerMessage(EventId = 3, EventName = "ClientLeft", Level = LogLevel.Warning, Message = "{Endpoint}: no answer sent: {Error}")]
        public static partial void ClientLeft(ILogger logger, string endpoint, string error);
    }
}
