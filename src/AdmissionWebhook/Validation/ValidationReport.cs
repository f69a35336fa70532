namespace AdmissionWebhook.Validation;

/// <summary>One thing wrong with a task: the field, what is wrong with it and how to fix it, and the HTTP code it earns.</summary>
internal sealed record Problem(string Field, string Text, int Code = 422);

/// <summary>What the validation rules found, collected so one answer reports every problem at once.</summary>
internal sealed class ValidationReport
{
    // Made at the first problem or warning: most reviews have neither. Read as the interface: `_problems ?? []` would
    // take List's type and make a new empty list at every read.
    private List<Problem>? _problems;
    private List<string>? _warnings;

    public IReadOnlyList<Problem> Problems => (IReadOnlyList<Problem>?)_problems ?? [];

    public IReadOnlyList<string> Warnings => (IReadOnlyList<string>?)_warnings ?? [];

    public void Add(string field, string text, int code = 422) => (_problems ??= []).Add(new Problem(field, text, code));

    public void Warn(string warning) => (_warnings ??= []).Add(warning);
}
