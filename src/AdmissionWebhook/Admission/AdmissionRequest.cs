using AdmissionWebhook.KeptnTasks;

namespace AdmissionWebhook.Admission;

/// <summary>The AdmissionReview versions the webhook speaks; the answer uses the version that was asked.</summary>
internal enum AdmissionReviewVersion
{
    V1,
    V1Beta1,
}

/// <summary>A group/version/kind or group/version/resource as the review names it.</summary>
internal readonly record struct GroupVersionName(string? Group, string? Version, string? Name);

/// <summary>
/// The request of an AdmissionReview. Of <see cref="Object"/> and <see cref="OldObject"/> it holds the fields the rules
/// read, typed exactly as the user sent them, so patches are computed against what was sent.
/// </summary>
internal sealed record AdmissionRequest
{
    public required string Uid { get; init; }

    public required AdmissionReviewVersion ReviewVersion { get; init; }

    public string? Operation { get; init; }

    public GroupVersionName Kind { get; init; }

    public GroupVersionName Resource { get; init; }

    public string? SubResource { get; init; }

    public string? Namespace { get; init; }

    public string? Name { get; init; }

    public bool DryRun { get; init; }

    /// <summary>Null when the review has no object (DELETE) or it is null.</summary>
    public KeptnTaskFields? Object { get; init; }

    public KeptnTaskFields? OldObject { get; init; }

    /// <summary>Set when the request could be identified (it has a uid) but a field has the wrong JSON type.</summary>
    public string? MalformedReason { get; init; }
}
