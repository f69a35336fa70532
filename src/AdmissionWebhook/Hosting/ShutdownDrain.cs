using AdmissionWebhook.Configuration;
using Microsoft.Extensions.Options;

namespace AdmissionWebhook.Hosting;

/// <summary>
/// On SIGTERM: readiness is already false (<see cref="ShutdownReadiness"/>), and this waits the configured
/// <see cref="WebhookOptions.ShutdownDelay"/> before the listeners close, so reviews routed here while the endpoint
/// removal spreads still get answers. Kestrel then lets in-flight reviews finish within the host's shutdown timeout.
/// </summary>
internal sealed partial class ShutdownDrain(IOptions<WebhookOptions> options, TimeProvider time, ILogger<ShutdownDrain> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var delay = options.Value.ShutdownDelay;
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        Log.Draining(logger, delay.TotalSeconds);
        await Task.Delay(delay, time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 50, EventName = "Draining", Level = LogLevel.Information, Message = "Shutting down: not ready any more; still answering for {DelaySeconds:0.#} s while endpoints drain")]
        public static partial void Draining(ILogger logger, double delaySeconds);
    }
}
