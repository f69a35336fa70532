using AdmissionWebhook.Admission;

namespace AdmissionWebhook.Validation;

/// <summary>
/// One rule of SPEC section 3. Rules add problems and warnings to the report; they never throw for bad input. A rule
/// that asks the API server passes <see cref="ReviewDeadline.Token"/> to its lookup, and reads it only then.
/// </summary>
internal interface IValidationRule
{
    ValueTask CheckAsync(TaskUnderReview task, ValidationReport report, ReviewDeadline deadline);
}
