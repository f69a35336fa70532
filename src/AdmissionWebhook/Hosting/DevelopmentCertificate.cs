using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AdmissionWebhook.Hosting;

/// <summary>
/// A self-signed certificate for localhost, 127.0.0.1 and ::1, kept in a folder so curl's <c>--cacert</c> stays
/// valid across restarts. Only for running without a configured certificate; never for a cluster.
/// </summary>
internal static class DevelopmentCertificate
{
    private static readonly TimeSpan Validity = TimeSpan.FromDays(365);
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(7);

    /// <summary>Returns the cert and key files in <paramref name="directory"/>, creating them when missing or near expiry.</summary>
    public static (string CertFile, string KeyFile, bool Created) Ensure(string directory, TimeProvider time)
    {
        var certFile = Path.Combine(directory, "tls.crt");
        var keyFile = Path.Combine(directory, "tls.key");
        if (IsUsable(certFile, keyFile, time))
        {
            return (certFile, keyFile, false);
        }

        Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=keptn-task-webhook development", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(Validity));

        // Write the key first and owner-only, then the certificate: a reader that sees the cert also finds its key.
        var keyTemp = keyFile + ".tmp";
        File.WriteAllText(keyTemp, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyTemp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(keyTemp, keyFile, overwrite: true);
        var certTemp = certFile + ".tmp";
        File.WriteAllText(certTemp, certificate.ExportCertificatePem());
        File.Move(certTemp, certFile, overwrite: true);
        return (certFile, keyFile, true);
    }

    private static bool IsUsable(string certFile, string keyFile, TimeProvider time)
    {
        if (!File.Exists(certFile) || !File.Exists(keyFile))
        {
            return false;
        }

        try
        {
            using var certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            return certificate.NotAfter.ToUniversalTime() - time.GetUtcNow().UtcDateTime > RenewBefore;
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }
}
