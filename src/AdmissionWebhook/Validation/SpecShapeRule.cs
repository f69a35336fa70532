using System.Text.Json;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.KeptnTasks;

namespace AdmissionWebhook.Validation;

/// <summary>
/// The spec has the shape Keptn's operator can run: known objectType/taskType/checkType values, the names its
/// objectType needs, non-negative retries, a timeout of at least one second, a valid secret name.
/// </summary>
internal sealed class SpecShapeRule : IValidationRule
{
    private static readonly string[] ObjectTypes = ["", "Workload", "App"];
    private static readonly string[] Phases = ["", "pre", "post", "promotion"];

    public ValueTask CheckAsync(TaskUnderReview task, ValidationReport report, LookupDeadline deadline)
    {
        var fields = task.Fields;
        if (fields.Spec.Kind != JsonValueKind.Object)
        {
            report.Add("spec", fields.Spec.IsAbsent ? "is required: a KeptnTask needs at least spec.taskDefinition" : $"must be an object, not {fields.Spec.Describe()}");
            return ValueTask.CompletedTask;
        }

        CheckOneOf(fields.CheckType, "spec.checkType", Phases, report);
        if (task.Shape == KeptnTaskShape.Current)
        {
            CheckContext(fields, report);
            CheckRetries(fields.Retries, report);
            CheckTimeout(fields.Timeout, report);
            CheckSecret(fields.SecureParameters, fields.Secret, report);
        }

        return ValueTask.CompletedTask;
    }

    private static void CheckContext(KeptnTaskFields fields, ValidationReport report)
    {
        if (fields.Context.Kind != JsonValueKind.Object)
        {
            report.Add("spec.context", fields.Context.IsAbsent
                ? "is required: say which app and workload the task runs for (appName, appVersion, workloadName, workloadVersion, objectType, taskType)"
                : $"must be an object, not {fields.Context.Describe()}");
            return;
        }

        var objectType = CheckOneOf(fields.ObjectType, "spec.context.objectType", ObjectTypes, report);
        CheckOneOf(fields.TaskType, "spec.context.taskType", Phases, report);
        CheckString(fields.AppName, "appName", report);
        CheckString(fields.AppVersion, "appVersion", report);
        CheckString(fields.WorkloadName, "workloadName", report);
        CheckString(fields.WorkloadVersion, "workloadVersion", report);

        // What the operator needs to find the object the task belongs to; it writes an empty appVersion for workload tasks.
        switch (objectType)
        {
            case "Workload":
                CheckNotEmpty(fields.WorkloadName, "workloadName", objectType, report);
                CheckNotEmpty(fields.WorkloadVersion, "workloadVersion", objectType, report);
                break;
            case "App":
                CheckNotEmpty(fields.AppName, "appName", objectType, report);
                CheckNotEmpty(fields.AppVersion, "appVersion", objectType, report);
                break;
            case "":
                CheckNotEmpty(fields.AppName, "appName", objectType, report);
                CheckNotEmpty(fields.WorkloadName, "workloadName", objectType, report);
                break;
        }
    }

    private static void CheckString(FieldValue value, string name, ValidationReport report)
    {
        if (!value.IsAbsent && value.Kind != JsonValueKind.String)
        {
            report.Add($"spec.context.{name}", $"must be a string, not {value.Describe()}");
        }
    }

    private static void CheckNotEmpty(FieldValue value, string name, string objectType, ValidationReport report)
    {
        if (value.IsUnsetString)
        {
            var forWhat = objectType.Length == 0 ? "a task run by hand (objectType \"\")" : $"objectType \"{objectType}\"";
            report.Add($"spec.context.{name}", $"must not be empty for {forWhat}");
        }
    }

    private static void CheckRetries(FieldValue retries, ValidationReport report)
    {
        if (retries.IsAbsent)
        {
            return;
        }

        if (!retries.TryGetInt32(out var count))
        {
            report.Add("spec.retries", retries.Kind == JsonValueKind.Number
                ? $"must be a whole number from 0 to {int.MaxValue}, not {retries.RawText()}"
                : $"must be a whole number such as 3, not {retries.Describe()}");
        }
        else if (count < 0)
        {
            report.Add("spec.retries", $"must be 0 or more, not {count}");
        }
    }

    private static void CheckTimeout(FieldValue timeout, ValidationReport report)
    {
        if (timeout.IsAbsent)
        {
            return;
        }

        if (timeout.StringOrNull() is not { } text)
        {
            var example = timeout.Kind == JsonValueKind.Number ? $"\"{timeout.RawText()}s\"" : "\"5m\"";
            report.Add("spec.timeout", $"must be a duration string such as {example}, not {timeout.Describe()}");
            return;
        }

        if (GoDuration.IsBareSeconds(text) && text != "0")
        {
            report.Add("spec.timeout", $"\"{text}\" has no unit; write \"{text}s\" for seconds");
        }
        else if (!GoDuration.TryParse(text, out var duration))
        {
            report.Add("spec.timeout", $"\"{NameRule.Quote(text)}\" is not a duration; write a number and unit such as \"90s\", \"5m\" or \"1h30m\" (units: ns, us, ms, s, m, h)");
        }
        else if (duration < TimeSpan.FromSeconds(1))
        {
            report.Add("spec.timeout", $"\"{text}\" is less than 1s; Keptn gives the Job that many whole seconds, and a Job needs at least 1");
        }
    }

    private static void CheckSecret(FieldValue secureParameters, FieldValue secret, ValidationReport report)
    {
        if (secureParameters.IsAbsent)
        {
            return;
        }

        if (secureParameters.Kind != JsonValueKind.Object)
        {
            report.Add("spec.secureParameters", $"must be an object with a secret name, not {secureParameters.Describe()}");
            return;
        }

        if (secret.IsUnsetString)
        {
            return;
        }

        if (secret.StringOrNull() is not { } name)
        {
            report.Add("spec.secureParameters.secret", $"must be the name of a Secret (a string), not {secret.Describe()}");
        }
        else if (DnsNames.SubdomainProblem(name) is { } problem)
        {
            report.Add("spec.secureParameters.secret", $"\"{NameRule.Quote(name)}\" cannot be the name of a Secret: {problem}");
        }
    }

    /// <summary>Checks a string field against its allowed values; returns the value when it is a string, else null.</summary>
    private static string? CheckOneOf(FieldValue value, string field, string[] allowed, ValidationReport report)
    {
        if (value.IsAbsent)
        {
            return string.Empty;
        }

        if (value.StringOrNull() is not { } text)
        {
            report.Add(field, $"must be a string, not {value.Describe()}");
            return null;
        }

        if (!allowed.Contains(text))
        {
            ReportNotOneOf(text, field, allowed, report);
            return null;
        }

        return text;
    }

    // Apart from CheckOneOf: the lambdas capture the value, and a capture in CheckOneOf itself would cost every review a
    // closure object, wrong value or not.
    private static void ReportNotOneOf(string text, string field, string[] allowed, ValidationReport report)
    {
        var choices = string.Join(", ", allowed.Select(choice => $"\"{choice}\""));
        var caseHint = allowed.FirstOrDefault(choice => string.Equals(choice, text, StringComparison.OrdinalIgnoreCase)) is { Length: > 0 } match
            ? $" (did you mean \"{match}\"?)"
            : string.Empty;
        report.Add(field, $"\"{NameRule.Quote(text)}\" is not one of {choices}{caseHint}");
    }
}
