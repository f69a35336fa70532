using System.Diagnostics;
using System.Globalization;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.Tests.ClusterState.Live;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

// The scale benchmark of the cluster state. Usage: Scale [TASKS DEFINITIONS WORKLOADS] (defaults 100000 10000 10000).
// A child process ("serve") runs the loopback fake API server with the objects; this process runs only the webhook's
// KubernetesClusterState against it, so its managed memory and RSS are the cache's.
var counts = args.Length >= 4 && args[0] == "serve" ? args[1..4] : args.Length >= 3 ? args[..3] : ["100000", "10000", "10000"];
var tasks = int.Parse(counts[0], CultureInfo.InvariantCulture);
var definitions = int.Parse(counts[1], CultureInfo.InvariantCulture);
var workloads = int.Parse(counts[2], CultureInfo.InvariantCulture);
const int Namespaces = 100;

if (args.Length >= 1 && args[0] == "serve")
{
    await using var server = await FakeKubeApiServer.StartAsync();
    for (var i = 0; i < definitions; i++)
    {
        server.Put(KeptnObjects.TaskDefinitions, KeptnObjects.TaskDefinition($"ns-{i % Namespaces}", $"definition-{i}"), notify: false);
    }

    for (var i = 0; i < tasks; i++)
    {
        server.Put(KeptnObjects.Tasks, KeptnObjects.Task($"ns-{i % Namespaces}", $"task-{i}", $"definition-{i % definitions}"), notify: false);
    }

    for (var i = 0; i < workloads; i++)
    {
        server.Put(KeptnObjects.Workloads, KeptnObjects.Workload($"ns-{i % Namespaces}", $"app-{i}-workload", pre: $"definition-{i % definitions}"), notify: false);
    }

    Console.WriteLine($"PORT {server.Port}");
    await Console.In.ReadToEndAsync();
    return 0;
}

var self = Environment.GetCommandLineArgs()[0];
var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardInput = true };
if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
{
    start.ArgumentList.Add(self);
}

foreach (var argument in new[] { "serve", counts[0], counts[1], counts[2] })
{
    start.ArgumentList.Add(argument);
}

using var child = Process.Start(start)!;
var line = await child.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the fake API server did not start");
var port = int.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);

Console.WriteLine($"date {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC; nproc {Environment.ProcessorCount}; loadavg {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine($"{tasks:N0} KeptnTasks, {definitions:N0} KeptnTaskDefinitions, {workloads:N0} KeptnWorkloads in {Namespaces} namespaces, served by the loopback fake API server (pages of 500)");
GC.Collect();
var rssBefore = Rss();
var managedBefore = GC.GetTotalMemory(true);

using var client = new Kubernetes(FakeKubeApiServer.ClientConfiguration(port));
using var state = new KubernetesClusterState(client, Options.Create(new WebhookOptions()), NullLogger<KubernetesClusterState>.Instance, TimeProvider.System, "scale");
var clock = Stopwatch.StartNew();
await state.StartAsync(CancellationToken.None);
while (!state.IsSynced)
{
    if (clock.Elapsed > TimeSpan.FromMinutes(5))
    {
        throw new TimeoutException("not synced after 5 minutes");
    }

    await Task.Delay(10);
}

var ready = clock.Elapsed;
var managed = GC.GetTotalMemory(true);
var rss = Rss();
var peak = Peak();

Console.WriteLine();
Console.WriteLine("| measure | value |");
Console.WriteLine("|---|---:|");
Console.WriteLine($"| StartAsync → IsSynced | {ready.TotalSeconds:0.00} s |");
Console.WriteLine($"| managed heap after sync (GC.GetTotalMemory(true)) | {managed / 1048576.0:0.0} MiB ({(managed - managedBefore) / 1048576.0:0.0} MiB more than before the start) |");
Console.WriteLine($"| process RSS after sync | {rss / 1024.0:0.0} MiB (before the start {rssBefore / 1024.0:0.0} MiB, peak {peak / 1024.0:0.0} MiB) |");

Measure("HasTask (hit)", i => state.HasTask($"ns-{i % Namespaces}", $"task-{i % tasks}"));
Measure("HasTask (miss)", i => state.HasTask($"ns-{i % Namespaces}", $"absent-{i}"));
Measure("HasTaskDefinition (hit)", i => state.HasTaskDefinition($"ns-{i % Namespaces}", $"definition-{i % definitions}"));
Measure("FindOwner (workload, hit)", i => state.FindOwner(KeptnOwnerKind.KeptnWorkload, $"ns-{i % Namespaces}", $"app-{i % workloads}-workload") is not null);
Console.WriteLine("(lookups: mean of 1,000,000 calls on one thread, including formatting the two key strings)");

await state.StopAsync(CancellationToken.None);
child.StandardInput.Close();
await child.WaitForExitAsync();
return 0;

static long Rss() => StatusField("VmRSS:");

static long Peak() => StatusField("VmHWM:");

static long StatusField(string field) =>
    long.Parse(File.ReadLines("/proc/self/status").First(line => line.StartsWith(field, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

static void Measure(string name, Func<int, bool> lookup)
{
    const int Calls = 1_000_000;
    var hits = 0;
    for (var i = 0; i < 10_000; i++)
    {
        hits += lookup(i) ? 1 : 0;
    }

    var clock = Stopwatch.StartNew();
    for (var i = 0; i < Calls; i++)
    {
        hits += lookup(i) ? 1 : 0;
    }

    var nanoseconds = clock.Elapsed.TotalNanoseconds / Calls;
    Console.WriteLine($"| {name} | {nanoseconds:0} ns ({hits:N0} hits) |");
}
