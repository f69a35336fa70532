using System.Globalization;
using System.Runtime.InteropServices;

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
        Rename(temporaryLink, link);
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

    /// <summary>
    /// rename(2), which replaces the <c>..data</c> symlink atomically. File.Move cannot: it follows the link to a folder
    /// and refuses; Directory.Move refuses an existing destination.
    /// </summary>
    private static void Rename(string from, string to)
    {
        if (NativeMethods.Rename(from, to) != 0)
        {
            throw new IOException($"rename {from} -> {to} failed: errno {Marshal.GetLastPInvokeError()}");
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

internal static class NativeMethods
{
    /// <summary>libc rename(2); paths as NUL-terminated UTF-8, so no string marshalling (and no unsafe code) is needed.</summary>
    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int rename(byte[] oldpath, byte[] newpath);

    internal static int Rename(string from, string to) => rename(Utf8Z(from), Utf8Z(to));

    private static byte[] Utf8Z(string path) => System.Text.Encoding.UTF8.GetBytes(path + "\0");
}
