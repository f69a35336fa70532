using AdmissionWebhook.ClusterState;
using AdmissionWebhook.KeptnTasks;
using AdmissionWebhook.Mutation;
using AdmissionWebhook.Validation;

namespace AdmissionWebhook.Admission;

/// <summary>
/// The single entry to the rules, shared by the HTTP endpoints and the offline review command: screens out what is
/// not a KeptnTask CREATE/UPDATE, then validates or mutates.
/// </summary>
internal sealed class KeptnTaskReviewer(KeptnTaskValidator validator, KeptnTaskMutator mutator)
{
    public ValueTask<AdmissionOutcome> ValidateAsync(AdmissionRequest request, LookupDeadline deadline) =>
        Screen(request, out var task) is { } early ? ValueTask.FromResult(early) : validator.ValidateAsync(task!, deadline);

    public AdmissionOutcome Mutate(AdmissionRequest request) =>
        Screen(request, out var task) ?? mutator.Mutate(task!);

    /// <summary>The answer for requests the rules do not look at, or null with the task to review.</summary>
    private static AdmissionOutcome? Screen(AdmissionRequest request, out TaskUnderReview? task)
    {
        task = null;
        if (request.MalformedReason is { } malformed)
        {
            return Malformed(malformed);
        }

        if (!IsKeptnTask(request) || request.Operation is not ("CREATE" or "UPDATE"))
        {
            return AdmissionOutcome.AllowedUntouched;
        }

        if (request.Object is null)
        {
            return Malformed($"{(request.Operation == "UPDATE" ? "an" : "a")} {request.Operation} review carries the KeptnTask in request.object");
        }

        if (request.Operation == "UPDATE" && request.OldObject is null)
        {
            return Malformed("an UPDATE review carries the stored KeptnTask in request.oldObject");
        }

        task = TaskUnderReview.From(request);
        return null;
    }

    private static AdmissionOutcome Malformed(string reason) =>
        AdmissionOutcome.Deny(400, StatusReasons.BadRequest, $"the AdmissionReview is malformed: {reason}");

    /// <summary>KeptnTasks themselves; their /status subresource and every other resource pass untouched.</summary>
    private static bool IsKeptnTask(AdmissionRequest request)
    {
        if (!string.IsNullOrEmpty(request.SubResource))
        {
            return false;
        }

        if (request.Resource.Name is { Length: > 0 } resource)
        {
            return request.Resource.Group == KeptnTaskVersion.Group && resource == KeptnTaskVersion.Resource;
        }

        if (request.Kind.Name is { Length: > 0 } kind)
        {
            return request.Kind.Group == KeptnTaskVersion.Group && kind == KeptnTaskVersion.Kind;
        }

        // A hand-written review (curl) may name neither; the object then says what it is.
        return request.Object?.Kind.StringOrNull() == KeptnTaskVersion.Kind &&
            request.Object.ApiVersion.StringOrNull()?.StartsWith(KeptnTaskVersion.Group + "/", StringComparison.Ordinal) == true;
    }
}
