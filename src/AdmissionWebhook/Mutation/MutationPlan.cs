using AdmissionWebhook.Admission;

namespace AdmissionWebhook.Mutation;

/// <summary>What the mutations decided: patch operations, warnings and the audit annotations that explain them.</summary>
internal sealed class MutationPlan
{
    // Room for every operation the mutations make (five at most): the list never grows into a second array.
    private readonly List<PatchOperation> _operations = new(5);
    private readonly List<string> _warnings = [];
    private readonly Dictionary<string, string> _auditAnnotations = new(StringComparer.Ordinal);

    public IReadOnlyList<PatchOperation> Operations => _operations;

    /// <summary>Sets a member: "add" when it is missing, "replace" when it is there (RFC 6902 requires the difference).</summary>
    public void Set(bool exists, string path, object value) => _operations.Add(new PatchOperation(exists ? "replace" : "add", path, value));

    public void Warn(string warning) => _warnings.Add(warning);

    public void Audit(string key, string value) => _auditAnnotations[key] = value;

    public AdmissionOutcome ToOutcome() => new()
    {
        Allowed = true,
        Patch = _operations,
        Warnings = Warnings.Limit(_warnings),
        AuditAnnotations = _auditAnnotations,
    };
}
