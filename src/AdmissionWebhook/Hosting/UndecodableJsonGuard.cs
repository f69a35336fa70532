using System.Diagnostics;
using System.Text.Json;
using AdmissionWebhook.Observability;

namespace AdmissionWebhook.Hosting;

/// <summary>
/// JsonDocument checks a body's syntax when it parses it but decodes a string only when it is read: a string with a
/// lone UTF-16 surrogate escape (<c>"\ud800"</c>) or bytes that are not UTF-8 parses fine and then throws
/// <see cref="InvalidOperationException"/> from System.Text.Json deep inside a review. No apiserver sends such a body
/// (Go's encoder writes U+FFFD instead), so it is bad input: answered 400 with a short text like any body that is no
/// AdmissionReview, never a 500. Found by the fuzz test (tests/AdmissionWebhook.Tests/Fuzz).
/// </summary>
internal static partial class UndecodableJsonGuard
{
    public static IApplicationBuilder UseUndecodableJsonGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (InvalidOperationException e) when (!context.Response.HasStarted && ThrownByJsonDecoding(e) &&
            context.GetEndpoint()?.Metadata.GetMetadata<ListenerMetadata>()?.Kind == ListenerKind.Admission)
        {
            var endpoint = context.Request.Path.Value?.TrimStart('/') ?? string.Empty;
            context.RequestServices.GetRequiredService<WebhookMetrics>().Rejected(endpoint, StatusCodes.Status400BadRequest);
            Log.Undecodable(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("AdmissionWebhook.Admission"), endpoint, e.Message);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("the body holds a JSON string that is not valid Unicode (a lone surrogate escape or bytes that are not UTF-8)\n", context.RequestAborted);
        }
    });

    /// <summary>True when the innermost frame that threw belongs to System.Text.Json: a string that could not be decoded.</summary>
    private static bool ThrownByJsonDecoding(InvalidOperationException e) =>
        new StackTrace(e, fNeedFileInfo: false).GetFrames().FirstOrDefault()?.GetMethod()?.DeclaringType?.Assembly == typeof(JsonDocument).Assembly;

    private static partial class Log
    {
        [LoggerMessage(EventId = 3, EventName = "UndecodableBody", Level = LogLevel.Warning, Message = "{Endpoint}: answered HTTP 400 to a body with a JSON string that cannot be decoded: {Error}")]
        public static partial void Undecodable(ILogger logger, string endpoint, string error);
    }
}
