using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AdmissionWebhook.Configuration;

namespace AdmissionWebhook.Hosting;

/// <summary>
/// The CA(s) of <c>--client-ca</c>: a caller's client certificate must chain to one of them (and only to them: the
/// system's roots are never trusted) and allow client authentication, or the TLS handshake fails before any HTTP is
/// read. Without it, any pod that can reach the Service could probe which KeptnTaskDefinitions exist elsewhere.
/// </summary>
internal sealed class ClientCertificateAuthority : IDisposable
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");
    private readonly X509Certificate2Collection _authorities;

    private ClientCertificateAuthority(string file, X509Certificate2Collection authorities)
    {
        File = file;
        _authorities = authorities;
    }

    public string File { get; }

    /// <summary>The subjects of the trusted CAs, for the start-up log.</summary>
    public string Subjects => string.Join("; ", _authorities.Select(authority => authority.Subject));

    /// <summary>Reads every CA certificate of the PEM file; throws <see cref="CryptographicException"/> when it holds none, <see cref="IOException"/> when it is too large.</summary>
    public static ClientCertificateAuthority Load(string file)
    {
        var all = new X509Certificate2Collection();
        all.ImportFromPem(BoundedFile.ReadAllText(file, BoundedFile.PemLimit, "a PEM file"));
        var authorities = new X509Certificate2Collection();
        foreach (var certificate in all)
        {
            if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(constraints => constraints.CertificateAuthority))
            {
                authorities.Add(certificate);
            }
            else
            {
                certificate.Dispose();
            }
        }

        if (authorities.Count == 0)
        {
            throw new CryptographicException(all.Count == 0
                ? "the file holds no PEM certificate"
                : "none of its certificates is a CA (basicConstraints CA:TRUE)");
        }

        return new ClientCertificateAuthority(file, authorities);
    }

    /// <summary>The handshake's RemoteCertificateValidationCallback: true only for a client certificate this CA signed.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? presentedChain, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        var owned = certificate as X509Certificate2 is null;
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        try
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(_authorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
            if (presentedChain is not null)
            {
                // Intermediates the client sent along.
                chain.ChainPolicy.ExtraStore.AddRange(presentedChain.ChainPolicy.ExtraStore);
            }

            return chain.Build(leaf);
        }
        finally
        {
            if (owned)
            {
                leaf.Dispose();
            }
        }
    }

    public void Dispose()
    {
        foreach (var authority in _authorities)
        {
            authority.Dispose();
        }
    }
}
