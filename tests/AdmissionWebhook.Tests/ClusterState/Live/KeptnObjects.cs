using System.Text.Json.Nodes;

namespace AdmissionWebhook.Tests.ClusterState.Live;

/// <summary>Keptn objects as the API server stores them, as small as the caches need.</summary>
internal static class KeptnObjects
{
    public const string TaskDefinitions = "keptntaskdefinitions";
    public const string Tasks = "keptntasks";
    public const string Workloads = "keptnworkloads";
    public const string Apps = "keptnapps";
    public const string AppContexts = "keptnappcontexts";

    public const string PreAnnotation = "keptn.sh/pre-deployment-tasks";
    public const string PostAnnotation = "keptn.sh/post-deployment-tasks";

    public static JsonObject TaskDefinition(string @namespace, string name) =>
        Object("KeptnTaskDefinition", @namespace, name, spec: new JsonObject
        {
            ["function"] = new JsonObject { ["inline"] = new JsonObject { ["code"] = "console.log('hello')" } },
        });

    public static JsonObject Task(string @namespace, string name, string definition) =>
        Object("KeptnTask", @namespace, name, spec: new JsonObject
        {
            ["taskDefinition"] = definition,
            ["context"] = new JsonObject { ["workloadName"] = "cart", ["appName"] = "shop", ["objectType"] = "Workload", ["taskType"] = "pre" },
            ["retries"] = 10,
            ["timeout"] = "5m",
        });

    public static JsonObject Workload(string @namespace, string name, string? pre = null, string? post = null)
    {
        var annotations = new JsonObject();
        if (pre is not null)
        {
            annotations[PreAnnotation] = pre;
        }

        if (post is not null)
        {
            annotations[PostAnnotation] = post;
        }

        return Object("KeptnWorkload", @namespace, name, annotations, new JsonObject { ["app"] = "shop", ["version"] = "1.0.0" });
    }

    public static JsonObject App(string @namespace, string name, params string[] preDeploymentTasks) =>
        Object("KeptnApp", @namespace, name, spec: new JsonObject
        {
            ["version"] = "1.0.0",
            ["preDeploymentTasks"] = new JsonArray([.. preDeploymentTasks.Select(task => (JsonNode)task)]),
        });

    public static JsonObject AppContext(string @namespace, string name, params string[] promotionTasks) =>
        Object("KeptnAppContext", @namespace, name, spec: new JsonObject
        {
            ["promotionTasks"] = new JsonArray([.. promotionTasks.Select(task => (JsonNode)task)]),
        });

    private static JsonObject Object(string kind, string @namespace, string name, JsonObject? annotations = null, JsonObject? spec = null)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = @namespace, ["uid"] = Guid.NewGuid().ToString() };
        if (annotations is not null)
        {
            metadata["annotations"] = annotations;
        }

        return new JsonObject
        {
            ["apiVersion"] = "lifecycle.keptn.sh/v1",
            ["kind"] = kind,
            ["metadata"] = metadata,
            ["spec"] = spec ?? new JsonObject(),
        };
    }
}
