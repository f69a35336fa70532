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
            using var reader = file.OpenText();
            configuration = new DeserializerBuilder().IgnoreUnmatchedProperties().Build().Deserialize<K8SConfiguration?>(reader);
        }
        catch (YamlException e)
        {
            throw new FormatException($"kubeconfig {file.FullName} is not valid YAML (line {e.Start.Line}, column {e.Start.Column}):", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"kubeconfig {file.FullName} cannot be read:", e);
        }

        configuration ??= new K8SConfiguration();
        configuration.FileName = file.FullName;
        return configuration;
    }
}
