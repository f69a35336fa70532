namespace AdmissionWebhook.Configuration;

/// <summary>The serve flags and the configuration keys they set; every flag also has an appsettings and environment form.</summary>
internal static class CommandLine
{
    public static readonly IReadOnlyDictionary<string, string> ServeSwitches = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--state"] = Key(nameof(WebhookOptions.StateDirectory)),
        ["--kubeconfig"] = Key(nameof(WebhookOptions.Kubeconfig)),
        ["--https-port"] = Key(nameof(WebhookOptions.HttpsPort)),
        ["--health-port"] = Key(nameof(WebhookOptions.HealthPort)),
        ["--bind-address"] = Key(nameof(WebhookOptions.BindAddress)),
        ["--tls-cert"] = Key(nameof(WebhookOptions.TlsCertFile)),
        ["--tls-key"] = Key(nameof(WebhookOptions.TlsKeyFile)),
        ["--client-ca"] = Key(nameof(WebhookOptions.ClientCaFile)),
        ["--keptn-namespace"] = Key(nameof(WebhookOptions.KeptnNamespace)),
        ["--log-format"] = Key(nameof(WebhookOptions.LogFormat)),
    };

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

    /// <summary>Returns the first argument that is not a known serve flag or a <c>--Section:Key</c> override, or null.</summary>
    public static string? FindUnknownServeFlag(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var flag = arg.Split('=', 2)[0];
            if (ServeSwitches.ContainsKey(flag))
            {
                if (!arg.Contains('=', StringComparison.Ordinal))
                {
                    i++;
                }

                continue;
            }

            if (flag.StartsWith("--", StringComparison.Ordinal) && flag.Contains(':', StringComparison.Ordinal))
            {
                if (!arg.Contains('=', StringComparison.Ordinal))
                {
                    i++;
                }

                continue;
            }

            return arg;
        }

        return null;
    }

    private static string Key(string property) => $"{WebhookOptions.Section}:{property}";
}
