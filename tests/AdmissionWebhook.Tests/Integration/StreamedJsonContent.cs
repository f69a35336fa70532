using System.Net;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>
/// A JSON body written by a callback as the request goes out, with its length declared or not (without one
/// HTTP/1.1 sends it chunked), for bodies that are large or must arrive over several reads.
/// </summary>
internal sealed class StreamedJsonContent : HttpContent
{
    private readonly long _length;
    private readonly bool _declareLength;
    private readonly Func<Stream, CancellationToken, Task> _write;

    public StreamedJsonContent(long length, bool declareLength, Func<Stream, CancellationToken, Task> write)
    {
        _length = length;
        _declareLength = declareLength;
        _write = write;
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        _write(stream, CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        _write(stream, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return _declareLength;
    }
}
