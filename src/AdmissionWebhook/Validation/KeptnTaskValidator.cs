using AdmissionWebhook.Admission;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Configuration;

namespace AdmissionWebhook.Validation;

/// <summary>
/// Runs the rules of SPEC section 3 over a KeptnTask and turns what they find into one answer that names every
/// problem. A CREATE gets every rule; an UPDATE only the spec-change rule, so a task whose definition was deleted since
/// can still get its finalizers and labels changed.
/// </summary>
internal sealed class KeptnTaskValidator
{
    private readonly IValidationRule[] _createRules;
    private readonly IValidationRule[] _updateRules;

    public KeptnTaskValidator(IClusterState state, WebhookOptions options)
    {
        var duplicates = new DuplicateNameRule(state, options);
        _createRules = [new NameRule(), duplicates, new TaskDefinitionRule(state, options), new SpecShapeRule()];
        _updateRules = [duplicates];
    }

    public async ValueTask<AdmissionOutcome> ValidateAsync(TaskUnderReview task, LookupDeadline deadline)
    {
        var report = new ValidationReport();
        foreach (var rule in task.IsCreate ? _createRules : _updateRules)
        {
            await rule.CheckAsync(task, report, deadline);
        }

        var warnings = Warnings.Limit(report.Warnings);
        if (report.Problems.Count == 0)
        {
            return warnings.Count == 0 ? AdmissionOutcome.AllowedUntouched : new AdmissionOutcome { Allowed = true, Warnings = warnings };
        }

        var code = CodeOf(report.Problems);
        return AdmissionOutcome.Deny(code, ReasonOf(code), MessageOf(task, report.Problems), warnings);
    }

    /// <summary>409 only when the name is all that is wrong; 503 when a lookup could not be made; otherwise 422.</summary>
    private static int CodeOf(IReadOnlyList<Problem> problems)
    {
        var (allConflicts, anyInvalid, highest) = (true, false, 0);
        for (var i = 0; i < problems.Count; i++)
        {
            var code = problems[i].Code;
            allConflicts &= code == 409;
            anyInvalid |= code == 422;
            highest = Math.Max(highest, code);
        }

        return allConflicts ? 409 : anyInvalid ? 422 : highest;
    }

    private static string ReasonOf(int code) => code switch
    {
        409 => StatusReasons.AlreadyExists,
        503 => StatusReasons.ServiceUnavailable,
        _ => StatusReasons.Invalid,
    };

    private static string MessageOf(TaskUnderReview task, IReadOnlyList<Problem> problems)
    {
        var verb = task.IsCreate ? "created" : "updated";
        if (problems.Count == 1)
        {
            return $"KeptnTask \"{NameRule.Quote(task.DisplayName)}\" cannot be {verb}: {problems[0].Field}: {problems[0].Text}";
        }

        var head = $"KeptnTask \"{NameRule.Quote(task.DisplayName)}\" cannot be {verb}: ";
        var parts = problems.Select((problem, index) => $"({index + 1}) {problem.Field}: {problem.Text}");
        return head + $"{problems.Count} problems: " + string.Join("; ", parts);
    }
}
