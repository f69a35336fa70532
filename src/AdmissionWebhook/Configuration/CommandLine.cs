namespace AdmissionWebhook.Configuration;

/// <summary>The serve flags and the configuration keys they set; every flag also has an appsettings and environment form.</summary>
internal static class CommandLine
{
    /// <summary>Each serve flag, the setting it sets, and what its value is (for "--state needs a folder or file").</summary>
    private static readonly (string Flag, string Property, string Value)[] ServeFlags =
    [
        ("--state", nameof(WebhookOptions.StateDirectory), "a folder or file"),
        ("--kubeconfig", nameof(WebhookOptions.Kubeconfig), "a file"),
        ("--https-port", nameof(WebhookOptions.HttpsPort), "a port"),
        ("--health-port", nameof(WebhookOptions.HealthPort), "a port"),
        ("--bind-address", nameof(WebhookOptions.BindAddress), "an address"),
        ("--tls-cert", nameof(WebhookOptions.TlsCertFile), "a file"),
        ("--tls-key", nameof(WebhookOptions.TlsKeyFile), "a file"),
        ("--client-ca", nameof(WebhookOptions.ClientCaFile), "a file"),
        ("--keptn-namespace", nameof(WebhookOptions.KeptnNamespace), "a namespace"),
        ("--log-format", nameof(WebhookOptions.LogFormat), "text or json"),
    ];

    public static readonly IReadOnlyDictionary<string, string> ServeSwitches =
        ServeFlags.ToDictionary(flag => flag.Flag, flag => Key(flag.Property), StringComparer.Ordinal);

    private static readonly Dictionary<string, string> ServeValues = ServeFlags.ToDictionary(flag => flag.Flag, flag => flag.Value, StringComparer.Ordinal);

    public const string Usage = """
        Usage:
          AdmissionWebhook [serve] [options]      run the admission webhook
          AdmissionWebhook review [--state DIR] [--output text|json] PATH...
                                                  review KeptnTask manifests offline, as the webhook would

        serve options (each also settable as Webhook:<Key> in appsettings.json or env Webhook__<Key>):
          --state DIR              manifest folder used as cluster state (default: the embedded examples/cluster)
          --kubeconfig FILE        watch a real cluster instead of a manifest folder
          --https-port N           admission endpoints /validate and /mutate (default 8443)
          --health-port N          plain-HTTP /healthz and /readyz (default 8080)
          --bind-address ADDR      address to listen on (default: all interfaces)
          --tls-cert FILE          PEM certificate chain (tls.crt); without it a development certificate is generated
          --tls-key FILE           PEM private key (tls.key)
          --client-ca FILE         PEM CA: require a client certificate signed by it (the apiserver's) on HTTPS
          --keptn-namespace NS     namespace whose KeptnTaskDefinitions serve every namespace (default keptn-system)
          --log-format text|json   readable lines, or one JSON object per line (default text)

        review options:
          --state DIR              manifest folder or file with the cluster state (repeatable; default: none)
          --output text|json       report format (default text)
          exit code: 0 all allowed, 1 any denied, 2 usage error or unreadable input
        """;

    /// <summary>
    /// What is wrong with the serve arguments, as a usage line, or null: the first argument that is not a known serve
    /// flag or a <c>--Section:Key</c> override, or such a flag without its value.
    /// </summary>
    public static string? FindServeUsageError(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var flag = arg.Split('=', 2)[0];
            var known = ServeValues.GetValueOrDefault(flag);
            if (known is null && !(flag.StartsWith("--", StringComparison.Ordinal) && flag.Contains(':', StringComparison.Ordinal)))
            {
                return $"unknown option \"{arg}\"";
            }

            if (arg.Contains('=', StringComparison.Ordinal))
            {
                continue;
            }

            // The configuration's command-line parser takes whatever follows as the value: a flag last was dropped
            // silently, and "--https-port --health-port 20185" made "20185" the unknown option. A value that starts
            // with "--" can still be given as --flag=value.
            if (i + 1 == args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                return $"{flag} needs {known ?? "a value"}";
            }

            i++;
        }

        return null;
    }

    private static string Key(string property) => $"{WebhookOptions.Section}:{property}";
}
