using AdmissionWebhook.Validation;
using Microsoft.Extensions.Options;

namespace AdmissionWebhook.Configuration;

/// <summary>Checks the options at start-up, naming each setting's flag, configuration key and environment variable.</summary>
internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var failures = new List<string>();
        CheckPort(options.HttpsPort, "--https-port", nameof(options.HttpsPort), failures);
        CheckPort(options.HealthPort, "--health-port", nameof(options.HealthPort), failures);
        if (options.HttpsPort == options.HealthPort && options.HttpsPort != 0)
        {
            failures.Add(Describe("--health-port", nameof(options.HealthPort)) + $" must differ from the HTTPS port {options.HttpsPort}: health endpoints are served in plain HTTP on their own port");
        }

        var hasCert = !string.IsNullOrWhiteSpace(options.TlsCertFile);
        var hasKey = !string.IsNullOrWhiteSpace(options.TlsKeyFile);
        if (hasCert != hasKey)
        {
            failures.Add($"{Describe("--tls-cert", nameof(options.TlsCertFile))} and {Describe("--tls-key", nameof(options.TlsKeyFile))} go together: give both, or neither for a generated development certificate");
        }

        CheckFile(options.TlsCertFile, "--tls-cert", nameof(options.TlsCertFile), failures);
        CheckFile(options.TlsKeyFile, "--tls-key", nameof(options.TlsKeyFile), failures);
        CheckFile(options.Kubeconfig, "--kubeconfig", nameof(options.Kubeconfig), failures);
        CheckClientCa(options.ClientCaFile, failures);
        if (!string.IsNullOrWhiteSpace(options.StateDirectory) && !Directory.Exists(options.StateDirectory) && !File.Exists(options.StateDirectory))
        {
            failures.Add($"{Describe("--state", nameof(options.StateDirectory))} names \"{options.StateDirectory}\", which does not exist");
        }

        if (DnsNames.SubdomainProblem(options.KeptnNamespace) is { } namespaceProblem || options.KeptnNamespace.Length > 63 || options.KeptnNamespace.Contains('.', StringComparison.Ordinal))
        {
            failures.Add($"{Describe("--keptn-namespace", nameof(options.KeptnNamespace))} \"{options.KeptnNamespace}\" is not a namespace name (lowercase letters, digits and '-', at most 63)");
        }

        if (options.DefaultRetries < 0)
        {
            failures.Add($"{Describe(null, nameof(options.DefaultRetries))} must be 0 or more, not {options.DefaultRetries}");
        }

        if (!GoDuration.TryParse(options.DefaultTimeout, out var timeout) || timeout < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{Describe(null, nameof(options.DefaultTimeout))} \"{options.DefaultTimeout}\" must be a Go duration of at least 1s, such as \"5m\"");
        }

        if (options.LookupTimeout <= TimeSpan.Zero || options.LookupTimeout > TimeSpan.FromSeconds(25))
        {
            failures.Add($"{Describe(null, nameof(options.LookupTimeout))} must be between 0 and 25 seconds (webhook calls time out at 30s at most), not {options.LookupTimeout}");
        }

        if (options.MaxRequestBodyBytes < 64 * 1024)
        {
            failures.Add($"{Describe(null, nameof(options.MaxRequestBodyBytes))} must be at least 65536 bytes; a KeptnTask review can be far larger than {options.MaxRequestBodyBytes}");
        }

        // A review is object plus oldObject, each at most etcd's 1.5 MiB: 1 GiB is far past any real one. The bound also
        // keeps the arithmetic sound: Kestrel's limit is this plus BodyLimitSlack (long.MaxValue overflowed to a negative
        // limit and a crash), and RequestBody buffers a body in one array, which an int indexes.
        if (options.MaxRequestBodyBytes > MaxRequestBodyLimit)
        {
            failures.Add($"{Describe(null, nameof(options.MaxRequestBodyBytes))} must be at most {MaxRequestBodyLimit} bytes (1 GiB), not {options.MaxRequestBodyBytes}; a review is object and oldObject, each at most 1.5 MiB in etcd");
        }

        // The periodic re-read is what catches a renewed certificate when a file event is missed; longer than a day it
        // would serve a certificate cert-manager replaced hours ago (short-lived ones are renewed hours before expiry).
        // The timer itself takes at most about 49.7 days and crashed the start beyond that.
        if (options.CertificateReloadInterval < TimeSpan.FromSeconds(1) || options.CertificateReloadInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"{Describe(null, nameof(options.CertificateReloadInterval))} must be between 1 second and 1 day, not {options.CertificateReloadInterval}");
        }

        // Without a certificate of its own the webhook generates one and keeps it there; an empty path names no folder.
        if (!hasCert && !hasKey && string.IsNullOrWhiteSpace(options.DevCertificateDirectory))
        {
            failures.Add($"{Describe(null, nameof(options.DevCertificateDirectory))} is empty; without --tls-cert and --tls-key it must name the folder the development certificate is kept in");
        }

        // The binder turns any number into an enum, named value or not ("7", "-1"); a number no name stands for
        // would silently act as whatever the code does with an unknown value.
        CheckChoice(options.LookupFailurePolicy, null, nameof(options.LookupFailurePolicy), failures);
        CheckChoice(options.LogFormat, "--log-format", nameof(options.LogFormat), failures);

        if (options.WatchTimeout < TimeSpan.FromSeconds(1) || options.WatchTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"{Describe(null, nameof(options.WatchTimeout))} must be between 1 second and 1 hour, not {options.WatchTimeout}");
        }

        if (options.ShutdownDelay < TimeSpan.Zero || options.ShutdownDelay > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{Describe(null, nameof(options.ShutdownDelay))} must be between 0 and 1 minute, not {options.ShutdownDelay}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Largest <see cref="WebhookOptions.MaxRequestBodyBytes"/>: 1 GiB.</summary>
    internal const long MaxRequestBodyLimit = 1L << 30;

    /// <summary>" Allowed: Text, Json.": the names an enum setting can be given.</summary>
    internal static string AllowedNames(Type choice) => $" Allowed: {string.Join(", ", Enum.GetNames(choice))}.";

    /// <summary>"--https-port (Webhook:HttpsPort, env Webhook__HttpsPort)": every way to set it.</summary>
    internal static string Describe(string? flag, string property)
    {
        var key = $"{WebhookOptions.Section}:{property}";
        var env = $"{WebhookOptions.Section}__{property}";
        return flag is null ? $"{key} (env {env})" : $"{flag} ({key}, env {env})";
    }

    private static void CheckChoice<TChoice>(TChoice value, string? flag, string property, List<string> failures)
        where TChoice : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            failures.Add($"{Describe(flag, property)} is {value:D}, which names no choice.{AllowedNames(typeof(TChoice))}");
        }
    }

    private static void CheckPort(int port, string flag, string property, List<string> failures)
    {
        if (port is < 0 or > 65535)
        {
            failures.Add($"{Describe(flag, property)} must be a port from 1 to 65535 (or 0 for any free port), not {port}");
        }
    }

    /// <summary>The client CA file, when given, must hold at least one PEM certificate of a certificate authority.</summary>
    private static void CheckClientCa(string? path, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        var setting = Describe("--client-ca", nameof(WebhookOptions.ClientCaFile));
        if (!File.Exists(path))
        {
            failures.Add($"{setting} names \"{path}\", which does not exist");
            return;
        }

        try
        {
            using var authorities = Hosting.ClientCertificateAuthority.Load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            failures.Add($"{setting} \"{path}\" holds no usable CA certificate: {e.Message}");
        }
    }

    private static void CheckFile(string? path, string flag, string property, List<string> failures)
    {
        if (!string.IsNullOrWhiteSpace(path) && !File.Exists(path))
        {
            failures.Add($"{Describe(flag, property)} names \"{path}\", which does not exist");
        }
    }
}
