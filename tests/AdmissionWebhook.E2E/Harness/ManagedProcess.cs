using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace AdmissionWebhook.E2E.Harness;

/// <summary>
/// A long-running child process (etcd, kube-apiserver, the webhook) whose output is captured in memory and in a log
/// file. Stopping sends SIGTERM, then kills after a grace period. Processes still running when the test host exits are
/// killed, and a <see cref="HostDeathGuard"/> stops them even when the test host is killed, so a failed, aborted or hung
/// run leaves nothing behind.
/// </summary>
public sealed class ManagedProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly StreamWriter log;
    private readonly Lock gate = new();

    private readonly TimeSpan stopGrace;
    private HostDeathGuard? guard;

    static ManagedProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();

    private ManagedProcess(string name, Process process, string logFile, TimeSpan stopGrace)
    {
        Name = name;
        this.stopGrace = stopGrace;
        this.process = process;
        LogFile = logFile;
        log = new StreamWriter(logFile, append: false, Encoding.UTF8) { AutoFlush = true };
    }

    public string Name { get; }

    public string LogFile { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public string CommandLine => ProcessRunner.Describe(process.StartInfo);

    /// <summary>Everything the process printed so far (stdout and stderr interleaved, line by line).</summary>
    public string Output
    {
        get
        {
            lock (gate)
            {
                return output.ToString();
            }
        }
    }

    public static ManagedProcess Start(
        string name,
        string fileName,
        IEnumerable<string> arguments,
        string logFile,
        TimeSpan stopGrace,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var process = new Process { StartInfo = ProcessRunner.CreateStartInfo(fileName, arguments, environment, workingDirectory), EnableRaisingEvents = true };
        var managed = new ManagedProcess(name, process, logFile, stopGrace);
        process.OutputDataReceived += (_, e) => managed.Append(e.Data);
        process.ErrorDataReceived += (_, e) => managed.Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {name}: `{managed.CommandLine}`");
        }

        Running[process.Id] = process;
        var pid = process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        managed.guard = HostDeathGuard.Start($"kill -TERM {pid} 2>/dev/null; sleep 5; kill -KILL {pid} 2>/dev/null");
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return managed;
    }

    /// <summary>The last <paramref name="lines"/> lines of output, for failure messages.</summary>
    public string Tail(int lines = 60)
    {
        var all = Output.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    /// <summary>
    /// Polls <c>GET <paramref name="uri"/></c> until it answers 2xx (and <paramref name="isReady"/> accepts the body);
    /// fails at once when the process exits, and after <paramref name="timeout"/> with the last answer and the output.
    /// </summary>
    public async Task WaitUntilServingAsync(HttpClient http, Uri uri, TimeSpan timeout, Func<string, bool>? isReady = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var last = "no answer yet";
        await Poll.UntilAsync(
            async () =>
            {
                if (process.HasExited)
                {
                    // Let the output of its last moments arrive: it says why.
                    using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await process.WaitForExitAsync(drain.Token);
                    throw new InvalidOperationException($"{Name} exited with {process.ExitCode} during start-up (`{CommandLine}`); its output:\n{Tail(100)}");
                }

                try
                {
                    using var response = await http.GetAsync(uri);
                    var body = await response.Content.ReadAsStringAsync();
                    last = $"HTTP {(int)response.StatusCode}: {body}";
                    return response.IsSuccessStatusCode && (isReady is null || isReady(body));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    last = e.Message;
                    return false;
                }
            },
            timeout,
            () => $"{Name} was not ready at {uri} within {timeout.TotalSeconds:0} s (last answer: {last}); its output:\n{Tail(100)}");
    }

    /// <summary>SIGTERM, then SIGKILL (of the whole tree) when it has not exited within the stop grace period.</summary>
    public async Task StopAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                await ProcessRunner.RunAsync("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
                using var cts = new CancellationTokenSource(stopGrace);
                try
                {
                    await process.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    Append($"[harness] {Name} did not stop within {stopGrace.TotalSeconds:0} s of SIGTERM; killing it");
                    process.Kill(entireProcessTree: true);
                }
            }

            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(drain.Token);
        }
        finally
        {
            Running.TryRemove(process.Id, out _);
            guard?.Dispose();
            guard = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            process.Dispose();
            lock (gate)
            {
                log.Dispose();
            }
        }
    }

    private static void KillAll()
    {
        foreach (var process in Running.Values)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            output.Append(line).Append('\n');
            if (log.BaseStream.CanWrite)
            {
                log.WriteLine(line);
            }
        }
    }
}
