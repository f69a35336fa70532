using System.Runtime;

/// <summary>
/// Loaded into the webhook with <c>DOTNET_STARTUP_HOOKS</c> by bench/scale-e2e.sh (nothing in src/ knows of it). A
/// background thread waits for a file <c>request</c> in <c>$SCALE_HEAP_PROBE_DIR</c>: its content <c>heap</c> reads the
/// managed heap as it is (no collection), <c>collect</c> first runs a full blocking compacting collection (what
/// <c>GC.GetTotalMemory(true)</c> reports in bench/Scale). The answer is written to <c>response</c> as key=value lines.
/// Cost in the measured process: one sleeping thread and this small assembly.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        var directory = Environment.GetEnvironmentVariable("SCALE_HEAP_PROBE_DIR");
        if (string.IsNullOrEmpty(directory))
        {
            return;
        }

        var thread = new Thread(() => Serve(directory)) { IsBackground = true, Name = "scale-heap-probe" };
        thread.Start();
    }

    private static void Serve(string directory)
    {
        var request = Path.Combine(directory, "request");
        var response = Path.Combine(directory, "response");
        while (true)
        {
            Thread.Sleep(100);
            if (!File.Exists(request))
            {
                continue;
            }

            var collect = File.ReadAllText(request).Trim() == "collect";
            File.Delete(request);
            var total = GC.GetTotalMemory(forceFullCollection: collect);
            var info = GC.GetGCMemoryInfo(GCKind.Any);
            var generations = info.GenerationInfo;
            var lines = new List<string>
            {
                $"collected={(collect ? 1 : 0)}",
                $"total_memory_bytes={total}",
                $"heap_size_bytes={info.HeapSizeBytes}",
                $"committed_bytes={info.TotalCommittedBytes}",
                $"fragmented_bytes={info.FragmentedBytes}",
                $"total_available_memory_bytes={info.TotalAvailableMemoryBytes}",
                $"gen0_collections={GC.CollectionCount(0)}",
                $"gen1_collections={GC.CollectionCount(1)}",
                $"gen2_collections={GC.CollectionCount(2)}",
                $"server_gc={(GCSettings.IsServerGC ? 1 : 0)}",
                $"concurrent_gc={(AppContext.TryGetSwitch("System.GC.Concurrent", out var concurrent) ? (concurrent ? 1 : 0) : -1)}",
                $"allocated_bytes={GC.GetTotalAllocatedBytes()}",
                $"last_gc_generation={info.Generation}",
                $"last_gc_compacted={(info.Compacted ? 1 : 0)}",
            };
            // After the last collection, per generation (0, 1, 2, large object heap, pinned object heap).
            for (var generation = 0; generation < generations.Length; generation++)
            {
                lines.Add($"gen{generation}_size_after_bytes={generations[generation].SizeAfterBytes}");
                lines.Add($"gen{generation}_fragmentation_after_bytes={generations[generation].FragmentationAfterBytes}");
            }

            File.WriteAllLines(response + ".tmp", lines);
            File.Move(response + ".tmp", response, overwrite: true);
        }
    }
}
