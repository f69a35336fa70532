namespace AdmissionWebhook.KeptnTasks;

/// <summary>
/// The values every KeptnTask review repeats — in its envelope (operation, group, version, resource) and in the task
/// (kind, apiVersion, phases, object types) — as constants instead of a new string each time.
/// </summary>
internal static class KnownValues
{
    /// <summary>The constant for <paramref name="value"/> (plain ASCII), or null when it is none of them.</summary>
    public static string? Of(ReadOnlySpan<byte> value) => value.Length switch
    {
        0 => string.Empty,
        2 when value.SequenceEqual("v1"u8) => "v1",
        3 when value.SequenceEqual("pre"u8) => "pre",
        3 when value.SequenceEqual("App"u8) => "App",
        4 when value.SequenceEqual("post"u8) => "post",
        6 when value.SequenceEqual("CREATE"u8) => "CREATE",
        6 when value.SequenceEqual("UPDATE"u8) => "UPDATE",
        6 when value.SequenceEqual("DELETE"u8) => "DELETE",
        7 when value.SequenceEqual("v1beta1"u8) => "v1beta1",
        8 when value.SequenceEqual("v1alpha1"u8) => "v1alpha1",
        8 when value.SequenceEqual("v1alpha2"u8) => "v1alpha2",
        8 when value.SequenceEqual("v1alpha3"u8) => "v1alpha3",
        8 when value.SequenceEqual("Workload"u8) => "Workload",
        9 when value.SequenceEqual("KeptnTask"u8) => KeptnTaskVersion.Kind,
        9 when value.SequenceEqual("promotion"u8) => "promotion",
        10 when value.SequenceEqual("keptntasks"u8) => KeptnTaskVersion.Resource,
        18 when value.SequenceEqual("lifecycle.keptn.sh"u8) => KeptnTaskVersion.Group,
        21 when value.SequenceEqual("lifecycle.keptn.sh/v1"u8) => "lifecycle.keptn.sh/v1",
        _ => null,
    };
}
