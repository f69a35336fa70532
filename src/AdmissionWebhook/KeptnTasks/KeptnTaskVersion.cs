namespace AdmissionWebhook.KeptnTasks;

/// <summary>The two spec shapes KeptnTask has had: v1alpha1/v1alpha2 (app/workload in spec, no retries or timeout) and v1alpha3 onwards.</summary>
internal enum KeptnTaskShape
{
    /// <summary>v1alpha1 and v1alpha2, and any version this webhook does not know: only fields every version has are touched.</summary>
    Legacy,

    /// <summary>v1alpha3, v1beta1 and v1: spec.context, retries and timeout.</summary>
    Current,
}

internal static class KeptnTaskVersion
{
    public const string Group = "lifecycle.keptn.sh";
    public const string Kind = "KeptnTask";
    public const string Resource = "keptntasks";

    public static KeptnTaskShape ShapeOf(string? version) => version switch
    {
        "v1alpha3" or "v1beta1" or "v1" => KeptnTaskShape.Current,
        _ => KeptnTaskShape.Legacy,
    };

    /// <summary>The version part of an apiVersion such as <c>lifecycle.keptn.sh/v1</c>.</summary>
    public static string? VersionOf(string? apiVersion)
    {
        if (string.IsNullOrEmpty(apiVersion))
        {
            return null;
        }

        var slash = apiVersion.LastIndexOf('/');
        return slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
    }
}
