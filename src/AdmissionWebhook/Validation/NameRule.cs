using System.Text.Json;
using AdmissionWebhook.ClusterState;

namespace AdmissionWebhook.Validation;

/// <summary>The task name is a DNS-1123 subdomain short enough for the Job Keptn creates from it.</summary>
internal sealed class NameRule : IValidationRule
{
    /// <summary>Keptn names the Job <c>&lt;task&gt;-&lt;5 digits&gt;</c>, and a Job name above 63 characters can never be created.</summary>
    public const int MaxTaskNameLength = 63 - 6;

    /// <summary>The apiserver appends 5 random characters to a generateName prefix.</summary>
    private const int GeneratedSuffixLength = 5;

    public ValueTask CheckAsync(TaskUnderReview task, ValidationReport report, LookupDeadline deadline)
    {
        var name = task.Fields.Name;
        if (!name.IsAbsent && name.Kind != JsonValueKind.String)
        {
            report.Add("metadata.name", $"must be a string, not {name.Describe()}");
            return ValueTask.CompletedTask;
        }

        if (task.Name is { } taskName)
        {
            CheckName(taskName, report);
            return ValueTask.CompletedTask;
        }

        if (task.Fields.GenerateName.StringOrNull() is { Length: > 0 } prefix)
        {
            CheckPrefix(prefix, report);
        }
        else
        {
            report.Add("metadata.name", "is required: give the task a name such as \"my-task-1\" (or a metadata.generateName prefix)");
        }

        return ValueTask.CompletedTask;
    }

    private static void CheckName(string name, ValidationReport report)
    {
        if (DnsNames.SubdomainProblem(name) is { } problem)
        {
            report.Add("metadata.name", $"\"{Quote(name)}\" is not a valid Kubernetes name: {problem}");
        }
        else if (name.Length > MaxTaskNameLength)
        {
            report.Add(
                "metadata.name",
                $"\"{name}\" has {name.Length} characters; Keptn runs the task as a Job named \"<task name>-<5 digits>\", which must fit in 63, " +
                $"so a KeptnTask name can have at most {MaxTaskNameLength}: shorten it by {name.Length - MaxTaskNameLength}");
        }
    }

    private static void CheckPrefix(string prefix, ValidationReport report)
    {
        if (DnsNames.PrefixProblem(prefix) is { } problem)
        {
            report.Add("metadata.generateName", $"\"{Quote(prefix)}\" is not a valid name prefix: {problem}");
        }
        else if (prefix.Length > MaxTaskNameLength - GeneratedSuffixLength)
        {
            report.Add(
                "metadata.generateName",
                $"\"{prefix}\" has {prefix.Length} characters; with the 5 generated characters the name would exceed the {MaxTaskNameLength} " +
                $"a KeptnTask can have (Keptn's Job name \"<task name>-<5 digits>\" must fit in 63): use at most {MaxTaskNameLength - GeneratedSuffixLength}");
        }
    }

    private static readonly System.Buffers.SearchValues<char> Unprintable = System.Buffers.SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\u007f\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008a\u008b\u008c\u008d\u008e\u008f\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009a\u009b\u009c\u009d\u009e\u009f" +
        // Line and paragraph separators break a line in many log viewers and terminals; bidi overrides and isolates
        // reorder what is shown after them ("Trojan Source").
        "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069");

    /// <summary>Names in messages are user input: shorten the absurd ones and make control, line-breaking and bidi characters visible.</summary>
    internal static string Quote(string value)
    {
        if (value.Length <= 80 && !value.AsSpan().ContainsAny(Unprintable))
        {
            return value;
        }

        // Cut before a character, never between the two halves of one (an emoji is two UTF-16 units).
        var shown = value.Length > 80 ? value[..(char.IsHighSurrogate(value[76]) ? 76 : 77)] + "..." : value;
        var builder = new System.Text.StringBuilder(shown.Length);
        foreach (var c in shown)
        {
            if (Unprintable.Contains(c))
            {
                builder.Append($"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
