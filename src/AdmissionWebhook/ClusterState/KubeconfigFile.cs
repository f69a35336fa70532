using AdmissionWebhook.Configuration;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace AdmissionWebhook.ClusterState;

/// <summary>
/// Reads a kubeconfig file with a plain YAML deserializer. The Kubernetes client's own loader goes through its YAML
/// layer, whose first use registers every API model type the client knows: 54 MiB of RSS for one small file
/// (docs/performance.md). A file that cannot be read is a <see cref="FormatException"/>, which the serve command reports
/// as a start-up error. The file's path is kept so relative certificate paths resolve as kubectl resolves them.
/// </summary>
internal static class KubeconfigFile
{

    public static K8SConfiguration Load(string path)
    {
        var file = new FileInfo(path);
        K8SConfiguration? configuration;
        try
        {
            using var reader = BoundedFile.OpenText(file.FullName, BoundedFile.KubeconfigLimit, "a kubeconfig");
            // A kubeconfig is a few levels deep; the deserializer recurses per level and would overflow the stack on a deep one.
            configuration = new DeserializerBuilder().IgnoreUnmatchedProperties().Build()
                .Deserialize<K8SConfiguration?>(new NestingLimitedParser(new Parser(reader), YamlJson.MaxDepth));
        }
        catch (YamlException e) when (e.GetBaseException() is FormatException nesting)
        {
            // The deserializer wraps what the parser throws in "Exception during deserialization", which says nothing.
            throw new FormatException($"kubeconfig {file.FullName} cannot be read:", nesting);
        }
        catch (YamlException e)
        {
            throw new FormatException($"kubeconfig {file.FullName} is not valid YAML (line {e.Start.Line}, column {e.Start.Column}):", e);
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"kubeconfig {file.FullName} cannot be read:", e);
        }

        configuration ??= new K8SConfiguration();
        configuration.FileName = file.FullName;
        return configuration;
    }
}
