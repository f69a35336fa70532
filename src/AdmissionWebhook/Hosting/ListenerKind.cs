namespace AdmissionWebhook.Hosting;

/// <summary>
/// Which listener an endpoint belongs to. Admission is served over HTTPS only; health and metrics over plain HTTP
/// only, so kubelet probes need no certificate and no admission request is ever accepted unencrypted.
/// </summary>
internal enum ListenerKind
{
    Admission,
    Health,
}

/// <summary>Endpoint metadata naming the listener an endpoint is served on.</summary>
internal sealed record ListenerMetadata(ListenerKind Kind)
{
    public static readonly ListenerMetadata Admission = new(ListenerKind.Admission);
    public static readonly ListenerMetadata Health = new(ListenerKind.Health);
}

internal static class ListenerSeparation
{
    /// <summary>Answers 404 when an endpoint is reached through the other listener.</summary>
    public static IApplicationBuilder UseListenerSeparation(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ListenerMetadata>()?.Kind is { } kind &&
            (kind == ListenerKind.Admission) != context.Request.IsHttps)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return next(context);
    });
}
