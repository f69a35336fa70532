namespace AdmissionWebhook.Validation;

/// <summary>One rule of SPEC section 3. Rules add problems and warnings to the report; they never throw for bad input.</summary>
internal interface IValidationRule
{
    ValueTask CheckAsync(TaskUnderReview task, ValidationReport report, CancellationToken cancellationToken);
}
