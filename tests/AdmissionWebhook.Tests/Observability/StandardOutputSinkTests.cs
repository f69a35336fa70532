using System.Globalization;
using System.Text;
using System.Text.Json;
using AdmissionWebhook.Hosting;
using AdmissionWebhook.Observability;
using Serilog;
using Serilog.Configuration;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace AdmissionWebhook.Tests.Observability;

public sealed class StandardOutputSinkTests
{
    private const string TextTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}";

    [Fact]
    public async Task ABatchIsWrittenInOrderAsWholeLinesAndFlushed()
    {
        using var output = new MemoryStream();
        using var sink = new StandardOutputSink(new MessageTemplateTextFormatter(TextTemplate, CultureInfo.InvariantCulture), output);

        await sink.EmitBatchAsync([Event("first {Number}", 1), Event("second {Number}", 2)]);

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Collection(
            lines,
            line => Assert.EndsWith("INF] first 1", line, StringComparison.Ordinal),
            line => Assert.EndsWith("INF] second 2", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task JsonLinesAreOneObjectEachWithoutAByteOrderMark()
    {
        using var output = new MemoryStream();
        using var sink = new StandardOutputSink(new RenderedCompactJsonFormatter(), output);

        await sink.EmitBatchAsync([Event("reviewed {Uid}", "u-1"), Event("reviewed {Uid}", "u-2")]);

        var bytes = output.ToArray();
        Assert.Equal((byte)'{', bytes[0]);
        var messages = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("@m").GetString());
        Assert.Equal(["reviewed \"u-1\"", "reviewed \"u-2\""], messages);
    }

    [Fact]
    public void EveryQueuedLineIsWrittenWhenTheLoggerIsDisposed()
    {
        var output = new MemoryStream();
        var logger = new LoggerConfiguration()
            .WriteTo.Sink(
                new StandardOutputSink(new MessageTemplateTextFormatter("{Message:lj}{NewLine}", CultureInfo.InvariantCulture), new KeepOpen(output)),
                new BatchingOptions { BufferingTimeLimit = TimeSpan.FromMinutes(1), BatchSizeLimit = 1000, EagerlyEmitFirstEvent = false })
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
        var logger = new LoggerConfiguration()
            .WriteTo.Sink(new StandardOutputSink(new MessageTemplateTextFormatter("{Message:lj}{NewLine}", CultureInfo.InvariantCulture), stuck), WebhookHost.LogBatching())
            .CreateLogger();

        // Far more lines than the queue holds, while the batch loop is stuck in its first write.
        var logging = Task.Run(() =>
        {
            for (var i = 0; i < 150_000; i++)
            {
                logger.Information("review {Number} answered", i);
            }
        });

        var finished = await Task.WhenAny(logging, Task.Delay(TimeSpan.FromSeconds(20))) == logging;
        stuck.Release();
        logger.Dispose();
        Assert.True(finished, "logging waited for a stdout that accepted nothing");

        // Written once stdout moved: the full queue, and the batch that was stuck if the loop had taken one before the
        // queue filled (at most one batch); the rest was dropped.
        var queue = WebhookHost.LogBatching().QueueLimit!.Value;
        Assert.InRange(stuck.Lines, queue, queue + WebhookHost.LogBatching().BatchSizeLimit);
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
