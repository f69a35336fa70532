using System.Text.Json;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.KeptnTasks;

namespace AdmissionWebhook.ClusterState;

/// <summary>One Kubernetes object read from a manifest file.</summary>
internal sealed record ManifestObject(string File, int Document, string? Kind, string? ApiVersion, string? Namespace, string? Name, JsonElement Object)
{
    public string Location => Document == 0 ? File : $"{File} (document {Document + 1})";
}

/// <summary>Reads the objects of YAML/JSON manifest files and folders, as <c>kubectl apply -f</c> would find them.</summary>
internal static class ManifestReader
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>The manifest files of <paramref name="path"/>: the file itself, or every YAML/JSON file below a folder, in name order.</summary>
    /// <exception cref="FileNotFoundException">The path does not exist.</exception>
    public static IReadOnlyList<string> Files(string path)
    {
        if (File.Exists(path))
        {
            return [path];
        }

        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"no such file or folder: {path}", path);
        }

        return Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
            .Where(file => Extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The objects of one file; <c>List</c> kinds are unpacked into their items.</summary>
    /// <exception cref="FormatException">The file is not YAML/JSON, or a document is not an object.</exception>
    /// <exception cref="IOException">The file is larger than <see cref="BoundedFile.ManifestLimit"/>, or cannot be read.</exception>
    public static IReadOnlyList<ManifestObject> Read(string file)
    {
        IReadOnlyList<JsonDocument> documents;
        try
        {
            documents = YamlJson.ParseDocuments(BoundedFile.ReadAllText(file, BoundedFile.ManifestLimit, "a manifest file"));
        }
        catch (FormatException e)
        {
            // A folder holds many files; the message must say which one is wrong.
            throw new FormatException($"{file}: {e.Message}", e);
        }

        var objects = new List<ManifestObject>();
        for (var index = 0; index < documents.Count; index++)
        {
            var root = documents[index].RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in root.EnumerateArray())
                {
                    objects.Add(ToObject(file, index, item));
                }
            }
            else if (root.Field("kind"u8).StringOrNull() is { } kind && kind.EndsWith("List", StringComparison.Ordinal) && root.Field("items"u8).ValueKind == JsonValueKind.Array)
            {
                foreach (var item in root.Field("items"u8).EnumerateArray())
                {
                    objects.Add(ToObject(file, index, item));
                }
            }
            else
            {
                objects.Add(ToObject(file, index, root));
            }
        }

        return objects;
    }

    private static ManifestObject ToObject(string file, int document, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{file}: document {document + 1} is {root.Describe()}, not a Kubernetes object");
        }

        var metadata = root.Field("metadata"u8);
        return new ManifestObject(
            file,
            document,
            root.Field("kind"u8).StringOrNull(),
            root.Field("apiVersion"u8).StringOrNull(),
            metadata.Field("namespace"u8).StringOrNull(),
            metadata.Field("name"u8).StringOrNull(),
            root);
    }
}
