using AdmissionWebhook.Admission;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.Validation;

namespace AdmissionWebhook.Mutation;

/// <summary>
/// The mutations of SPEC section 4, applied to a CREATE. Each only fills what is absent, so a second invocation
/// (reinvocationPolicy IfNeeded) changes nothing. UPDATEs are left alone: changing the spec of a stored task would make
/// the validating webhook refuse the update, and block label or finalizer changes of tasks made before the webhook.
/// </summary>
internal sealed class KeptnTaskMutator(IClusterState state, WebhookOptions options)
{
    private readonly DefaultsMutation _defaults = new(options);
    private readonly CheckTypeDerivation _checkType = new(state);

    public AdmissionOutcome Mutate(TaskUnderReview task)
    {
        if (!task.IsCreate)
        {
            return AdmissionOutcome.AllowedUntouched;
        }

        var plan = new MutationPlan();
        _defaults.Apply(task, plan);
        _checkType.Apply(task, plan);
        return plan.ToOutcome();
    }
}
