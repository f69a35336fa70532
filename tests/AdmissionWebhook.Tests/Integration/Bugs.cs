namespace AdmissionWebhook.Tests.Integration;

/// <summary>Behaviour of src/ that contradicts SPEC.md: the tests stay, skipped with the reason, until src/ is fixed.</summary>
internal static class Bugs
{
    public const string AllowedUntouchedCrashes =
        "BUG: every 'allowed untouched' answer (DELETE, CONNECT, other resources, /mutate of an UPDATE) is HTTP 500 with a " +
        "NullReferenceException in AdmissionReviewWriter.Write: AdmissionOutcome.AllowedUntouched is initialised before the " +
        "static EmptyAnnotations it defaults AuditAnnotations to, so its AuditAnnotations is null (SPEC 2: DELETE allowed untouched, never 5xx)";
}
