using System.Globalization;

namespace AdmissionWebhook.E2E.Harness;

/// <summary>
/// The webhook built from this repository (<c>AdmissionWebhook.dll</c>, copied next to the tests by the project
/// reference), run as its own process with <c>dotnet</c> on 127.0.0.1: HTTPS on a free port with the given test
/// certificate, health on another. Started means <c>/readyz</c> answered 200.
/// </summary>
public sealed class WebhookProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    private WebhookProcess(ManagedProcess process, int httpsPort, int healthPort)
    {
        Process = process;
        HttpsPort = httpsPort;
        HealthPort = healthPort;
    }

    public static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, "AdmissionWebhook.dll");

    public ManagedProcess Process { get; }

    public int HttpsPort { get; }

    public int HealthPort { get; }

    /// <summary><c>https://127.0.0.1:PORT</c>: append <c>/validate</c> or <c>/mutate</c>.</summary>
    public string BaseUrl => $"https://127.0.0.1:{HttpsPort.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Everything the webhook printed so far (one line per review, among others).</summary>
    public string Output => Process.Output;

    /// <summary>
    /// The output once every line of what happened so far has had the time to be written (batches are at most 100 ms
    /// apart): read this for what must not be there.
    /// </summary>
    public async Task<string> SettledOutputAsync()
    {
        await Task.Delay(300);
        return Output;
    }

    /// <summary>
    /// Asserts that the webhook logged <paramref name="text"/>, waiting up to 5 s for it: the webhook writes its log in
    /// batches, at most 100 ms apart, so a review's line may follow its answer.
    /// </summary>
    public async Task AssertLoggedAsync(string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!Output.Contains(text, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains(text, Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Starts the webhook with <c>--bind-address 127.0.0.1</c>, free <c>--https-port</c>/<c>--health-port</c>, the
    /// certificate files of <paramref name="certificates"/> and then <paramref name="arguments"/> (e.g. <c>--state DIR</c>),
    /// and waits for <c>/readyz</c>. The log goes to <paramref name="logFile"/> as well.
    /// </summary>
    public static async Task<WebhookProcess> StartAsync(TestCertificates certificates, string logFile, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        if (!File.Exists(AssemblyPath))
        {
            throw new FileNotFoundException($"the webhook is not built next to the tests: {AssemblyPath}");
        }

        var ports = FreePorts.Take(2);
        var (httpsPort, healthPort) = (ports[0], ports[1]);
        string[] all =
        [
            AssemblyPath,
            "--bind-address", "127.0.0.1",
            "--https-port", httpsPort.ToString(CultureInfo.InvariantCulture),
            "--health-port", healthPort.ToString(CultureInfo.InvariantCulture),
            "--tls-cert", certificates.CertFile,
            "--tls-key", certificates.KeyFile,
            .. arguments,
        ];
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var process = ManagedProcess.Start(
            "webhook",
            dotnet,
            all,
            logFile,
            StopGrace,
            new Dictionary<string, string> { ["DOTNET_NOLOGO"] = "1" },
            workingDirectory: AppContext.BaseDirectory);
        var webhook = new WebhookProcess(process, httpsPort, healthPort);
        try
        {
            await webhook.WaitForReadyAsync();
            return webhook;
        }
        catch
        {
            await webhook.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the webhook: SIGTERM (graceful shutdown), then a kill after a grace period.</summary>
    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private async Task WaitForReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Process.WaitUntilServingAsync(http, new Uri($"http://127.0.0.1:{HealthPort.ToString(CultureInfo.InvariantCulture)}/readyz"), ReadyTimeout);
    }
}
