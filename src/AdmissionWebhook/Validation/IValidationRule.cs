using AdmissionWebhook.ClusterState;

namespace AdmissionWebhook.Validation;

/// <summary>
/// One rule of SPEC section 3. Rules add problems and warnings to the report; they never throw for bad input. A rule
/// that confirms with the cluster state hands it the review's deadline; the state reads its token only if it goes to
/// the API server.
/// </summary>
internal interface IValidationRule
{
    ValueTask CheckAsync(TaskUnderReview task, ValidationReport report, LookupDeadline deadline);
}
