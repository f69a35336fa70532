using System.Diagnostics;
using System.Globalization;

namespace AdmissionWebhook.E2E.Harness;

/// <summary>
/// Runs a shell cleanup command if the test host dies without cleaning up itself: killed by a hang timeout, SIGKILL or
/// a crash, when neither <c>finally</c> blocks nor ProcessExit handlers run. A small <c>sh</c> loop watches the host's
/// process id; disposing the guard (the normal path, after the cleanup was done in-process) ends the watcher.
/// </summary>
internal sealed class HostDeathGuard : IDisposable
{
    private readonly Process watcher;

    private HostDeathGuard(Process watcher) => this.watcher = watcher;

    public static HostDeathGuard Start(string cleanupCommand)
    {
        var host = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var startInfo = ProcessRunner.CreateStartInfo(
            "sh",
            ["-c", $"while kill -0 {host} 2>/dev/null; do sleep 1; done; {cleanupCommand}"],
            environment: null,
            workingDirectory: "/");
        var watcher = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start the cleanup watcher");
        watcher.StandardInput.Close();
        return new HostDeathGuard(watcher);
    }

    public void Dispose()
    {
        try
        {
            watcher.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        watcher.Dispose();
    }
}
