using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Models;

namespace AdmissionWebhook.E2E.Harness;

/// <summary>
/// A real etcd and kube-apiserver on 127.0.0.1 (free random ports, a temp directory, token authentication with an
/// admin in system:masters, RBAC), with the Keptn CRDs installed by the real <c>kubectl apply</c>. Shared by every test
/// of the <see cref="ControlPlaneCollectionDefinition"/>; stopped and deleted when the collection ends, also after a failed start.
/// Does nothing unless the end-to-end tests are enabled (<see cref="E2EFactAttribute"/>).
/// </summary>
public sealed class ControlPlane : IAsyncLifetime
{
    public static readonly TimeSpan KubectlTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ProvisionTimeout = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private string? work;
    private HostDeathGuard? workGuard;
    private ManagedProcess? etcd;
    private ManagedProcess? apiserver;
    private string adminToken = string.Empty;
    private int manifestCount;

    /// <summary>The folder with <c>kube-apiserver</c> and <c>etcd</c>.</summary>
    public string BinaryDirectory { get; private set; } = string.Empty;

    public string ServerUrl { get; private set; } = string.Empty;

    /// <summary>The kubeconfig of the admin (system:masters).</summary>
    public string KubeconfigPath { get; private set; } = string.Empty;

    /// <summary>The apiserver's self-signed serving certificate (and its CA), from its <c>--cert-dir</c>.</summary>
    public string CaFile { get; private set; } = string.Empty;

    /// <summary>From the first look for the binaries to CRDs established.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>The temp directory with the logs, data, certificates and kubeconfigs of this control plane.</summary>
    public string WorkDirectory => work ?? throw new InvalidOperationException("the control plane is not started (are the end-to-end tests enabled?)");

    /// <summary>The last lines of the apiserver's log, for failure messages.</summary>
    public string ApiServerLogTail => apiserver?.Tail() ?? "(kube-apiserver not started)";

    public async Task InitializeAsync()
    {
        if (!E2EFactAttribute.Enabled)
        {
            return;
        }

        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            // The apiserver first: it needs etcd to shut down cleanly.
            await StopAsync(apiserver);
        }
        finally
        {
            apiserver = null;
            try
            {
                await StopAsync(etcd);
            }
            finally
            {
                etcd = null;
                DeleteWorkDirectory();
            }
        }
    }

    /// <summary>Runs the real kubectl as the admin: KUBECONFIG set, standard input closed, time-boxed.</summary>
    public Task<ProcessResult> KubectlAsync(params string[] args) => KubectlAsync(KubeconfigPath, KubectlTimeout, args);

    /// <summary>Runs the real kubectl with another kubeconfig (for example a ServiceAccount's).</summary>
    public Task<ProcessResult> KubectlAsync(string kubeconfig, TimeSpan timeout, params string[] args) =>
        ProcessRunner.RunAsync(
            "kubectl",
            // Discovery is cached per host:port, and random ports get reused by later runs: keep this run's cache here.
            [$"--cache-dir={Path.Combine(WorkDirectory, "kubectl-cache")}", .. args],
            timeout,
            new Dictionary<string, string> { ["KUBECONFIG"] = kubeconfig });

    /// <summary>Runs kubectl and throws with everything it printed unless it exits 0.</summary>
    public async Task<ProcessResult> KubectlOkAsync(params string[] args)
    {
        var result = await KubectlAsync(args);
        return result.Succeeded ? result : throw new InvalidOperationException(result.ToString());
    }

    /// <summary>Writes <paramref name="yaml"/> to a file in the work directory and returns its path.</summary>
    public string WriteManifest(string yaml, string name = "manifest")
    {
        var dir = Directory.CreateDirectory(InWork("manifests")).FullName;
        var file = Path.Combine(dir, $"{Interlocked.Increment(ref manifestCount):D3}-{name}.yaml");
        File.WriteAllText(file, yaml);
        return file;
    }

    /// <summary><c>kubectl apply -f</c> of <paramref name="yaml"/> (plus <paramref name="extraArgs"/>); the result tells how it went.</summary>
    public Task<ProcessResult> ApplyAsync(string yaml, params string[] extraArgs) =>
        KubectlAsync(["apply", "-f", WriteManifest(yaml), .. extraArgs]);

    public async Task CreateNamespaceAsync(string name)
    {
        var result = await ApplyAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n");
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"could not create namespace {name}: {result}");
        }
    }

    /// <summary>
    /// Registers <paramref name="configuration"/> and waits until KeptnTask writes in <paramref name="probeNamespace"/>
    /// reach <paramref name="webhook"/>; disposing the result deletes it again (see <see cref="WebhookRegistration"/>).
    /// </summary>
    public Task<WebhookRegistration> RegisterWebhooksAsync(WebhookConfiguration configuration, WebhookProcess webhook, string probeNamespace) =>
        WebhookRegistration.RegisterAsync(this, configuration, webhook, probeNamespace);

    /// <summary>A KubernetesClient for the admin, for reading back what is stored.</summary>
    public IKubernetes CreateClient() => new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

    /// <summary>
    /// Makes ServiceAccount <paramref name="namespace"/>/<paramref name="name"/>, binds it to ClusterRole
    /// <paramref name="clusterRole"/> only (a ClusterRoleBinding with a ServiceAccount subject), gets a real
    /// ServiceAccount token for it from the TokenRequest API (as <c>kubectl create token</c> does) and writes a kubeconfig that
    /// uses it. The identity is <c>system:serviceaccount:NS:NAME</c> in groups <c>system:serviceaccounts</c> and
    /// <c>system:serviceaccounts:NS</c>, exactly what a pod of that ServiceAccount gets.
    /// </summary>
    public async Task<ServiceAccountIdentity> CreateServiceAccountIdentityAsync(string @namespace, string name, string clusterRole)
    {
        await CreateNamespaceAsync(@namespace);
        var bindingName = $"{@namespace}-{name}-{clusterRole}".Replace(':', '-');
        var applied = await ApplyAsync($"""
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: {name}
              namespace: {@namespace}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: {bindingName}
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: {clusterRole}
            subjects:
              - kind: ServiceAccount
                name: {name}
                namespace: {@namespace}
            """);
        if (!applied.Succeeded)
        {
            throw new InvalidOperationException($"could not create ServiceAccount {@namespace}/{name} and its binding: {applied}");
        }

        // What `kubectl create token` does (kubectl 1.24+), through KubernetesClient so that any kubectl version works.
        using var client = CreateClient();
        using var timeout = new CancellationTokenSource(KubectlTimeout);
        var tokenRequest = await client.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 7200, Audiences = [] } },
            name,
            @namespace,
            cancellationToken: timeout.Token);
        var user = $"system:serviceaccount:{@namespace}:{name}";
        var kubeconfig = Path.Combine(WorkDirectory, $"kubeconfig-{@namespace}-{name}");
        WriteKubeconfig(kubeconfig, user, tokenRequest.Status.Token);
        return new ServiceAccountIdentity(@namespace, name, user, kubeconfig);
    }

    private static string RandomToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task<string> FindBinariesAsync()
    {
        var assets = Environment.GetEnvironmentVariable("KUBEBUILDER_ASSETS");
        if (HasBoth(assets))
        {
            return assets!;
        }

        // The script answers from its cache at once; only a machine that never built it waits for the build.
        var result = await ProcessRunner.RunAsync("bash", [Repository.ProvisionScript], ProvisionTimeout);
        var folder = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (!result.Succeeded || !HasBoth(folder))
        {
            throw new InvalidOperationException($"tests/e2e/provision-control-plane.sh did not provide kube-apiserver and etcd: {result}");
        }

        return folder!;

        static bool HasBoth(string? dir) =>
            !string.IsNullOrEmpty(dir) && File.Exists(Path.Combine(dir, "kube-apiserver")) && File.Exists(Path.Combine(dir, "etcd"));
    }

    private async Task StartAsync()
    {
        var clock = Stopwatch.StartNew();
        BinaryDirectory = await FindBinariesAsync();
        work = Directory.CreateTempSubdirectory("keptn-webhook-e2e-").FullName;
        if (!KeepWorkDirectory)
        {
            // Removed after a killed test host too, once the guards of etcd and the apiserver have stopped them.
            workGuard = HostDeathGuard.Start($"sleep 7; rm -rf '{work}'");
        }

        var ports = FreePorts.Take(3);
        var (etcdClientPort, etcdPeerPort, securePort) = (ports[0], ports[1], ports[2]);

        var etcdUrl = $"http://127.0.0.1:{Port(etcdClientPort)}";
        etcd = ManagedProcess.Start(
            "etcd",
            Path.Combine(BinaryDirectory, "etcd"),
            [
                "--name", "e2e",
                "--data-dir", Directory.CreateDirectory(InWork("etcd-data")).FullName,
                "--listen-client-urls", etcdUrl,
                "--advertise-client-urls", etcdUrl,
                "--listen-peer-urls", $"http://127.0.0.1:{Port(etcdPeerPort)}",
                "--initial-advertise-peer-urls", $"http://127.0.0.1:{Port(etcdPeerPort)}",
                "--initial-cluster", $"e2e=http://127.0.0.1:{Port(etcdPeerPort)}",
                "--log-level", "warn",
            ],
            InWork("etcd.log"),
            StopGrace);
        await WaitForEtcdAsync(etcdUrl);

        adminToken = RandomToken();
        var tokens = InWork("tokens.csv");
        File.WriteAllText(tokens, $"{adminToken},admin,admin,system:masters\n");
        using (var rsa = RSA.Create(2048))
        {
            File.WriteAllText(InWork("sa.key"), rsa.ExportRSAPrivateKeyPem() + "\n");
            File.WriteAllText(InWork("sa.pub"), rsa.ExportSubjectPublicKeyInfoPem() + "\n");
        }

        var certDir = Directory.CreateDirectory(InWork("apiserver-certs")).FullName;
        CaFile = Path.Combine(certDir, "apiserver.crt");
        ServerUrl = $"https://127.0.0.1:{Port(securePort)}";
        apiserver = ManagedProcess.Start(
            "kube-apiserver",
            Path.Combine(BinaryDirectory, "kube-apiserver"),
            [
                $"--etcd-servers={etcdUrl}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                $"--secure-port={Port(securePort)}",
                $"--cert-dir={certDir}",
                $"--token-auth-file={tokens}",
                "--authorization-mode=RBAC",
                $"--service-account-key-file={InWork("sa.pub")}",
                $"--service-account-signing-key-file={InWork("sa.key")}",
                "--service-account-issuer=https://kubernetes.default.svc",
                "--service-cluster-ip-range=10.0.0.0/24",
                "--disable-admission-plugins=ServiceAccount",
            ],
            InWork("kube-apiserver.log"),
            StopGrace);
        await WaitForApiServerReadyAsync();

        KubeconfigPath = Path.Combine(WorkDirectory, "kubeconfig-admin");
        WriteKubeconfig(KubeconfigPath, "admin", adminToken);
        await InstallCrdsAsync();
        StartupTime = clock.Elapsed;
    }

    private async Task WaitForEtcdAsync(string etcdUrl)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await etcd!.WaitUntilServingAsync(http, new Uri($"{etcdUrl}/health"), ReadyTimeout, body => body.Contains("\"health\":\"true\"", StringComparison.Ordinal));
    }

    private async Task WaitForApiServerReadyAsync()
    {
        // The serving certificate appears in --cert-dir only once the apiserver has started: trust exactly that one.
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && File.Exists(CaFile) && LoadCertificates(CaFile).Any(c => c.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span)),
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        await apiserver!.WaitUntilServingAsync(http, new Uri($"{ServerUrl}/readyz"), ReadyTimeout);
    }

    private async Task InstallCrdsAsync()
    {
        // Server-side apply: the KeptnTaskDefinition CRD (~300 KB) does not fit the last-applied annotation (256 KiB)
        // that a client-side apply writes.
        var applied = await KubectlAsync("apply", "--server-side", "-f", Repository.CrdDirectory);
        if (!applied.Succeeded)
        {
            throw new InvalidOperationException($"installing the Keptn CRDs failed: {applied}\nkube-apiserver log:\n{ApiServerLogTail}");
        }

        var established = await KubectlAsync("wait", "--for=condition=Established", "--timeout=60s", "-f", Repository.CrdDirectory);
        if (!established.Succeeded)
        {
            throw new InvalidOperationException($"the Keptn CRDs did not become Established: {established}\nkube-apiserver log:\n{ApiServerLogTail}");
        }
    }

    private void WriteKubeconfig(string path, string user, string token)
    {
        var ca = Convert.ToBase64String(File.ReadAllBytes(CaFile));
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: e2e
                cluster:
                  server: {ServerUrl}
                  certificate-authority-data: {ca}
            users:
              - name: "{user}"
                user:
                  token: {token}
            contexts:
              - name: e2e
                context:
                  cluster: e2e
                  user: "{user}"
            current-context: e2e

            """);
    }

    private static async Task StopAsync(ManagedProcess? process)
    {
        if (process is not null)
        {
            await process.DisposeAsync();
        }
    }

    private void DeleteWorkDirectory()
    {
        workGuard?.Dispose();
        workGuard = null;
        if (work is null)
        {
            return;
        }

        if (KeepWorkDirectory)
        {
            Console.Error.WriteLine($"KEPTN_WEBHOOK_E2E_KEEP=1: keeping {work}");
        }
        else if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }

        work = null;
    }

    private static bool KeepWorkDirectory => Environment.GetEnvironmentVariable("KEPTN_WEBHOOK_E2E_KEEP") == "1";

    private string InWork(string name) => Path.Combine(WorkDirectory, name);

    private static X509Certificate2Collection LoadCertificates(string pemFile)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(pemFile);
        return collection;
    }
}
