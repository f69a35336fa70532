using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Net.Http.Headers;

namespace AdmissionWebhook.Admission;

/// <summary>
/// A whole request body, enforcing the content type and the size limit before any parsing: a body far over the limit is
/// never held in memory whole. A review that has fully arrived with its headers (the apiserver sends it in one go) is
/// parsed where it lies, in the connection's pipe, until <see cref="Dispose"/>; one still arriving is copied into a pooled
/// buffer as it comes, refused as soon as it passes the limit, so HTTP/2 flow control keeps the sender going and
/// Kestrel's MaxRequestBodySize (the limit plus some slack, WebhookHost) stops the rest. Whatever was parsed from
/// <see cref="Bytes"/> must be disposed first.
/// </summary>
internal sealed class RequestBody : IDisposable
{
    private readonly PipeReader? _reader;
    private byte[]? _buffer;
    private bool _released;

    private RequestBody(PipeReader reader, ReadOnlySequence<byte> bytes)
    {
        _reader = reader;
        Bytes = bytes;
    }

    private RequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Bytes = new ReadOnlySequence<byte>(buffer, 0, length);
    }

    public ReadOnlySequence<byte> Bytes { get; }

    public void Dispose()
    {
        if (_released)
        {
            return;
        }

        _released = true;
        _reader?.AdvanceTo(Bytes.End);
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The HTTP error for a body that cannot be an AdmissionReview, or null with the body read.</summary>
    public static async ValueTask<(RequestBody? Body, int Status, string? Error)> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
        {
            var sent = string.IsNullOrEmpty(request.ContentType) ? "no Content-Type" : $"Content-Type \"{request.ContentType}\"";
            return (null, StatusCodes.Status415UnsupportedMediaType, $"an AdmissionReview is sent as Content-Type: application/json, not {sent}");
        }

        if (request.ContentLength > limit)
        {
            return (null, StatusCodes.Status413PayloadTooLarge, TooLarge(limit));
        }

        var reader = request.BodyReader;
        byte[]? buffer = null;
        var length = 0;
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(cancellationToken);
                var bytes = read.Buffer;
                if (buffer is null && read.IsCompleted)
                {
                    if (bytes.IsEmpty || bytes.Length > limit)
                    {
                        reader.AdvanceTo(bytes.End);
                        return bytes.IsEmpty ? Empty() : (null, StatusCodes.Status413PayloadTooLarge, TooLarge(limit));
                    }

                    return (new RequestBody(reader, bytes), 0, null);
                }

                if (length + bytes.Length > limit)
                {
                    reader.AdvanceTo(bytes.End);
                    ReturnIfRented(buffer);
                    return (null, StatusCodes.Status413PayloadTooLarge, TooLarge(limit));
                }

                if (buffer is null || length + bytes.Length > buffer.Length)
                {
                    var wanted = Math.Max(length + bytes.Length, (int)Math.Min(request.ContentLength ?? 16 * 1024, limit));
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(wanted, (buffer?.Length ?? 0) * 2L), limit));
                    if (buffer is not null)
                    {
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                    }

                    buffer = larger;
                }

                bytes.CopyTo(buffer.AsSpan(length));
                length += (int)bytes.Length;
                reader.AdvanceTo(bytes.End);
                if (read.IsCompleted)
                {
                    if (length == 0)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return Empty();
                    }

                    return (new RequestBody(buffer, length), 0, null);
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            ReturnIfRented(buffer);
            return (null, StatusCodes.Status413PayloadTooLarge, TooLarge(limit));
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's verdict on the body's framing or pace (a body that stopped arriving: 408; one cut short: 400) is
            // the client's doing: an answer and a warning, not an error with a stack trace.
            ReturnIfRented(buffer);
            var what = e.StatusCode == StatusCodes.Status408RequestTimeout ? "the body did not arrive in time" : "the body could not be read";
            return (null, e.StatusCode, $"{what}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The connection was reset or the request aborted: there is no one left to answer.
            ReturnIfRented(buffer);
            return (null, ClientClosedRequest, "the client closed the connection before its body arrived");
        }
        catch
        {
            ReturnIfRented(buffer);
            throw;
        }
    }

    /// <summary>The status nginx logs for a client that left before its answer (never sent: there is no one to send it to).</summary>
    public const int ClientClosedRequest = 499;

    private static void ReturnIfRented(byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static (RequestBody?, int, string?) Empty() => (null, StatusCodes.Status400BadRequest, "the body is empty; POST an AdmissionReview");

    private static string TooLarge(long limit) => $"the body is larger than the limit of {limit} bytes (Webhook:MaxRequestBodyBytes)";

    // The apiserver always sends exactly "application/json": that needs no media-type parse.
    private static bool IsJson(string? contentType) =>
        string.Equals(contentType, "application/json", StringComparison.OrdinalIgnoreCase) ||
        (MediaTypeHeaderValue.TryParse(contentType, out var media) &&
        (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase)));
}
