namespace AdmissionWebhook.ClusterState;

/// <summary>A Keptn kind the webhook caches, with its REST plural.</summary>
internal sealed record KeptnResource(string Kind, string Plural)
{
    public const string Group = "lifecycle.keptn.sh";

    public static readonly KeptnResource TaskDefinition = new("KeptnTaskDefinition", "keptntaskdefinitions");
    public static readonly KeptnResource Task = new("KeptnTask", "keptntasks");
    public static readonly KeptnResource Workload = new("KeptnWorkload", "keptnworkloads");
    public static readonly KeptnResource App = new("KeptnApp", "keptnapps");
    public static readonly KeptnResource AppContext = new("KeptnAppContext", "keptnappcontexts");

    public static readonly IReadOnlyList<KeptnResource> All = [TaskDefinition, Task, Workload, App, AppContext];
}
