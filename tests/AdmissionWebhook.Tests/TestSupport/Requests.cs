using System.Text.Json;
using AdmissionWebhook.Admission;
using AdmissionWebhook.KeptnTasks;

namespace AdmissionWebhook.Tests.TestSupport;

/// <summary>AdmissionRequests for focused tests, built directly rather than through a review body.</summary>
internal static class Requests
{
    public const string Namespace = "podtato-kubectl";

    public static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>A KeptnTask request for <paramref name="objectJson"/> (and <paramref name="oldObjectJson"/> for an UPDATE).</summary>
    public static AdmissionRequest KeptnTask(
        string operation,
        string? objectJson,
        string? oldObjectJson = null,
        string version = "v1",
        string @namespace = Namespace,
        string? subResource = null) => new()
        {
            Uid = "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            ReviewVersion = AdmissionReviewVersion.V1,
            Operation = operation,
            Kind = new GroupVersionName(KeptnTaskVersion.Group, version, KeptnTaskVersion.Kind),
            Resource = new GroupVersionName(KeptnTaskVersion.Group, version, KeptnTaskVersion.Resource),
            SubResource = subResource,
            Namespace = @namespace,
            Object = objectJson is null ? null : KeptnTaskFields.From(Json(objectJson)),
            OldObject = oldObjectJson is null ? null : KeptnTaskFields.From(Json(oldObjectJson)),
        };

    /// <summary>A valid hand-made run of check-entry-conditions named <paramref name="name"/>.</summary>
    public static string Task(string name, string taskDefinition = "check-entry-conditions") => $$"""
        {
          "apiVersion": "lifecycle.keptn.sh/v1",
          "kind": "KeptnTask",
          "metadata": { "name": "{{name}}" },
          "spec": {
            "taskDefinition": "{{taskDefinition}}",
            "context": { "appName": "podtato-head", "appVersion": "0.1.0", "workloadName": "podtato-head-frontend", "workloadVersion": "0.1.0", "objectType": "", "taskType": "" }
          }
        }
        """;
}
