namespace AdmissionWebhook.ClusterState;

/// <summary>
/// Cluster state read once from a folder of manifests: the embedded default of <c>serve</c>, and the state of the
/// offline <c>review</c> command. The folder is the source of truth, so confirming lookups answer from memory.
/// </summary>
internal sealed class ManifestClusterState : IClusterState
{
    private const string KeptnGroup = "lifecycle.keptn.sh/";

    public ManifestClusterState(ClusterStateStore store, string description)
    {
        Store = store;
        Description = description;
    }

    public ClusterStateStore Store { get; }

    public string Description { get; }

    public bool IsSynced => true;

    public IReadOnlyList<CacheStatus> CacheStates => KeptnResource.All.Select(resource => new CacheStatus(resource.Kind, true, Store.Count(resource.Kind))).ToList();

    /// <summary>Loads every Keptn object under <paramref name="paths"/>; objects without a namespace go to <paramref name="defaultNamespace"/>.</summary>
    /// <exception cref="FileNotFoundException">A path does not exist.</exception>
    /// <exception cref="FormatException">A file cannot be read as YAML/JSON.</exception>
    public static ManifestClusterState Load(IEnumerable<string> paths, string defaultNamespace = "default")
    {
        var store = new ClusterStateStore();
        var described = new List<string>();
        foreach (var path in paths)
        {
            described.Add(Path.GetFullPath(path));
            foreach (var file in ManifestReader.Files(path))
            {
                foreach (var item in ManifestReader.Read(file))
                {
                    AddIfKeptn(store, item, defaultNamespace);
                }
            }
        }

        return new ManifestClusterState(store, described.Count == 0 ? "empty state" : "manifest folder " + string.Join(", ", described));
    }

    /// <summary>Adds a Keptn object of the <c>lifecycle.keptn.sh</c> group to the store; anything else is left out.</summary>
    public static bool AddIfKeptn(ClusterStateStore store, ManifestObject item, string defaultNamespace)
    {
        if (item.Kind is null || item.Name is null || item.ApiVersion?.StartsWith(KeptnGroup, StringComparison.Ordinal) != true)
        {
            return false;
        }

        return store.Add(item.Kind, item.Namespace ?? defaultNamespace, item.Name, item.Object);
    }

    public bool HasTask(string @namespace, string name) => Store.HasTask(@namespace, name);

    public bool HasTaskDefinition(string @namespace, string name) => Store.HasTaskDefinition(@namespace, name);

    public IReadOnlyCollection<string> TaskDefinitionNames(string @namespace) => Store.TaskDefinitionNames(@namespace);

    public TaskListOwner? FindOwner(KeptnOwnerKind kind, string @namespace, string name) => Store.FindOwner(kind, @namespace, name);

    public ValueTask<Lookup> ConfirmTaskAsync(string @namespace, string name, LookupDeadline deadline) =>
        ValueTask.FromResult(Lookup.FromCache(Store.HasTask(@namespace, name)));

    public ValueTask<Lookup> ConfirmTaskDefinitionAsync(string @namespace, string name, LookupDeadline deadline) =>
        ValueTask.FromResult(Lookup.FromCache(Store.HasTaskDefinition(@namespace, name)));
}
