namespace AdmissionWebhook.ClusterState;

/// <summary>
/// What the rules may know about the cluster. Reads are answered from memory (a manifest folder, or watch caches);
/// only the Confirm* calls may reach the API server, and only to double-check an answer the cache gave.
/// </summary>
internal interface IClusterState
{
    /// <summary>Where the state comes from, for logs and the review report ("manifest folder /x", "cluster https://…").</summary>
    string Description { get; }

    /// <summary>True once every source has been read completely (the manifest folder loaded, every watch cache synced).</summary>
    bool IsSynced { get; }

    /// <summary>Per Keptn kind: the API version served, whether it has synced, and how many objects it holds.</summary>
    IReadOnlyList<CacheStatus> CacheStates { get; }

    bool HasTask(string @namespace, string name);

    bool HasTaskDefinition(string @namespace, string name);

    IReadOnlyCollection<string> TaskDefinitionNames(string @namespace);

    /// <summary>The KeptnWorkload, KeptnApp or KeptnAppContext named <paramref name="name"/>, with its task lists.</summary>
    TaskListOwner? FindOwner(KeptnOwnerKind kind, string @namespace, string name);

    /// <summary>Asks the source of truth whether a task the cache knows of still exists (it may have been deleted a moment ago).</summary>
    ValueTask<Lookup> ConfirmTaskAsync(string @namespace, string name, LookupDeadline deadline);

    /// <summary>Asks the source of truth about a definition the cache lacks (it may have been created a moment ago).</summary>
    ValueTask<Lookup> ConfirmTaskDefinitionAsync(string @namespace, string name, LookupDeadline deadline);
}

/// <summary>The state of one kind's cache, for readiness and metrics.</summary>
internal sealed record CacheStatus(string Kind, bool Synced, int Objects);

/// <summary>The answer of a confirming lookup.</summary>
internal enum LookupResult
{
    Found,
    NotFound,

    /// <summary>The source of truth could not be asked in time; the lookup-failure policy decides.</summary>
    Unavailable,
}

internal readonly record struct Lookup(LookupResult Result, string? Error = null)
{
    public static readonly Lookup Found = new(LookupResult.Found);
    public static readonly Lookup NotFound = new(LookupResult.NotFound);

    public static Lookup Unavailable(string error) => new(LookupResult.Unavailable, error);

    public static Lookup FromCache(bool exists) => exists ? Found : NotFound;
}
