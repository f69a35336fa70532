using System.Globalization;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>
/// A folder laid out like the kubelet mounts a kubernetes.io/tls Secret: <c>tls.crt</c> and <c>tls.key</c> are symlinks
/// into <c>..data</c>, itself a symlink to a timestamped folder. An update writes a new timestamped folder and swaps
/// <c>..data</c> with one atomic rename, so a reader never sees half of a new pair.
/// </summary>
public sealed class SecretVolume : IDisposable
{
    private const string DataLink = "..data";
    private int _generation;

    private SecretVolume(string root) => Root = root;

    public string Root { get; }

    public string CertificateFile => Path.Combine(Root, "tls.crt");

    public string KeyFile => Path.Combine(Root, "tls.key");

    public static SecretVolume Create(IssuedCertificate initial)
    {
        var root = Directory.CreateTempSubdirectory("keptn-webhook-it-tls-").FullName;
        var volume = new SecretVolume(root);
        var data = volume.WriteGeneration(initial);
        File.CreateSymbolicLink(Path.Combine(root, DataLink), data);
        File.CreateSymbolicLink(volume.CertificateFile, Path.Combine(DataLink, "tls.crt"));
        File.CreateSymbolicLink(volume.KeyFile, Path.Combine(DataLink, "tls.key"));
        return volume;
    }

    /// <summary>Publishes a new certificate the way a Secret update lands: new folder, then an atomic swap of <c>..data</c>.</summary>
    public void Update(IssuedCertificate next)
    {
        var link = Path.Combine(Root, DataLink);
        var previous = new FileInfo(link).LinkTarget;
        var data = WriteGeneration(next);
        var temporaryLink = Path.Combine(Root, "..data_tmp");
        File.CreateSymbolicLink(temporaryLink, data);
        File.Move(temporaryLink, link, overwrite: true); // rename(2): atomic replacement of the symlink
        if (previous is not null)
        {
            Directory.Delete(Path.Combine(Root, previous), recursive: true);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind must not fail a test run.
        }
    }

    /// <summary>Writes the pair into a new hidden timestamped folder and returns its name (relative, as the kubelet links it).</summary>
    private string WriteGeneration(IssuedCertificate certificate)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"..{DateTime.UtcNow:yyyy_MM_dd_HH_mm_ss}.{Interlocked.Increment(ref _generation)}");
        var folder = Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
        File.WriteAllText(Path.Combine(folder, "tls.crt"), certificate.CertificatePem);
        File.WriteAllText(Path.Combine(folder, "tls.key"), certificate.PrivateKeyPem);
        return name;
    }
}
