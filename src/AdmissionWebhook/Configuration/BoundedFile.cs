using System.Globalization;

namespace AdmissionWebhook.Configuration;

/// <summary>
/// Reads the files the webhook is pointed at (manifests, PEM files, kubeconfigs) only up to a size limit, so an endless
/// or huge file (<c>/dev/zero</c>, a wrong path) is a clear error instead of an out-of-memory crash. The limit is enforced
/// while reading: a character device or a pipe reports length 0, so the file's length cannot be trusted.
/// </summary>
internal static class BoundedFile
{
    /// <summary>
    /// A legitimate 31 MB manifest of 250,000 tasks reviews in 14 s and 1.1 GB, so real files come nowhere near this; a
    /// 63 MB one, just under it, still reviews (30 s, 4.8 GB peak with <c>--output json</c>). The limit is per file: it
    /// stops an endless or absurd input at a bounded cost, it does not budget the memory of a legitimate review.
    /// </summary>
    public const long ManifestLimit = 64L * 1024 * 1024;

    /// <summary>A CA bundle or a certificate chain is a few KiB; even the full Mozilla root bundle is about 200 KiB.</summary>
    public const long PemLimit = 1024 * 1024;

    /// <summary>Embedded certificates make a kubeconfig a few KiB per cluster; hundreds of clusters still fit.</summary>
    public const long KubeconfigLimit = 4L * 1024 * 1024;

    /// <summary>The text of <paramref name="path"/>, decoded as <see cref="File.ReadAllText(string)"/> decodes it.</summary>
    /// <exception cref="IOException">The file holds more than <paramref name="limit"/> bytes, or cannot be read.</exception>
    public static string ReadAllText(string path, long limit, string what)
    {
        using var reader = OpenText(path, limit, what);
        return reader.ReadToEnd();
    }

    /// <summary>A reader over <paramref name="path"/> that throws once more than <paramref name="limit"/> bytes are read.</summary>
    public static StreamReader OpenText(string path, long limit, string what) =>
        new(new CappedStream(File.OpenRead(path), path, limit, what), detectEncodingFromByteOrderMarks: true);

    internal static string Describe(long bytes) =>
        bytes % (1024 * 1024) == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");

    private sealed class CappedStream(FileStream inner, string path, long limit, string what) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            _read += read;
            if (_read > limit)
            {
                throw new IOException($"{path} is larger than {Describe(limit)}, the limit for {what}");
            }

            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
