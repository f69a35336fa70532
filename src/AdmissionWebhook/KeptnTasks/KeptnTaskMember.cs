namespace AdmissionWebhook.KeptnTasks;

/// <summary>
/// A member of a KeptnTask object that the rules read: its name, where its value goes and, for an object whose own
/// members are read, those. The spec also keeps where it lies, for an UPDATE's comparison. The one list of what
/// <see cref="KeptnTaskFields"/> holds, for the decoder's pass and for <see cref="KeptnTaskFields.From"/> alike.
/// </summary>
internal sealed record KeptnTaskMember(byte[] Name, Action<KeptnTaskFields, FieldValue> Set, KeptnTaskMember[]? Members = null, bool KeepsJson = false)
{
    private static readonly KeptnTaskMember[] OfMetadata =
    [
        new("name"u8.ToArray(), (fields, value) => fields.Name = value),
        new("generateName"u8.ToArray(), (fields, value) => fields.GenerateName = value),
        new("namespace"u8.ToArray(), (fields, value) => fields.Namespace = value),
        new("deletionTimestamp"u8.ToArray(), (fields, value) => fields.DeletionTimestamp = value),
    ];

    private static readonly KeptnTaskMember[] OfContext =
    [
        new("appName"u8.ToArray(), (fields, value) => fields.AppName = value),
        new("appVersion"u8.ToArray(), (fields, value) => fields.AppVersion = value),
        new("workloadName"u8.ToArray(), (fields, value) => fields.WorkloadName = value),
        new("workloadVersion"u8.ToArray(), (fields, value) => fields.WorkloadVersion = value),
        new("objectType"u8.ToArray(), (fields, value) => fields.ObjectType = value),
        new("taskType"u8.ToArray(), (fields, value) => fields.TaskType = value),
    ];

    private static readonly KeptnTaskMember[] OfSpec =
    [
        new("taskDefinition"u8.ToArray(), (fields, value) => fields.TaskDefinition = value),
        new("context"u8.ToArray(), (fields, value) => fields.Context = value, OfContext),
        new("retries"u8.ToArray(), (fields, value) => fields.Retries = value),
        new("timeout"u8.ToArray(), (fields, value) => fields.Timeout = value),
        new("checkType"u8.ToArray(), (fields, value) => fields.CheckType = value),
        new("secureParameters"u8.ToArray(), (fields, value) => fields.SecureParameters = value, [new("secret"u8.ToArray(), (fields, value) => fields.Secret = value)]),
        new("app"u8.ToArray(), (fields, value) => fields.App = value),
        new("workload"u8.ToArray(), (fields, value) => fields.Workload = value),
    ];

    public static readonly KeptnTaskMember[] OfTask =
    [
        new("apiVersion"u8.ToArray(), (fields, value) => fields.ApiVersion = value),
        new("kind"u8.ToArray(), (fields, value) => fields.Kind = value),
        new("metadata"u8.ToArray(), (fields, value) => fields.Metadata = value, OfMetadata),
        new("spec"u8.ToArray(), (fields, value) => fields.Spec = value, OfSpec, KeepsJson: true),
    ];
}
