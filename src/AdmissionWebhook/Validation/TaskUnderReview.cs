using AdmissionWebhook.Admission;
using AdmissionWebhook.KeptnTasks;

namespace AdmissionWebhook.Validation;

/// <summary>A KeptnTask CREATE or UPDATE, with what every rule needs already resolved.</summary>
internal sealed record TaskUnderReview(
    AdmissionRequest Request,
    string Namespace,
    string? Name,
    KeptnTaskShape Shape,
    KeptnTaskFields Fields)
{
    public bool IsCreate => Request.Operation == "CREATE";

    public string DisplayName => Name ?? (Fields.GenerateName.StringOrNull() is { Length: > 0 } prefix ? prefix + "<generated>" : "<no name>");

    /// <summary>Resolves name, namespace and shape the way the apiserver would.</summary>
    public static TaskUnderReview From(AdmissionRequest request)
    {
        var fields = request.Object!;
        var name = NonEmpty(fields.Name.StringOrNull()) ?? NonEmpty(request.Name);
        var @namespace = NonEmpty(request.Namespace) ?? NonEmpty(fields.Namespace.StringOrNull()) ?? "default";
        var version = request.Kind.Group == KeptnTaskVersion.Group && request.Kind.Version is { Length: > 0 }
            ? request.Kind.Version
            : KeptnTaskVersion.VersionOf(fields.ApiVersion.StringOrNull());
        return new TaskUnderReview(request, @namespace, name, KeptnTaskVersion.ShapeOf(version), fields);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
