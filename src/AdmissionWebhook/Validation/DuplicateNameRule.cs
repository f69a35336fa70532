using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Configuration;

namespace AdmissionWebhook.Validation;

/// <summary>
/// A KeptnTask runs once: a new run needs a new name. Refuses a CREATE of a name in use (409) and an UPDATE that
/// edits the spec of a task that exists, suggesting the next free name for both.
/// </summary>
internal sealed class DuplicateNameRule(IClusterState state, WebhookOptions options) : IValidationRule
{
    public async ValueTask CheckAsync(TaskUnderReview task, ValidationReport report, LookupDeadline deadline)
    {
        if (task.Name is not { } name)
        {
            return;
        }

        if (task.IsCreate)
        {
            await CheckCreateAsync(task, name, report, deadline);
        }
        else
        {
            CheckUpdate(task, name, report);
        }
    }

    private async ValueTask CheckCreateAsync(TaskUnderReview task, string name, ValidationReport report, LookupDeadline deadline)
    {
        if (!state.HasTask(task.Namespace, name))
        {
            return;
        }

        // The cache may lag a deletion by a moment; only the source of truth may refuse.
        var lookup = await state.ConfirmTaskAsync(task.Namespace, name, deadline);
        switch (lookup.Result)
        {
            case LookupResult.Found:
                report.Add(
                    "metadata.name",
                    $"a KeptnTask named \"{NameRule.Quote(name)}\" already exists in namespace \"{NameRule.Quote(task.Namespace)}\", and each run of a task needs a new name: " +
                    $"create this one as \"{NextFreeName(task.Namespace, name)}\"",
                    409);
                break;
            case LookupResult.Unavailable:
                LookupFailures.Apply(options.LookupFailurePolicy, lookup, "metadata.name", $"name \"{name}\"", report);
                break;
        }
    }

    private void CheckUpdate(TaskUnderReview task, string name, ValidationReport report)
    {
        var old = task.Request.OldObject!;
        if (!old.DeletionTimestamp.IsAbsent || !task.Fields.DeletionTimestamp.IsAbsent)
        {
            return;
        }

        if (task.Fields.SpecEquals(old))
        {
            return;
        }

        report.Add(
            "spec",
            "the spec of an existing KeptnTask cannot be changed: a KeptnTask runs once, so the edit would never run. " +
            $"To run it with the new spec, create it under a new name such as \"{NextFreeName(task.Namespace, name)}\"");
    }

    /// <summary>Quoted for the message: it is built from the name, which came from the request or a reviewed file.</summary>
    private string NextFreeName(string @namespace, string name) =>
        NameRule.Quote(NameSuggestions.NextFreeName(name, (state, @namespace), static (cluster, candidate) => cluster.state.HasTask(cluster.@namespace, candidate)));
}
