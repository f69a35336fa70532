using System.Buffers;
using System.Globalization;

namespace AdmissionWebhook.KeptnTasks;

/// <summary>
/// Writes UTF-8 into an <see cref="IBufferWriter{T}"/> through a span it keeps between writes, asking the writer for
/// more only when that span is full: the answer and the review line are dozens of short pieces, and a
/// <c>GetSpan</c>/<c>Advance</c> pair through the interface for each was most of their cost (docs/performance.md).
/// <see cref="Flush"/> hands what was written to the buffer writer; nothing is committed before it.
/// </summary>
internal ref struct Utf8Output(IBufferWriter<byte> output)
{
    private Span<byte> _span;
    private int _written;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_span[_written..]);
        _written += bytes.Length;
    }

    /// <summary>A JSON string: the text escaped, between quotes.</summary>
    public void String(ReadOnlySpan<char> text)
    {
        Write("\""u8);
        Escaped(text);
        Write("\""u8);
    }

    /// <summary>
    /// The text escaped for JSON without quotes around (<see cref="JsonEscaping.Escape(Span{byte}, ReadOnlySpan{char})"/>), in pieces, so a huge value
    /// never asks for six times its size at once.
    /// </summary>
    public void Escaped(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            // A piece never ends between the two halves of a surrogate pair: each half alone would become U+FFFD.
            var length = text.Length <= JsonEscaping.PieceChars ? text.Length
                : char.IsHighSurrogate(text[JsonEscaping.PieceChars - 1]) ? JsonEscaping.PieceChars - 1
                : JsonEscaping.PieceChars;
            var piece = text[..length];
            Ensure(piece.Length * JsonEscaping.MaxBytesPerChar);
            _written += JsonEscaping.Escape(_span[_written..], piece);
            text = text[length..];
        }
    }

    /// <summary>The text as UTF-8, unescaped.</summary>
    public void Utf8(ReadOnlySpan<char> text)
    {
        Ensure(System.Text.Encoding.UTF8.GetMaxByteCount(text.Length));
        _written += System.Text.Encoding.UTF8.GetBytes(text, _span[_written..]);
    }

    public void Formatted<T>(T value, string? format = null)
        where T : IUtf8SpanFormattable
    {
        Ensure(64);
        int written;
        while (!value.TryFormat(_span[_written..], out written, format, CultureInfo.InvariantCulture))
        {
            Ensure((_span.Length - _written) * 2);
        }

        _written += written;
    }

    public void Base64(ReadOnlySpan<byte> bytes)
    {
        Ensure(System.Buffers.Text.Base64.GetMaxEncodedToUtf8Length(bytes.Length));
        System.Buffers.Text.Base64.EncodeToUtf8(bytes, _span[_written..], out _, out var written);
        _written += written;
    }

    /// <summary>Room for <paramref name="bytes"/> more bytes, for a caller that writes into <see cref="Free"/> itself.</summary>
    public Span<byte> Free(int bytes)
    {
        Ensure(bytes);
        return _span[_written..];
    }

    public void Advance(int bytes) => _written += bytes;

    /// <summary>Commits what was written to the buffer writer.</summary>
    public void Flush()
    {
        if (_written > 0)
        {
            output.Advance(_written);
        }

        _written = 0;
        _span = default;
    }

    private void Ensure(int bytes)
    {
        if (_span.Length - _written < bytes)
        {
            Flush();
            _span = output.GetSpan(Math.Max(bytes, 256));
        }
    }
}
