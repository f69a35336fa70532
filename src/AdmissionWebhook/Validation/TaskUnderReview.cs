using System.Text.Json;
using AdmissionWebhook.Admission;
using AdmissionWebhook.KeptnTasks;

namespace AdmissionWebhook.Validation;

/// <summary>A KeptnTask CREATE or UPDATE, with what every rule needs already resolved.</summary>
internal sealed record TaskUnderReview(
    AdmissionRequest Request,
    string Namespace,
    string? Name,
    KeptnTaskShape Shape,
    JsonElement Object,
    JsonElement Metadata,
    JsonElement Spec)
{
    public bool IsCreate => Request.Operation == "CREATE";

    public string DisplayName => Name ?? (Metadata.Field("generateName"u8).StringOrNull() is { Length: > 0 } prefix ? prefix + "<generated>" : "<no name>");

    /// <summary>Resolves name, namespace and shape the way the apiserver would.</summary>
    public static TaskUnderReview From(AdmissionRequest request)
    {
        var metadata = request.Object.Field("metadata"u8);
        var name = NonEmpty(metadata.Field("name"u8).StringOrNull()) ?? NonEmpty(request.Name);
        var @namespace = NonEmpty(request.Namespace) ?? NonEmpty(metadata.Field("namespace"u8).StringOrNull()) ?? "default";
        var version = request.Kind.Group == KeptnTaskVersion.Group && request.Kind.Version is { Length: > 0 }
            ? request.Kind.Version
            : KeptnTaskVersion.VersionOf(request.Object.Field("apiVersion"u8).StringOrNull());

        // Metadata and spec are looked up here once: every rule and the mutation read them.
        return new TaskUnderReview(request, @namespace, name, KeptnTaskVersion.ShapeOf(version), request.Object, metadata, request.Object.Field("spec"u8));
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
