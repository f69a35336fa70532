namespace AdmissionWebhook.ClusterState;

/// <summary>Starts and stops the cluster state with the host when it has a lifetime of its own (watch caches do; a manifest folder does not).</summary>
internal sealed partial class ClusterStateLifetime(IClusterState state, ILogger<ClusterStateLifetime> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Log.Using(logger, state.Description);
        return state is IHostedService hosted ? hosted.StartAsync(cancellationToken) : Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        state is IHostedService hosted ? hosted.StopAsync(cancellationToken) : Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 44, EventName = "ClusterStateSource", Level = LogLevel.Information, Message = "Cluster state: {State}")]
        public static partial void Using(ILogger logger, string state);
    }
}
