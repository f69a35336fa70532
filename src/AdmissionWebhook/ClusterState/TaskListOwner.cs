namespace AdmissionWebhook.ClusterState;

/// <summary>The Keptn kinds whose annotations and spec lists name the tasks of a deployment phase.</summary>
internal enum KeptnOwnerKind
{
    KeptnWorkload,
    KeptnApp,
    KeptnAppContext,
}

/// <summary>The phase a task list belongs to; its text is what <c>spec.checkType</c> takes.</summary>
internal enum TaskPhase
{
    Pre,
    Post,
    Promotion,
}

/// <summary>One list of task definition names, and where it was read (for audit annotations and warnings).</summary>
internal sealed record TaskList(TaskPhase Phase, string Source, IReadOnlyList<string> TaskDefinitions);

/// <summary>
/// The part of a KeptnWorkload, KeptnApp or KeptnAppContext the webhook needs: its task lists. Keeping only this,
/// not the whole object, keeps watch caches small.
/// </summary>
internal sealed record TaskListOwner(KeptnOwnerKind Kind, string Namespace, string Name, IReadOnlyList<TaskList> Lists);

internal static class TaskPhases
{
    public static string ToCheckType(this TaskPhase phase) => phase switch
    {
        TaskPhase.Pre => "pre",
        TaskPhase.Post => "post",
        _ => "promotion",
    };
}
