using k8s;
using k8s.Models;

namespace AdmissionWebhook.E2E.Harness;

/// <summary>
/// Validating/MutatingWebhookConfigurations whose webhooks point at a URL (<c>clientConfig.url</c> + <c>caBundle</c>), as a
/// webhook running outside the cluster needs: made from the ones in manifests/ (clientConfig.service swapped for a url),
/// so the end-to-end tests exercise exactly what a cluster installation registers.
/// </summary>
public sealed class WebhookConfiguration
{
    private WebhookConfiguration(string yaml, IReadOnlyList<(string Kind, string Name)> objects)
    {
        Yaml = yaml;
        Objects = objects;
    }

    public string Yaml { get; }

    /// <summary>Kind and name of each configuration in <see cref="Yaml"/>.</summary>
    public IReadOnlyList<(string Kind, string Name)> Objects { get; }

    /// <summary>manifests/base/webhooks.yaml: the webhook configurations a cluster installation uses.</summary>
    public static string ManifestFile => Path.Combine(Repository.Root, "manifests", "base", "webhooks.yaml");

    /// <summary>The ValidatingWebhookConfiguration of <see cref="ManifestFile"/>, pointed at <paramref name="baseUrl"/>.</summary>
    public static WebhookConfiguration Validating(string baseUrl, string caBundle) =>
        FromManifests(File.ReadAllText(ManifestFile), baseUrl, caBundle, "ValidatingWebhookConfiguration");

    /// <summary>The MutatingWebhookConfiguration of <see cref="ManifestFile"/>, pointed at <paramref name="baseUrl"/>.</summary>
    public static WebhookConfiguration Mutating(string baseUrl, string caBundle) =>
        FromManifests(File.ReadAllText(ManifestFile), baseUrl, caBundle, "MutatingWebhookConfiguration");

    /// <summary>
    /// The webhook configurations of kinds <paramref name="kinds"/> in <paramref name="manifestYaml"/> (the manifests of
    /// manifests/, or what <c>kubectl kustomize</c> builds from them; other objects are skipped) as a webhook running
    /// outside the cluster needs them: each <c>clientConfig.service</c> (with its <c>path</c>) becomes the
    /// <c>url</c> <paramref name="baseUrl"/> + path, and the <c>caBundle</c> becomes <paramref name="caBundle"/> (base64
    /// of the PEM), or stays what the manifests have when it is null. Everything else stays as written.
    /// </summary>
    public static WebhookConfiguration FromManifests(string manifestYaml, string baseUrl, string? caBundle, params string[] kinds)
    {
        ArgumentNullException.ThrowIfNull(manifestYaml);
        var bundle = caBundle is null ? null : Convert.FromBase64String(caBundle);
        var documents = new List<string>();
        foreach (var document in ManifestDocument.Split(manifestYaml).Where(d => kinds.Contains(d.Kind, StringComparer.Ordinal)))
        {
            object configuration = KubernetesYaml.LoadAllFromString(document.Yaml).Single() switch
            {
                V1ValidatingWebhookConfiguration v => PointAt(v, v.Webhooks.Select(w => w.ClientConfig)),
                V1MutatingWebhookConfiguration m => PointAt(m, m.Webhooks.Select(w => w.ClientConfig)),
                var other => throw new ArgumentException($"not a webhook configuration: {other.GetType().Name}", nameof(kinds)),
            };
            documents.Add(KubernetesYaml.Serialize(configuration));
        }

        return FromYaml(string.Join("---\n", documents));

        T PointAt<T>(T configuration, IEnumerable<Admissionregistrationv1WebhookClientConfig> clientConfigs)
        {
            foreach (var clientConfig in clientConfigs)
            {
                var path = clientConfig.Service?.Path ?? throw new ArgumentException("a webhook without clientConfig.service.path", nameof(manifestYaml));
                clientConfig.Service = null;
                clientConfig.Url = baseUrl + path;
                clientConfig.CaBundle = bundle ?? clientConfig.CaBundle;
            }

            return configuration;
        }
    }

    /// <summary>
    /// Parses <paramref name="yaml"/> (one or more documents) and checks that it holds only webhook configurations
    /// whose every webhook has a <c>clientConfig.url</c> and a <c>caBundle</c>.
    /// </summary>
    public static WebhookConfiguration FromYaml(string yaml)
    {
        var objects = new List<(string Kind, string Name)>();
        foreach (var document in KubernetesYaml.LoadAllFromString(yaml))
        {
            var (kind, name, clientConfigs) = document switch
            {
                V1ValidatingWebhookConfiguration v => (v.Kind, v.Metadata.Name, v.Webhooks.Select(w => (w.Name, w.ClientConfig))),
                V1MutatingWebhookConfiguration m => (m.Kind, m.Metadata.Name, m.Webhooks.Select(w => (w.Name, w.ClientConfig))),
                _ => throw new ArgumentException($"not a webhook configuration: {document.GetType().Name}", nameof(yaml)),
            };
            foreach (var (webhook, clientConfig) in clientConfigs)
            {
                if (string.IsNullOrEmpty(clientConfig?.Url) || clientConfig.CaBundle is not { Length: > 0 })
                {
                    throw new ArgumentException($"{kind} {name}: webhook {webhook} needs clientConfig.url and clientConfig.caBundle", nameof(yaml));
                }
            }

            objects.Add((kind, name));
        }

        return objects.Count > 0 ? new WebhookConfiguration(yaml, objects) : throw new ArgumentException("no webhook configuration in the YAML", nameof(yaml));
    }
}
