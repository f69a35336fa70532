namespace AdmissionWebhook.Configuration;

/// <summary>What to do when the API server cannot confirm a lookup in time.</summary>
public enum LookupFailurePolicy
{
    /// <summary>Allow the task and say so in a warning: an unreachable API server must not stop deployments.</summary>
    Allow,

    /// <summary>Refuse the task (status 503) until the lookup can be confirmed.</summary>
    Deny,
}

/// <summary>Log output: readable lines for people, or one compact JSON object per line for log pipelines.</summary>
public enum LogFormat
{
    Text,
    Json,
}

/// <summary>
/// Everything the webhook can be told, bound from the <c>Webhook</c> configuration section: appsettings.json,
/// environment variables (<c>Webhook__HttpsPort</c>) and command-line flags (<c>--https-port</c>).
/// </summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhook";

    /// <summary>Port of the HTTPS admission endpoints (0 picks a free port).</summary>
    public int HttpsPort { get; set; } = 8443;

    /// <summary>Port of the plain-HTTP /healthz and /readyz endpoints (0 picks a free port).</summary>
    public int HealthPort { get; set; } = 8080;

    /// <summary>Address both listeners bind to; "*" for every interface (the default, as in a pod), "127.0.0.1" for loopback only.</summary>
    public string BindAddress { get; set; } = "*";

    /// <summary>PEM certificate chain (tls.crt of a kubernetes.io/tls Secret). With no certificate, a development one is generated.</summary>
    public string? TlsCertFile { get; set; }

    /// <summary>PEM private key (tls.key).</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>
    /// PEM file of the CA(s) that sign the callers' client certificates. When set, the HTTPS listener refuses, during
    /// the TLS handshake, every connection without a client certificate chaining to one of them (the kube-apiserver
    /// presents one when its AdmissionConfiguration names a kubeconfig for this webhook). Read at start.
    /// </summary>
    public string? ClientCaFile { get; set; }

    /// <summary>Where the generated development certificate is kept between runs.</summary>
    public string DevCertificateDirectory { get; set; } = Path.Combine(OperatingSystem.IsWindows() ? Path.GetTempPath() : "/tmp", "keptn-task-webhook-dev-cert");

    /// <summary>How often certificate files are re-read even without a file-change event (Secret volumes swap a symlink).</summary>
    public TimeSpan CertificateReloadInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The namespace Keptn is installed in: its KeptnTaskDefinitions serve every namespace.</summary>
    public string KeptnNamespace { get; set; } = "keptn-system";

    /// <summary><c>spec.retries</c> given to a task that sets none.</summary>
    public int DefaultRetries { get; set; } = 10;

    /// <summary><c>spec.timeout</c> given to a task that sets none (a Go duration).</summary>
    public string DefaultTimeout { get; set; } = "5m";

    public LookupFailurePolicy LookupFailurePolicy { get; set; } = LookupFailurePolicy.Allow;

    /// <summary>Longest a confirming lookup may take, and never more than the apiserver's own <c>?timeout=</c> allows.</summary>
    public TimeSpan LookupTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Largest request body accepted: room for object and oldObject at etcd's 1.5 MiB limit.</summary>
    public long MaxRequestBodyBytes { get; set; } = 7 * 1024 * 1024;

    /// <summary>Folder of manifests used as cluster state when no cluster is configured. Empty means the embedded examples.</summary>
    public string? StateDirectory { get; set; }

    /// <summary>Kubeconfig of the cluster whose state the webhook watches.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>How long one watch request of a cache lasts before it is renewed from the last resourceVersion.</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long to keep answering after SIGTERM while readiness already reports false, so the Service's endpoints drop
    /// this pod before its listener closes (a preStop sleep without a shell). 0 locally; a few seconds in a cluster.
    /// </summary>
    public TimeSpan ShutdownDelay { get; set; } = TimeSpan.Zero;

    public LogFormat LogFormat { get; set; } = LogFormat.Text;
}
