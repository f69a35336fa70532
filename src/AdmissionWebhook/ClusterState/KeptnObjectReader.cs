using System.Text.Json;
using AdmissionWebhook.KeptnTasks;

namespace AdmissionWebhook.ClusterState;

/// <summary>Reads the Keptn objects of the cluster state from their JSON form, the same for manifests and watch events.</summary>
internal static class KeptnObjectReader
{
    public const string PreDeploymentTasksAnnotation = "keptn.sh/pre-deployment-tasks";
    public const string PostDeploymentTasksAnnotation = "keptn.sh/post-deployment-tasks";

    public static KeptnOwnerKind? OwnerKindOf(string? kind) => kind switch
    {
        "KeptnWorkload" => KeptnOwnerKind.KeptnWorkload,
        "KeptnApp" => KeptnOwnerKind.KeptnApp,
        "KeptnAppContext" => KeptnOwnerKind.KeptnAppContext,
        _ => null,
    };

    /// <summary>Extracts the annotation and spec task lists of a workload, app or app context.</summary>
    public static TaskListOwner ReadOwner(KeptnOwnerKind kind, string @namespace, string name, JsonElement obj)
    {
        var lists = new List<TaskList>();
        var annotations = obj.Field("metadata"u8).Field("annotations"u8);
        if (kind != KeptnOwnerKind.KeptnAppContext)
        {
            AddAnnotationList(lists, annotations, PreDeploymentTasksAnnotation, TaskPhase.Pre);
            AddAnnotationList(lists, annotations, PostDeploymentTasksAnnotation, TaskPhase.Post);
        }

        var spec = obj.Field("spec"u8);
        AddSpecList(lists, spec, "preDeploymentTasks", TaskPhase.Pre);
        AddSpecList(lists, spec, "postDeploymentTasks", TaskPhase.Post);
        if (kind == KeptnOwnerKind.KeptnAppContext)
        {
            AddSpecList(lists, spec, "promotionTasks", TaskPhase.Promotion);
        }

        return new TaskListOwner(kind, @namespace, name, lists);
    }

    /// <summary>Splits a comma-separated list, trimming blanks and dropping empty items.</summary>
    public static string[] SplitList(string value) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static void AddAnnotationList(List<TaskList> lists, JsonElement annotations, string key, TaskPhase phase)
    {
        if (annotations.Field(key).StringOrNull() is { } value && SplitList(value) is { Length: > 0 } names)
        {
            lists.Add(new TaskList(phase, $"annotation {key}", names));
        }
    }

    private static void AddSpecList(List<TaskList> lists, JsonElement spec, string field, TaskPhase phase)
    {
        var array = spec.Field(field);
        if (array.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var names = new List<string>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.StringOrNull() is { } text)
            {
                names.AddRange(SplitList(text));
            }
        }

        if (names.Count > 0)
        {
            lists.Add(new TaskList(phase, $"spec.{field}", names));
        }
    }
}
