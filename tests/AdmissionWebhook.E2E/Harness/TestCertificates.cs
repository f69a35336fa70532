using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace AdmissionWebhook.E2E.Harness;

/// <summary>
/// A throw-away CA and a serving certificate it signed, as PEM files (<c>ca.crt</c>, <c>tls.crt</c>, <c>tls.key</c>, the
/// names a Kubernetes TLS Secret mounts). The serving certificate has the IP SAN 127.0.0.1 (Go's TLS ignores the CN, so
/// the apiserver needs the SAN to call a webhook at https://127.0.0.1:PORT) and the DNS SAN localhost.
/// </summary>
public sealed class TestCertificates
{
    private TestCertificates(string caPem, string caFile, string certFile, string keyFile)
    {
        CaPem = caPem;
        CaFile = caFile;
        CertFile = certFile;
        KeyFile = keyFile;
    }

    public string CaPem { get; }

    /// <summary>The CA certificate, base64 of its PEM: the <c>caBundle</c> of a webhook configuration.</summary>
    public string CaBundle => Convert.ToBase64String(Encoding.ASCII.GetBytes(CaPem));

    public string CaFile { get; }

    public string CertFile { get; }

    public string KeyFile { get; }

    /// <summary>
    /// The <c>ca.crt</c>, <c>tls.crt</c> and <c>tls.key</c> some other tool wrote into <paramref name="directory"/>
    /// (certs/generate.sh, for one).
    /// </summary>
    public static TestCertificates Load(string directory)
    {
        var caFile = Path.Combine(directory, "ca.crt");
        var certFile = Path.Combine(directory, "tls.crt");
        var keyFile = Path.Combine(directory, "tls.key");
        foreach (var file in new[] { caFile, certFile, keyFile })
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"no {Path.GetFileName(file)} in {directory}", file);
            }
        }

        return new TestCertificates(File.ReadAllText(caFile), caFile, certFile, keyFile);
    }

    public static TestCertificates Create(string directory)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=keptn-task-webhook e2e CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, critical: false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(san.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var server = serverRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        Directory.CreateDirectory(directory);
        var caPem = ca.ExportCertificatePem() + "\n";
        var caFile = Path.Combine(directory, "ca.crt");
        var certFile = Path.Combine(directory, "tls.crt");
        var keyFile = Path.Combine(directory, "tls.key");
        File.WriteAllText(caFile, caPem);
        File.WriteAllText(certFile, server.ExportCertificatePem() + "\n");
        File.WriteAllText(keyFile, serverKey.ExportPkcs8PrivateKeyPem() + "\n");
        return new TestCertificates(caPem, caFile, certFile, keyFile);
    }
}
