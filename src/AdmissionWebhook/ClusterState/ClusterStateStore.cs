using System.Collections.Concurrent;
using System.Text.Json;
using AdmissionWebhook.KeptnTasks;

namespace AdmissionWebhook.ClusterState;

/// <summary>
/// The in-memory index every state source fills: the manifest loader at start, watch caches on every event.
/// Safe for concurrent readers and one writer per kind; a read never waits on a write.
/// </summary>
internal sealed class ClusterStateStore
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _tasks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _taskDefinitions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(KeptnOwnerKind Kind, string Namespace, string Name), TaskListOwner> _owners = new();

    public bool HasTask(string @namespace, string name) => Contains(_tasks, @namespace, name);

    public bool HasTaskDefinition(string @namespace, string name) => Contains(_taskDefinitions, @namespace, name);

    public IReadOnlyCollection<string> TaskDefinitionNames(string @namespace) =>
        _taskDefinitions.TryGetValue(@namespace, out var names) ? (IReadOnlyCollection<string>)names.Keys : [];

    public TaskListOwner? FindOwner(KeptnOwnerKind kind, string @namespace, string name) =>
        _owners.TryGetValue((kind, @namespace, name), out var owner) ? owner : null;

    public int TaskCount => Count(KeptnTaskVersion.Kind);

    public int TaskDefinitionCount => Count("KeptnTaskDefinition");

    public int OwnerCount => _owners.Count;

    /// <summary>How many objects of <paramref name="kind"/> the store holds.</summary>
    public int Count(string kind)
    {
        if (KeptnObjectReader.OwnerKindOf(kind) is { } ownerKind)
        {
            return _owners.Keys.Count(key => key.Kind == ownerKind);
        }

        var index = kind == KeptnTaskVersion.Kind ? _tasks : _taskDefinitions;
        return index.Values.Sum(names => names.Count);
    }

    public void AddTask(string @namespace, string name) => Add(_tasks, @namespace, name);

    public void RemoveTask(string @namespace, string name) => Remove(_tasks, @namespace, name);

    public void AddTaskDefinition(string @namespace, string name) => Add(_taskDefinitions, @namespace, name);

    public void RemoveTaskDefinition(string @namespace, string name) => Remove(_taskDefinitions, @namespace, name);

    public void SetOwner(TaskListOwner owner) => _owners[(owner.Kind, owner.Namespace, owner.Name)] = owner;

    public void RemoveOwner(KeptnOwnerKind kind, string @namespace, string name) => _owners.TryRemove((kind, @namespace, name), out _);

    /// <summary>The (namespace, name) keys currently held for <paramref name="kind"/>, to find what a relist no longer returns.</summary>
    public IReadOnlyList<(string Namespace, string Name)> Keys(string kind)
    {
        if (KeptnObjectReader.OwnerKindOf(kind) is { } ownerKind)
        {
            return _owners.Keys.Where(key => key.Kind == ownerKind).Select(key => (key.Namespace, key.Name)).ToList();
        }

        var index = kind == KeptnTaskVersion.Kind ? _tasks : _taskDefinitions;
        return index.SelectMany(pair => pair.Value.Keys.Select(name => (pair.Key, name))).ToList();
    }

    /// <summary>Removes an object of any tracked kind.</summary>
    public void Remove(string kind, string @namespace, string name)
    {
        switch (kind)
        {
            case KeptnTaskVersion.Kind:
                RemoveTask(@namespace, name);
                return;
            case "KeptnTaskDefinition":
                RemoveTaskDefinition(@namespace, name);
                return;
        }

        if (KeptnObjectReader.OwnerKindOf(kind) is { } ownerKind)
        {
            RemoveOwner(ownerKind, @namespace, name);
        }
    }

    /// <summary>Adds any Keptn object this state tracks; other kinds are ignored. Returns false for objects it cannot use.</summary>
    public bool Add(string kind, string @namespace, string name, JsonElement obj)
    {
        switch (kind)
        {
            case KeptnTaskVersion.Kind:
                AddTask(@namespace, name);
                return true;
            case "KeptnTaskDefinition":
                AddTaskDefinition(@namespace, name);
                return true;
        }

        if (KeptnObjectReader.OwnerKindOf(kind) is { } ownerKind)
        {
            SetOwner(KeptnObjectReader.ReadOwner(ownerKind, @namespace, name, obj));
            return true;
        }

        return false;
    }

    private static bool Contains(ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> index, string @namespace, string name) =>
        index.TryGetValue(@namespace, out var names) && names.ContainsKey(name);

    private static void Add(ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> index, string @namespace, string name) =>
        index.GetOrAdd(@namespace, static _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal))[name] = 0;

    private static void Remove(ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> index, string @namespace, string name)
    {
        if (index.TryGetValue(@namespace, out var names))
        {
            names.TryRemove(name, out _);
        }
    }
}
