using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>
/// How a body arrives does not change its answer: whole with its headers (parsed in place), in small pieces over time
/// (copied as it comes), with a declared length or chunked, over HTTP/1.1 or HTTP/2, and right at the size limit.
/// </summary>
public sealed class RequestBodyTests : IAsyncLifetime
{
    private const int Limit = 64 * 1024;

    private WebhookServer _server = null!;

    public static TheoryData<string, bool> Transports => new()
    {
        { "1.1", true },
        { "1.1", false },
        { "2.0", true },
        { "2.0", false },
    };

    public async Task InitializeAsync() =>
        _server = await WebhookServer.StartNewAsync(extraArgs: ["--Webhook:MaxRequestBodyBytes", $"{Limit}"]);

    public Task DisposeAsync() => _server.DisposeAsync();

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AReviewArrivingInSmallPiecesGetsTheAnswerItWouldGetInOnePiece(string httpVersion, bool declareLength)
    {
        var (uid, body) = Review(sizeBytes: 60_000);

        var answer = await Post(httpVersion, PiecedContent(body, pieceBytes: 1024, declareLength));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var review = ReviewAnswer.Parse(answer.Body);
        Assert.Equal(uid, review.Uid);
        Assert.True(review.Allowed, review.Message);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AReviewOfExactlyTheLimitIsAnsweredAndOneByteMoreIsRefusedWith413(string httpVersion, bool declareLength)
    {
        var (uid, atLimit) = Review(sizeBytes: Limit);
        var (_, overLimit) = Review(sizeBytes: Limit + 1);

        var answered = await Post(httpVersion, PiecedContent(atLimit, pieceBytes: 16 * 1024, declareLength));
        var refused = await Post(httpVersion, PiecedContent(overLimit, pieceBytes: 16 * 1024, declareLength));

        Assert.Equal(HttpStatusCode.OK, answered.Status);
        Assert.Equal(uid, ReviewAnswer.Parse(answered.Body).Uid);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.Status);
        Assert.Contains($"limit of {Limit} bytes", refused.Body, StringComparison.Ordinal);
    }

    private async Task<RawAnswer> Post(string httpVersion, HttpContent content)
    {
        using var client = _server.CreateHttpsClient();
        client.DefaultRequestVersion = Version.Parse(httpVersion);
        client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        return await client.PostRawAsync("/validate", content);
    }

    /// <summary>The valid CREATE with a new uid, padded with trailing whitespace (still one JSON value) to exactly <paramref name="sizeBytes"/>.</summary>
    private static (string Uid, byte[] Body) Review(int sizeBytes)
    {
        var review = Examples.Review("create-valid.json");
        var uid = $"{Guid.NewGuid()}";
        review["request"]!["uid"] = uid;
        review["request"]!["object"]!["spec"]!["parameters"] = new JsonObject { ["map"] = new JsonObject { ["padding"] = new string('p', sizeBytes / 2) } };
        var json = Encoding.UTF8.GetBytes(review.ToJsonString());
        Assert.True(json.Length <= sizeBytes, $"the review alone is {json.Length} bytes");
        var body = new byte[sizeBytes];
        json.CopyTo(body, 0);
        body.AsSpan(json.Length).Fill((byte)' ');
        return (uid, body);
    }

    /// <summary>A body written a piece at a time, each flushed, so the server sees it arrive over several reads.</summary>
    private static StreamedJsonContent PiecedContent(byte[] body, int pieceBytes, bool declareLength) => new(body.Length, declareLength, async (stream, cancellationToken) =>
    {
        for (var offset = 0; offset < body.Length; offset += pieceBytes)
        {
            await stream.WriteAsync(body.AsMemory(offset, Math.Min(pieceBytes, body.Length - offset)), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            await Task.Delay(1, cancellationToken);
        }
    });
}
