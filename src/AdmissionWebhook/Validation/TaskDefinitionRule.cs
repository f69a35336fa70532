using System.Text.Json;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Configuration;

namespace AdmissionWebhook.Validation;

/// <summary>
/// <c>spec.taskDefinition</c> names a KeptnTaskDefinition that exists in the task's namespace or in the Keptn namespace,
/// where Keptn's operator will look for it.
/// </summary>
internal sealed class TaskDefinitionRule(IClusterState state, WebhookOptions options) : IValidationRule
{
    public async ValueTask CheckAsync(TaskUnderReview task, ValidationReport report, LookupDeadline deadline)
    {
        if (task.Fields.Spec.Kind != JsonValueKind.Object)
        {
            return;
        }

        var field = task.Fields.TaskDefinition;
        if (field.IsUnsetString)
        {
            report.Add("spec.taskDefinition", "is required: name the KeptnTaskDefinition this task runs");
            return;
        }

        if (field.Kind != JsonValueKind.String)
        {
            report.Add("spec.taskDefinition", $"must be the name of a KeptnTaskDefinition (a string), not {field.Describe()}");
            return;
        }

        var definition = field.StringOrNull()!;
        if (DnsNames.SubdomainProblem(definition) is { } problem)
        {
            report.Add("spec.taskDefinition", $"\"{NameRule.Quote(definition)}\" cannot be the name of a KeptnTaskDefinition: {problem}");
            return;
        }

        var keptnNamespace = options.KeptnNamespace;
        if (state.HasTaskDefinition(task.Namespace, definition) || state.HasTaskDefinition(keptnNamespace, definition))
        {
            return;
        }

        // A definition applied a moment before its task may not be in the cache yet.
        var lookup = await state.ConfirmTaskDefinitionAsync(task.Namespace, definition, deadline);
        if (lookup.Result == LookupResult.NotFound && keptnNamespace != task.Namespace)
        {
            lookup = await state.ConfirmTaskDefinitionAsync(keptnNamespace, definition, deadline);
        }

        switch (lookup.Result)
        {
            case LookupResult.NotFound:
                report.Add("spec.taskDefinition", NotFoundText(task.Namespace, definition));
                break;
            case LookupResult.Unavailable:
                LookupFailures.Apply(options.LookupFailurePolicy, lookup, "spec.taskDefinition", $"KeptnTaskDefinition \"{definition}\"", report);
                break;
        }
    }

    private string NotFoundText(string @namespace, string definition)
    {
        var keptnNamespace = options.KeptnNamespace;
        // The request's namespace is checked by no rule (an apiserver sends only real ones): quoted like a name, so a
        // hostile one cannot put a line break into the answer or the review line.
        var searched = @namespace == keptnNamespace
            ? $"namespace \"{NameRule.Quote(@namespace)}\""
            : $"namespace \"{NameRule.Quote(@namespace)}\" or in the Keptn namespace \"{keptnNamespace}\"";
        var candidates = state.TaskDefinitionNames(@namespace).Concat(@namespace == keptnNamespace ? [] : state.TaskDefinitionNames(keptnNamespace));
        var closest = NameSuggestions.Closest(definition, candidates);
        var hint = closest.Count > 0
            ? $"; did you mean {string.Join(" or ", closest.Select(name => $"\"{name}\""))}?"
            : $"; create the KeptnTaskDefinition first, or fix the name";
        return $"no KeptnTaskDefinition \"{definition}\" in {searched}{hint}";
    }
}
