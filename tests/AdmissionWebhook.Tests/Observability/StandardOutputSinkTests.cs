using System.Globalization;
using System.Text;
using System.Text.Json;
using AdmissionWebhook.Observability;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace AdmissionWebhook.Tests.Observability;

public sealed class StandardOutputSinkTests
{
    private const string TextTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}";

    [Fact]
    public void LinesAreWrittenInOrderAsWholeLines()
    {
        var output = new MemoryStream();
        using (var sink = new StandardOutputSink(new MessageTemplateTextFormatter(TextTemplate, CultureInfo.InvariantCulture), new KeepOpen(output)))
        {
            sink.Emit(Event("first {Number}", 1));
            sink.Emit(Event("second {Number}", 2));
        }

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Collection(
            lines,
            line => Assert.EndsWith("INF] first 1", line, StringComparison.Ordinal),
            line => Assert.EndsWith("INF] second 2", line, StringComparison.Ordinal));
    }

    [Fact]
    public void JsonLinesAreOneObjectEachWithoutAByteOrderMark()
    {
        var output = new MemoryStream();
        using (var sink = new StandardOutputSink(new RenderedCompactJsonFormatter(), new KeepOpen(output)))
        {
            sink.Emit(Event("reviewed {Uid}", "u-1"));
            sink.Emit(Event("reviewed {Uid}", "u-2"));
        }

        var bytes = output.ToArray();
        Assert.Equal((byte)'{', bytes[0]);
        var messages = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("@m").GetString());
        Assert.Equal(["reviewed \"u-1\"", "reviewed \"u-2\""], messages);
    }

    [Fact]
    public async Task ALineReachesStdoutWithinAFlushIntervalWithoutMoreLinesOrADispose()
    {
        var output = new SharedMemoryStream();
        using var sink = new StandardOutputSink(new MessageTemplateTextFormatter("{Message:lj}{NewLine}", CultureInfo.InvariantCulture), output);

        sink.Emit(Event("alone {Number}", 1));

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (output.Text() != "alone 1\n")
        {
            await Task.Delay(10, deadline.Token);
        }
    }

    [Fact]
    public void EveryQueuedLineIsWrittenWhenTheLoggerIsDisposed()
    {
        var output = new MemoryStream();
        var logger = new LoggerConfiguration()
            .WriteTo.Sink(new StandardOutputSink(new MessageTemplateTextFormatter("{Message:lj}{NewLine}", CultureInfo.InvariantCulture), new KeepOpen(output)))
            .CreateLogger();

        for (var i = 0; i < 5_000; i++)
        {
            logger.Information("line {Number}", i);
        }

        logger.Dispose();

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5_000, lines.Length);
        Assert.Equal("line 4999", lines[^1]);
    }

    [Fact]
    public async Task AStdoutThatAcceptsNothingNeverHoldsUpTheCodeThatLogs()
    {
        using var stuck = new StuckStream();
        var sink = new StandardOutputSink(new MessageTemplateTextFormatter("{Message:lj}{NewLine}", CultureInfo.InvariantCulture), stuck);
        var logger = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();

        // Far more than the queue holds, while the writer is stuck in its first write: 25 bytes a line, 37.5 MB, where the
        // writer's first take and the queue hold at most 10 MiB each.
        var logging = Task.Run(() =>
        {
            for (var i = 0; i < 1_500_000; i++)
            {
                logger.Information("review {Number} answered", 1_000_000 + i);
            }
        });

        var finished = await Task.WhenAny(logging, Task.Delay(TimeSpan.FromSeconds(20))) == logging;
        var dropped = sink.Dropped;
        stuck.Release();
        logger.Dispose();
        Assert.True(finished, "logging waited for a stdout that accepted nothing");

        // Written once stdout moved: the full queue, and what the writer had taken before it got stuck (at most another
        // queue's worth); the rest was dropped, and counted.
        Assert.True(dropped > 0, "nothing was dropped");
        Assert.InRange(stuck.Written, StandardOutputSink.QueueLimitBytes - 64, 2L * StandardOutputSink.QueueLimitBytes);
        Assert.Equal(1_500_000, stuck.Lines + dropped);
    }

    [Fact]
    public async Task UnderLoadAChunkIsWrittenAsSoonAsItFillsNotAFlushIntervalsWorthLater()
    {
        // A flush interval no test waits out: every write after the first must come from a filled chunk.
        var output = new SharedMemoryStream();
        using var sink = new StandardOutputSink(
            new MessageTemplateTextFormatter("{Message:lj}{NewLine}", CultureInfo.InvariantCulture), output, flushInterval: TimeSpan.FromMinutes(10));
        var text = new string('x', 1_000);
        sink.Emit(Event("{Text}", "first"));
        await WaitForBytes(output, "first\n".Length);

        for (var chunk = 1; chunk <= 5; chunk++)
        {
            for (var i = 0; i < 70; i++)
            {
                sink.Emit(Event("{Text}", text));
            }

            // Less than a chunk's worth may still wait for the next one.
            await WaitForBytes(output, "first\n".Length + (chunk * 70 * (text.Length + 1)) - StandardOutputSink.WriteChunkBytes);
        }

        Assert.All(output.Writes, size => Assert.InRange(size, 1, StandardOutputSink.WriteChunkBytes));
    }

    private static async Task WaitForBytes(SharedMemoryStream output, long bytes)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (output.Written < bytes)
        {
            await Task.Delay(5, deadline.Token);
        }
    }

    private static LogEvent Event(string template, object value)
    {
        var logger = new LoggerConfiguration().CreateLogger();
        Assert.True(logger.BindMessageTemplate(template, [value], out var parsed, out var properties));
        return new LogEvent(DateTimeOffset.Now, LogEventLevel.Information, null, parsed, properties);
    }

    /// <summary>A pipe nobody reads: every write waits until the test releases it.</summary>
    private sealed class StuckStream : Stream
    {
        private readonly ManualResetEventSlim _released = new();

        public long Written { get; private set; }

        public int Lines { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Written;

        public override long Position { get => Written; set => throw new NotSupportedException(); }

        public void Release() => _released.Set();

        public override void Flush() => _released.Wait();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            _released.Wait();
            Written += count;
            Lines += buffer.AsSpan(offset, count).Count((byte)'\n');
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _released.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>What the writer thread has written so far, readable while it writes.</summary>
    private sealed class SharedMemoryStream : MemoryStream
    {
        private readonly Lock _gate = new();

        private readonly List<int> _writes = [];

        /// <summary>The size of each write, in order.</summary>
        public IReadOnlyList<int> Writes
        {
            get
            {
                lock (_gate)
                {
                    return [.. _writes];
                }
            }
        }

        public long Written
        {
            get
            {
                lock (_gate)
                {
                    return Length;
                }
            }
        }

        public string Text()
        {
            lock (_gate)
            {
                return Encoding.UTF8.GetString(ToArray());
            }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_gate)
            {
                _writes.Add(count);
                base.Write(buffer, offset, count);
            }
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            // MemoryStream hands a subclass's span write to Write(byte[], int, int), which counts it.
            lock (_gate)
            {
                base.Write(buffer);
            }
        }
    }

    /// <summary>The sink disposes its stream with itself; the test still reads it afterwards.</summary>
    private sealed class KeepOpen(MemoryStream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
