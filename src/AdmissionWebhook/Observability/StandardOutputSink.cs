using System.Buffers;
using System.Diagnostics;
using System.Text;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using Serilog.Formatting;

namespace AdmissionWebhook.Observability;

/// <summary>
/// Writes log lines to stdout without a review ever waiting for stdout. A line is formatted to UTF-8 where it is logged,
/// while its values are still in the CPU's cache and the event can die young, and appended to a buffer that a thread of
/// the sink's own writes out: at once after a quiet spell; under load every <see cref="FlushInterval"/>, or as soon as
/// <see cref="WriteChunkBytes"/> are waiting. Serilog's batching, used before, kept every event alive until its batch
/// was formatted: at 20,000 reviews/s those events outlived gen0 collections, and formatting 1,000 of them at once
/// stalled the one core for milliseconds (a fifth of the throughput and most of the p99, docs/performance.md). A write
/// of 100 ms of lines at once (2 MB) stalled it the same way inside the kernel; 64 KiB writes take tens of
/// microseconds. If stdout blocks (a stuck log pipe), lines queue up to <see cref="QueueLimitBytes"/> and later ones are
/// dropped. Disposing writes what is queued.
/// </summary>
internal sealed class StandardOutputSink : ILogEventSink, IDisposable
{
    public const int QueueLimitBytes = 10 * 1024 * 1024;

    public const int WriteChunkBytes = 64 * 1024;

    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    private const int FormatBufferKeptBytes = 64 * 1024;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    [ThreadStatic]
    private static LineBuffer? t_line;

    private readonly ITextFormatter _formatter;
    private readonly bool _json;
    private readonly Stream _output;
    private readonly Lock _gate = new();
    private readonly ManualResetEventSlim _queued = new();
    private readonly ManualResetEventSlim _chunkOrStop = new();
    private volatile bool _stopping;
    private readonly Thread _writer;
    private readonly TimeSpan _flushInterval;
    private ArrayBufferWriter<byte> _pending = new(64 * 1024);
    private ArrayBufferWriter<byte> _writing = new(64 * 1024);
    private long _dropped;
    private bool _disposed;

    public StandardOutputSink(ITextFormatter formatter, Stream output, bool json = false, TimeSpan? flushInterval = null)
    {
        _formatter = formatter;
        _json = json;
        _output = output;
        _flushInterval = flushInterval ?? FlushInterval;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_flushInterval, TimeSpan.Zero, nameof(flushInterval));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_flushInterval, TimeSpan.FromMilliseconds(int.MaxValue), nameof(flushInterval));
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "Log writer" };
        _writer.Start();
    }

    /// <summary>Lines not written because stdout had not taken the ones before them.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Emit(LogEvent logEvent)
    {
        var line = t_line ??= new LineBuffer();
        ReadOnlySpan<byte> bytes;
        try
        {
            bytes = line.Format(_formatter, logEvent);
        }
        catch
        {
            // Half a line may sit in the buffer's writer: the thread starts the next one with a fresh buffer.
            t_line = null;
            line.Dispose();
            throw;
        }

        Append(bytes);
        line.Trim();
    }

    /// <summary>The review line, in this sink's format, without a Serilog event (<see cref="ReviewLine"/>).</summary>
    public void Write(in ReviewLine review)
    {
        var line = t_line ??= new LineBuffer();
        Append(line.Format(review, _json));
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            if (_disposed || _pending.WrittenCount + bytes.Length > QueueLimitBytes)
            {
                _dropped++;
                return;
            }

            var before = _pending.WrittenCount;
            bytes.CopyTo(_pending.GetSpan(bytes.Length));
            _pending.Advance(bytes.Length);
            if (before == 0)
            {
                _queued.Set();
            }

            if (before < WriteChunkBytes && _pending.WrittenCount >= WriteChunkBytes)
            {
                _chunkOrStop.Set();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _stopping = true;
        _chunkOrStop.Set();
        _queued.Set();

        // A stdout that never takes the rest must not hold up the process's exit forever.
        if (_writer.Join(TimeSpan.FromSeconds(10)))
        {
            _output.Dispose();
            _queued.Dispose();
            _chunkOrStop.Dispose();
        }
    }

    private void WriteLoop()
    {
        var lastWrite = 0L;
        while (true)
        {
            _queued.Wait();

            // A line after a quiet spell goes out at once; under load, what comes within a FlushInterval of the last write
            // is gathered into the next one, unless a chunk's worth is waiting. A stop cuts the wait short.
            var sinceLastWrite = Stopwatch.GetElapsedTime(lastWrite);
            if (sinceLastWrite < _flushInterval)
            {
                _chunkOrStop.Wait(_flushInterval - sinceLastWrite);
            }

            lastWrite = Stopwatch.GetTimestamp();
            lock (_gate)
            {
                (_pending, _writing) = (_writing, _pending);
                _queued.Reset();
                if (!_stopping)
                {
                    _chunkOrStop.Reset();
                }
            }

            if (_writing.WrittenCount > 0)
            {
                try
                {
                    // In chunks even when more piled up (the writer was slow, or stdout was stuck): one system call never
                    // holds the core for long.
                    var lines = _writing.WrittenSpan;
                    for (var offset = 0; offset < lines.Length; offset += WriteChunkBytes)
                    {
                        _output.Write(lines.Slice(offset, Math.Min(WriteChunkBytes, lines.Length - offset)));
                    }

                    _output.Flush();
                }
                catch (Exception e)
                {
                    // stdout closed or refused (the reader went away, EBADF, EPERM): these lines are lost either way, but
                    // the writer keeps going for the next ones, and an exception here must not end the process.
                    SelfLog.WriteLine("stdout refused {0} bytes of log lines: {1}", _writing.WrittenCount, e.Message);
                }

                _writing.ResetWrittenCount();
            }

            if (_stopping)
            {
                lock (_gate)
                {
                    if (_pending.WrittenCount == 0)
                    {
                        return;
                    }
                }
            }
        }
    }

    /// <summary>A thread's formatting buffer, kept for the thread's life: the formatter's characters, encoded to UTF-8 in one go.</summary>
    private sealed class LineBuffer : IDisposable
    {
        private readonly MemoryStream _bytes = new(1024);
        private readonly StreamWriter _text;
        private readonly ArrayBufferWriter<byte> _review = new(1024);

        public LineBuffer() => _text = new StreamWriter(_bytes, Utf8, bufferSize: 1024) { AutoFlush = false };

        public ReadOnlySpan<byte> Format(ITextFormatter formatter, LogEvent logEvent)
        {
            _bytes.SetLength(0);
            formatter.Format(logEvent, _text);
            _text.Flush();
            return _bytes.GetBuffer().AsSpan(0, (int)_bytes.Length);
        }

        public ReadOnlySpan<byte> Format(in ReviewLine review, bool json)
        {
            _review.ResetWrittenCount();
            if (json)
            {
                review.WriteJson(_review);
            }
            else
            {
                review.WriteText(_review);
            }

            return _review.WrittenSpan;
        }

        public void Dispose() => _text.Dispose();

        /// <summary>One huge line does not keep its buffer for the thread's life.</summary>
        public void Trim()
        {
            if (_bytes.Capacity > FormatBufferKeptBytes)
            {
                _bytes.SetLength(0);
                _bytes.Capacity = FormatBufferKeptBytes;
            }
        }
    }
}
