using System.Text.Json;
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
    private static readonly string[] ContextNames = ["appName", "appVersion", "workloadName", "workloadVersion"];
    private static readonly string[] WorkloadNames = ["workloadName", "workloadVersion"];
    private static readonly string[] AppNames = ["appName", "appVersion"];
    private static readonly string[] ByHandNames = ["appName", "workloadName"];

    public ValueTask CheckAsync(TaskUnderReview task, ValidationReport report, CancellationToken cancellationToken)
    {
        var spec = task.Spec;
        if (spec.ValueKind != JsonValueKind.Object)
        {
            report.Add("spec", spec.IsAbsent() ? "is required: a KeptnTask needs at least spec.taskDefinition" : $"must be an object, not {spec.Describe()}");
            return ValueTask.CompletedTask;
        }

        CheckOneOf(spec.Field("checkType"u8), "spec.checkType", Phases, report);
        if (task.Shape == KeptnTaskShape.Current)
        {
            CheckContext(spec.Field("context"u8), report);
            CheckRetries(spec.Field("retries"u8), report);
            CheckTimeout(spec.Field("timeout"u8), report);
            CheckSecret(spec.Field("secureParameters"u8), report);
        }

        return ValueTask.CompletedTask;
    }

    private static void CheckContext(JsonElement context, ValidationReport report)
    {
        if (context.ValueKind != JsonValueKind.Object)
        {
            report.Add("spec.context", context.IsAbsent()
                ? "is required: say which app and workload the task runs for (appName, appVersion, workloadName, workloadVersion, objectType, taskType)"
                : $"must be an object, not {context.Describe()}");
            return;
        }

        var objectType = CheckOneOf(context.Field("objectType"u8), "spec.context.objectType", ObjectTypes, report);
        CheckOneOf(context.Field("taskType"u8), "spec.context.taskType", Phases, report);
        foreach (var name in ContextNames)
        {
            var value = context.Field(name);
            if (!value.IsAbsent() && value.ValueKind != JsonValueKind.String)
            {
                report.Add($"spec.context.{name}", $"must be a string, not {value.Describe()}");
            }
        }

        // What the operator needs to find the object the task belongs to; it writes an empty appVersion for workload tasks.
        var required = objectType switch
        {
            "Workload" => WorkloadNames,
            "App" => AppNames,
            "" => ByHandNames,
            _ => [],
        };
        foreach (var name in required)
        {
            var value = context.Field(name);
            if (value.IsUnsetString())
            {
                var forWhat = objectType!.Length == 0 ? "a task run by hand (objectType \"\")" : $"objectType \"{objectType}\"";
                report.Add($"spec.context.{name}", $"must not be empty for {forWhat}");
            }
        }
    }

    private static void CheckRetries(JsonElement retries, ValidationReport report)
    {
        if (retries.IsAbsent())
        {
            return;
        }

        if (retries.ValueKind != JsonValueKind.Number || !retries.TryGetInt32(out var count))
        {
            report.Add("spec.retries", retries.ValueKind == JsonValueKind.Number
                ? $"must be a whole number from 0 to {int.MaxValue}, not {retries.GetRawText()}"
                : $"must be a whole number such as 3, not {retries.Describe()}");
        }
        else if (count < 0)
        {
            report.Add("spec.retries", $"must be 0 or more, not {count}");
        }
    }

    private static void CheckTimeout(JsonElement timeout, ValidationReport report)
    {
        if (timeout.IsAbsent())
        {
            return;
        }

        if (timeout.ValueKind != JsonValueKind.String)
        {
            var example = timeout.ValueKind == JsonValueKind.Number ? $"\"{timeout.GetRawText()}s\"" : "\"5m\"";
            report.Add("spec.timeout", $"must be a duration string such as {example}, not {timeout.Describe()}");
            return;
        }

        var text = timeout.GetString()!;
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

    private static void CheckSecret(JsonElement secureParameters, ValidationReport report)
    {
        if (secureParameters.IsAbsent())
        {
            return;
        }

        if (secureParameters.ValueKind != JsonValueKind.Object)
        {
            report.Add("spec.secureParameters", $"must be an object with a secret name, not {secureParameters.Describe()}");
            return;
        }

        var secret = secureParameters.Field("secret"u8);
        if (secret.IsUnsetString())
        {
            return;
        }

        if (secret.ValueKind != JsonValueKind.String)
        {
            report.Add("spec.secureParameters.secret", $"must be the name of a Secret (a string), not {secret.Describe()}");
        }
        else if (DnsNames.SubdomainProblem(secret.GetString()!) is { } problem)
        {
            report.Add("spec.secureParameters.secret", $"\"{NameRule.Quote(secret.GetString()!)}\" cannot be the name of a Secret: {problem}");
        }
    }

    /// <summary>Checks a string field against its allowed values; returns the value when it is a string, else null.</summary>
    private static string? CheckOneOf(JsonElement value, string field, string[] allowed, ValidationReport report)
    {
        if (value.IsAbsent())
        {
            return string.Empty;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            report.Add(field, $"must be a string, not {value.Describe()}");
            return null;
        }

        var text = value.GetString()!;
        if (!allowed.Contains(text))
        {
            var choices = string.Join(", ", allowed.Select(choice => $"\"{choice}\""));
            var caseHint = allowed.FirstOrDefault(choice => string.Equals(choice, text, StringComparison.OrdinalIgnoreCase)) is { Length: > 0 } match
                ? $" (did you mean \"{match}\"?)"
                : string.Empty;
            report.Add(field, $"\"{NameRule.Quote(text)}\" is not one of {choices}{caseHint}");
            return null;
        }

        return text;
    }
}
