using System.Globalization;
using System.Text.Json;
using AdmissionWebhook.Admission;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.KeptnTasks;
using AdmissionWebhook.Validation;

namespace AdmissionWebhook.Mutation;

/// <summary>
/// Gives <c>retries</c> and <c>timeout</c> their defaults when absent, and turns a bare number of seconds — what the
/// reference page's "duration-in-seconds" invites — into the Go duration Keptn reads.
/// </summary>
internal sealed class DefaultsMutation(WebhookOptions options)
{
    private static readonly string RetriesPath = JsonPointer.Of("spec", "retries");
    private static readonly string TimeoutPath = JsonPointer.Of("spec", "timeout");

    // The options do not change while this instance lives: the texts and the boxed default are made once.
    private readonly object _defaultRetries = options.DefaultRetries;
    private readonly string _retriesAudit = $"defaulted to {options.DefaultRetries}: spec.retries was not set";
    private readonly string _timeoutAudit = $"defaulted to {options.DefaultTimeout}: spec.timeout was not set";

    public void Apply(TaskUnderReview task, MutationPlan plan)
    {
        // v1alpha1/v1alpha2 have neither field: never add what the request's version does not have.
        if (task.Shape != KeptnTaskShape.Current || task.Fields.Spec.Kind != JsonValueKind.Object)
        {
            return;
        }

        var retries = task.Fields.Retries;
        if (retries.IsAbsent)
        {
            plan.Set(retries.Kind == JsonValueKind.Null, RetriesPath, _defaultRetries);
            plan.Audit("retries", _retriesAudit);
        }

        var timeout = task.Fields.Timeout;
        if (timeout.IsAbsent)
        {
            plan.Set(timeout.Kind == JsonValueKind.Null, TimeoutPath, options.DefaultTimeout);
            plan.Audit("timeout", _timeoutAudit);
        }
        else if (BareSeconds(timeout) is { } seconds)
        {
            var duration = seconds + "s";
            plan.Set(exists: true, TimeoutPath, duration);
            plan.Audit("timeout", $"rewritten from {timeout.RawText()} to \"{duration}\": a bare number is read as seconds");
            plan.Warn($"spec.timeout {timeout.RawText()} has no unit: read as seconds and stored as \"{duration}\"");
        }
    }

    /// <summary>The seconds of a timeout written as <c>300</c> or <c>"300"</c>; null for anything else.</summary>
    private static string? BareSeconds(FieldValue timeout)
    {
        if (timeout.StringOrNull() is { } text && GoDuration.IsBareSeconds(text))
        {
            return text;
        }

        if (timeout.TryGetDecimal(out var number) && number >= 0 && number < 1_000_000_000)
        {
            return number.ToString(CultureInfo.InvariantCulture);
        }

        return null;
    }
}
