namespace AdmissionWebhook.Validation;

/// <summary>Kubernetes' DNS-1123 subdomain rule (k8s.io/apimachinery validation.IsDNS1123Subdomain), without a regex per call.</summary>
internal static class DnsNames
{
    public const int MaxSubdomainLength = 253;

    /// <summary>Returns null when <paramref name="value"/> is a DNS-1123 subdomain, otherwise what is wrong with it.</summary>
    public static string? SubdomainProblem(string value)
    {
        if (value.Length == 0)
        {
            return "must not be empty";
        }

        if (value.Length > MaxSubdomainLength)
        {
            return $"must be no more than {MaxSubdomainLength} characters (it has {value.Length})";
        }

        if (FirstDisallowed(value) is { } disallowed)
        {
            return disallowed;
        }

        if (!IsLowerAlphanumeric(value[0]) || !IsLowerAlphanumeric(value[^1]))
        {
            return "must start and end with a lowercase letter or digit";
        }

        // Each dot-separated label is itself a DNS label: not empty, alphanumeric at both ends.
        foreach (var range in value.AsSpan().Split('.'))
        {
            var label = value.AsSpan(range);
            if (label.IsEmpty || !IsLowerAlphanumeric(label[0]) || !IsLowerAlphanumeric(label[^1]))
            {
                return "each part between dots must start and end with a lowercase letter or digit";
            }
        }

        return null;
    }

    /// <summary>The rule for a generateName prefix: the apiserver appends 5 random characters, so the prefix may end in '-' or '.'.</summary>
    public static string? PrefixProblem(string prefix)
    {
        if (prefix.Length == 0)
        {
            return "must not be empty";
        }

        if (FirstDisallowed(prefix) is { } disallowed)
        {
            return disallowed;
        }

        return IsLowerAlphanumeric(prefix[0]) ? null : "must start with a lowercase letter or digit";
    }

    public static bool IsSubdomain(string value) => SubdomainProblem(value) is null;

    private static bool IsLowerAlphanumeric(char c) => c is >= 'a' and <= 'z' or >= '0' and <= '9';

    private static string? FirstDisallowed(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (IsLowerAlphanumeric(c) || c == '-' || c == '.')
            {
                continue;
            }

            var shown = char.IsSurrogate(c) && System.Text.Rune.TryGetRuneAt(value, i, out var rune)
                ? $"character U+{rune.Value:X4}"
                : DescribeCharacter(c);
            return $"{shown} is not allowed; use only lowercase letters, digits, '-' and '.'";
        }

        return null;
    }

    private static string DescribeCharacter(char c)
    {
        if (c is >= 'A' and <= 'Z')
        {
            return $"uppercase '{c}'";
        }

        return char.IsControl(c) || char.IsWhiteSpace(c) || c > '~'
            ? $"character U+{(int)c:X4}"
            : $"'{c}'";
    }
}
