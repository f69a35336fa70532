namespace AdmissionWebhook.Tests.Integration;

/// <summary>Behaviour of src/ that contradicts SPEC.md: the tests stay, skipped with the reason, until src/ is fixed.</summary>
internal static class Bugs
{
    public const string AllowedUntouchedCrashes =
        "BUG: every 'allowed untouched' answer (DELETE, CONNECT, other resources, /mutate of an UPDATE) is HTTP 500 with a " +
        "NullReferenceException in AdmissionReviewWriter.Write: AdmissionOutcome.AllowedUntouched is initialised before the " +
        "static EmptyAnnotations it defaults AuditAnnotations to, so its AuditAnnotations is null (SPEC 2: DELETE allowed untouched, never 5xx)";

    public const string SpecChangeIsNot409 =
        "BUG: an UPDATE that edits the spec of helloworldtask-1 (examples/admission/update-spec-changed.json) is refused with " +
        "422 Invalid; SPEC 3.2 files it under 'Duplicate names' (the name of a task that already ran is reused for a new run) " +
        "and SPEC 2 gives 409 to 'a name already in use'; examples/admission/README.md expects 409. DuplicateNameRule.CheckUpdate " +
        "adds its problem with the default code 422";

    public const string HostileNameSplitsTheLogLine =
        "BUG: the review log line writes metadata.name raw, so a name with CR/LF, ESC or NUL (which /mutate sees before the " +
        "apiserver validates names) splits the line and forges a second one in the text log format (SPEC 6: one line per " +
        "review); a 10,000-character name is logged whole. AdmissionEndpoints.HandleAsync passes displayName to Log.Reviewed " +
        "without NameRule.Quote";
}
