using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Configuration;

namespace AdmissionWebhook.Validation;

/// <summary>Applies the lookup-failure policy in one place, so every rule that confirms a lookup reacts the same way.</summary>
internal static class LookupFailures
{
    public static void Apply(LookupFailurePolicy policy, Lookup lookup, string field, string what, ValidationReport report)
    {
        if (policy == LookupFailurePolicy.Deny)
        {
            report.Add(field, $"could not check {what}: the API server did not answer ({lookup.Error}); try again in a moment", 503);
        }
        else
        {
            report.Warn($"{what} not checked: API server unavailable; allowed by policy");
        }
    }
}
