using k8s;
using k8s.Models;

namespace AdmissionWebhook.E2E.Harness;

/// <summary>
/// Validating/MutatingWebhookConfigurations read from YAML whose webhooks point at a URL
/// (<c>clientConfig.url</c> + <c>caBundle</c>), as a webhook running outside the cluster needs.
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

    public static string TemplateDirectory => Path.Combine(Repository.Root, "tests", "e2e", "testdata", "webhooks");

    /// <summary>tests/e2e/testdata/webhooks/validating-webhook-configuration.yaml pointed at <paramref name="baseUrl"/>.</summary>
    public static WebhookConfiguration Validating(string baseUrl, string caBundle) =>
        FromTemplate(Path.Combine(TemplateDirectory, "validating-webhook-configuration.yaml"), baseUrl, caBundle);

    /// <summary>tests/e2e/testdata/webhooks/mutating-webhook-configuration.yaml pointed at <paramref name="baseUrl"/>.</summary>
    public static WebhookConfiguration Mutating(string baseUrl, string caBundle) =>
        FromTemplate(Path.Combine(TemplateDirectory, "mutating-webhook-configuration.yaml"), baseUrl, caBundle);

    /// <summary>A YAML template with <c>${WEBHOOK_BASE_URL}</c> and <c>${CA_BUNDLE}</c> placeholders, filled in.</summary>
    public static WebhookConfiguration FromTemplate(string templateFile, string baseUrl, string caBundle) =>
        FromYaml(File.ReadAllText(templateFile).Replace("${WEBHOOK_BASE_URL}", baseUrl, StringComparison.Ordinal).Replace("${CA_BUNDLE}", caBundle, StringComparison.Ordinal));

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
