using System.Buffers;
using Microsoft.Net.Http.Headers;

namespace AdmissionWebhook.Admission;

/// <summary>
/// Reads a request body into a pooled buffer, enforcing the content type and the size limit before any parsing: a
/// body over the limit is never held in memory whole.
/// </summary>
internal sealed class RequestBody : IDisposable
{
    private byte[] _buffer;

    private RequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
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

        var capacity = (int)Math.Min(request.ContentLength ?? 16 * 1024, limit) + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 4096));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return (null, StatusCodes.Status413PayloadTooLarge, TooLarge(limit));
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (null, StatusCodes.Status413PayloadTooLarge, TooLarge(limit));
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, StatusCodes.Status413PayloadTooLarge, TooLarge(limit));
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        if (length == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, StatusCodes.Status400BadRequest, "the body is empty; POST an AdmissionReview");
        }

        return (new RequestBody(buffer, length), 0, null);
    }

    private static string TooLarge(long limit) => $"the body is larger than the limit of {limit} bytes (Webhook:MaxRequestBodyBytes)";

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) &&
        (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));
}
