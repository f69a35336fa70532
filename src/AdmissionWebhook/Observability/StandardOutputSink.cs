using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace AdmissionWebhook.Observability;

/// <summary>
/// Writes Serilog's batches to stdout through one buffer: a batch of lines is one write, where the console sink made a
/// write (and woke its worker thread) per line, which cost the single-core server a third of its reviews
/// (docs/performance.md). Serilog's batching runs it on a background loop, so no review waits for stdout.
/// </summary>
internal sealed class StandardOutputSink(ITextFormatter formatter, Stream output) : IBatchedLogEventSink, IDisposable
{
    private readonly StreamWriter _writer = new(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024) { AutoFlush = false };

    public Task EmitBatchAsync(IReadOnlyCollection<LogEvent> batch)
    {
        foreach (var logEvent in batch)
        {
            formatter.Format(logEvent, _writer);
        }

        _writer.Flush();
        return Task.CompletedTask;
    }

    public void Dispose() => _writer.Dispose();
}
