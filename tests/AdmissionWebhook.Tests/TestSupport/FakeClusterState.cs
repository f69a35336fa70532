using AdmissionWebhook.ClusterState;

namespace AdmissionWebhook.Tests.TestSupport;

/// <summary>
/// A cluster whose watch cache and source of truth can disagree: <see cref="Cache"/> answers the Has*/Find* reads, the
/// Confirm* calls answer what the test says the live GET would, and every confirmation is recorded.
/// </summary>
internal sealed class FakeClusterState : IClusterState
{
    public ClusterStateStore Cache { get; } = new();

    public Func<string, string, Lookup> LiveTask { get; set; } = (_, _) => Lookup.NotFound;

    public Func<string, string, Lookup> LiveTaskDefinition { get; set; } = (_, _) => Lookup.NotFound;

    public List<string> Confirmations { get; } = [];

    public string Description => "fake cluster";

    public bool IsSynced => true;

    public IReadOnlyList<CacheStatus> CacheStates => [];

    public bool HasTask(string @namespace, string name) => Cache.HasTask(@namespace, name);

    public bool HasTaskDefinition(string @namespace, string name) => Cache.HasTaskDefinition(@namespace, name);

    public IReadOnlyCollection<string> TaskDefinitionNames(string @namespace) => Cache.TaskDefinitionNames(@namespace);

    public TaskListOwner? FindOwner(KeptnOwnerKind kind, string @namespace, string name) => Cache.FindOwner(kind, @namespace, name);

    public ValueTask<Lookup> ConfirmTaskAsync(string @namespace, string name, LookupDeadline deadline)
    {
        Confirmations.Add($"KeptnTask {@namespace}/{name}");
        return ValueTask.FromResult(LiveTask(@namespace, name));
    }

    public ValueTask<Lookup> ConfirmTaskDefinitionAsync(string @namespace, string name, LookupDeadline deadline)
    {
        Confirmations.Add($"KeptnTaskDefinition {@namespace}/{name}");
        return ValueTask.FromResult(LiveTaskDefinition(@namespace, name));
    }
}
