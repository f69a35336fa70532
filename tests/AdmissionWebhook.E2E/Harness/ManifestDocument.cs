using YamlDotNet.RepresentationModel;

namespace AdmissionWebhook.E2E.Harness;

/// <summary>One object of a multi-document YAML stream (as <c>kubectl kustomize</c> prints it), with its text.</summary>
public sealed record ManifestDocument(string ApiVersion, string Kind, string? Namespace, string Name, string Yaml)
{
    /// <summary><c>Kind namespace/name</c>, or <c>Kind name</c> for cluster-scoped objects.</summary>
    public string Display => Namespace is { Length: > 0 } ns ? $"{ApiVersion} {Kind} {ns}/{Name}" : $"{ApiVersion} {Kind} {Name}";

    /// <summary>Splits <paramref name="yaml"/> at its <c>---</c> lines; empty documents are dropped.</summary>
    public static IReadOnlyList<ManifestDocument> Split(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var documents = new List<ManifestDocument>();
        foreach (var text in yaml.ReplaceLineEndings("\n").Split("\n---\n").Select(d => d.StartsWith("---\n", StringComparison.Ordinal) ? d[4..] : d))
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                continue;
            }

            var metadata = root.Children.TryGetValue(new YamlScalarNode("metadata"), out var m) ? m as YamlMappingNode : null;
            documents.Add(new ManifestDocument(
                Scalar(root, "apiVersion") ?? throw new FormatException($"a document without apiVersion:\n{text}"),
                Scalar(root, "kind") ?? throw new FormatException($"a document without kind:\n{text}"),
                metadata is null ? null : Scalar(metadata, "namespace"),
                (metadata is null ? null : Scalar(metadata, "name")) ?? throw new FormatException($"a document without metadata.name:\n{text}"),
                text.EndsWith('\n') ? text : text + "\n"));
        }

        return documents;
    }

    /// <summary>The documents joined into one YAML stream again.</summary>
    public static string Join(IEnumerable<ManifestDocument> documents) => string.Join("---\n", documents.Select(d => d.Yaml));

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode { Value: { } s } ? s : null;
}
