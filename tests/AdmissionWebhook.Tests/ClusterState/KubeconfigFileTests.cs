using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Tests.Integration;
using k8s;

namespace AdmissionWebhook.Tests.ClusterState;

public sealed class KubeconfigFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void AKubeconfigConnectsExactlyAsTheKubernetesClientsOwnLoaderWould()
    {
        using var authority = TestCertificateAuthority.Create();
        File.WriteAllText(Path.Combine(_folder, "ca.crt"), authority.Certificate.ExportCertificatePem());
        var path = Path.Combine(_folder, "config");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: Config
            preferences: {}
            clusters:
            - name: other
              cluster: {server: "https://10.0.0.1:6443", insecure-skip-tls-verify: true}
            - name: e2e
              cluster:
                server: https://127.0.0.1:6443
                certificate-authority: ca.crt
                tls-server-name: kubernetes.default
            users:
            - name: admin
              user: {token: other-token}
            - name: webhook
              user: {token: webhook-token}
            contexts:
            - name: first
              context: {cluster: other, user: admin}
            - name: second
              context: {cluster: e2e, user: webhook, namespace: keptn-system}
            current-context: second
            """);

        var ours = KubernetesClientConfiguration.BuildConfigFromConfigObject(KubeconfigFile.Load(path));
        var theirs = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);

        Assert.Equal("https://127.0.0.1:6443", ours.Host);
        Assert.Equal("webhook-token", ours.AccessToken);
        Assert.Equal("keptn-system", ours.Namespace);
        Assert.Equal(authority.Certificate.Thumbprint, Assert.Single(ours.SslCaCerts).Thumbprint);
        Assert.Equal(
            (theirs.Host, theirs.AccessToken, theirs.Namespace, theirs.SkipTlsVerify, theirs.TlsServerName, theirs.CurrentContext),
            (ours.Host, ours.AccessToken, ours.Namespace, ours.SkipTlsVerify, ours.TlsServerName, ours.CurrentContext));
    }

    [Fact]
    public void AKubeconfigThatIsNotYamlIsAStartUpErrorNamingFileAndLine()
    {
        var path = Path.Combine(_folder, "broken");
        File.WriteAllText(path, "clusters: [\n");

        var error = Assert.Throws<FormatException>(() => KubeconfigFile.Load(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AKubeconfigNestedFarDeeperThanTheStackHoldsIsAStartUpErrorNamingFileAndLimit()
    {
        var path = Path.Combine(_folder, "deep");
        File.WriteAllText(path, "apiVersion: v1\nextensions:\n- name: x\n  extension: " + new string('[', 100_000) + new string(']', 100_000) + "\n");

        var error = Assert.Throws<FormatException>(() => KubeconfigFile.Load(path));

        Assert.Equal($"kubeconfig {path} cannot be read:", error.Message);
        Assert.Equal("nested deeper than 128 levels", error.InnerException?.Message);
    }

    [Fact]
    public void AnEndlessKubeconfigIsAStartUpErrorNamingFileAndLimit()
    {
        var error = Assert.Throws<FormatException>(() => KubeconfigFile.Load("/dev/zero"));

        Assert.Equal("kubeconfig /dev/zero cannot be read:", error.Message);
        Assert.Equal("/dev/zero is larger than 4 MiB, the limit for a kubeconfig", error.InnerException?.Message);
    }
}
