namespace AdmissionWebhook.Admission;

/// <summary>One JSON Patch operation the webhook emits: only "add" and "replace" of strings and integers are needed.</summary>
internal sealed record PatchOperation(string Op, string Path, object Value);

/// <summary>A refusal's status, as metav1.Status carries it in the AdmissionResponse.</summary>
internal sealed record AdmissionStatus(int Code, string Reason, string Message);

/// <summary>
/// The typed answer of a review, independent of wire version: the HTTP endpoints encode it, the review command
/// prints it.
/// </summary>
internal sealed record AdmissionOutcome
{
    // Declared first: static fields initialise in order, and AllowedUntouched's defaults read it.
    private static readonly IReadOnlyDictionary<string, string> EmptyAnnotations = new Dictionary<string, string>();

    public static readonly AdmissionOutcome AllowedUntouched = new() { Allowed = true };

    public required bool Allowed { get; init; }

    public AdmissionStatus? Status { get; init; }

    public IReadOnlyList<PatchOperation> Patch { get; init; } = [];

    public IReadOnlyList<string> Warnings { get; init; } = [];

    public IReadOnlyDictionary<string, string> AuditAnnotations { get; init; } = EmptyAnnotations;

    /// <summary>A short word for logs and metrics: allowed, patched or denied.</summary>
    public string Decision => !Allowed ? "denied" : Patch.Count > 0 ? "patched" : "allowed";

    public static AdmissionOutcome Deny(int code, string reason, string message, IReadOnlyList<string>? warnings = null) => new()
    {
        Allowed = false,
        Status = new AdmissionStatus(code, reason, message),
        Warnings = warnings ?? [],
    };

}

/// <summary>The reasons of metav1.Status that the webhook uses, as kubectl and clients expect them.</summary>
internal static class StatusReasons
{
    public const string AlreadyExists = "AlreadyExists";
    public const string Invalid = "Invalid";
    public const string BadRequest = "BadRequest";
    public const string ServiceUnavailable = "ServiceUnavailable";
}
