using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>
/// What the apiserver, a proxy or a confused client might send: the webhook answers each with a short HTTP error or a
/// well-formed refusal, never a 5xx and never a hang (<see cref="ReviewClient.RequestTimeout"/> bounds every call).
/// </summary>
[Collection(SharedWebhookServer.Name)]
public sealed class BadInputTests(WebhookServer server)
{
    private const int TwentyMegabytes = 20 * 1024 * 1024;

    public static TheoryData<string, string?> WrongContentTypes => new()
    {
        { "text/plain", "text/plain" },
        { "no Content-Type at all", null },
        { "a form", "application/x-www-form-urlencoded" },
    };

    public static TheoryData<string, byte[]> BodiesThatAreNoReview => new()
    {
        { "garbage bytes", [0xFF, 0xFE, 0x00, 0x13, 0x37, 0x80, 0x81, 0x0A, 0xC3] },
        { "truncated JSON", Encoding.UTF8.GetBytes(Examples.Text("create-valid.json")[..700]) },
        { "a JSON array", "[{\"apiVersion\":\"admission.k8s.io/v1\"}]"u8.ToArray() },
        { "a JSON number", "42"u8.ToArray() },
        { "a JSON string", "\"AdmissionReview\""u8.ToArray() },
        { "JSON null", "null"u8.ToArray() },
        { "an empty object", "{}"u8.ToArray() },
        { "a review without request", "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}"u8.ToArray() },
        { "a request without uid", Review(review => review["request"]!.AsObject().Remove("uid")) },
        { "a uid that is a number", Review(review => review["request"]!["uid"] = 5) },
        { "a uid that is an object", Review(review => review["request"]!["uid"] = new JsonObject()) },
        { "an empty uid", Review(review => review["request"]!["uid"] = string.Empty) },
        { "an unknown AdmissionReview version", Review(review => review["apiVersion"] = "admission.k8s.io/v2") },
        { "no apiVersion", Review(review => review.Remove("apiVersion")) },
        { "another kind", Review(review => review["kind"] = "TokenReview") },
        { "JSON with a trailing second document", Encoding.UTF8.GetBytes(Examples.Text("create-valid.json") + "{}") },
    };

    public static TheoryData<string, string> MistypedRequestFields => new()
    {
        { "operation", "5" },
        { "kind", "\"x\"" },
        { "resource", "[]" },
        { "namespace", "{}" },
        { "name", "1" },
        { "dryRun", "\"yes\"" },
        { "object", "\"str\"" },
        { "oldObject", "3" },
        { "subResource", "false" },
    };

    public static TheoryData<string, string> MistypedTaskFields => new()
    {
        { "spec", "\"x\"" },
        { "spec.retries", "\"ten\"" },
        { "spec.timeout", "true" },
        { "spec.context", "[]" },
        { "metadata.name", "5" },
        { "spec.checkType", "[\"pre\"]" },
        { "spec.context.objectType", "7" },
        { "spec.secureParameters", "\"my-secret\"" },
    };

    public static TheoryData<string, string> HostileNames => new()
    {
        { "non-ASCII letters", "tâche-über-1" },
        { "control characters", "evil\u0000name\u001b[31m\r\nkind: Secret\u007f\u0085-1" },
        { "a name of 10,000 characters", new string('a', 10_000) },
        { "a name of 10,000 control characters", new string('\u0007', 10_000) },
    };

    [Theory]
    [MemberData(nameof(WrongContentTypes))]
    public async Task ABodyWithTheWrongContentTypeIsRefusedWith415(string description, string? contentType)
    {
        Assert.NotNull(description);
        using var content = ReviewClient.Bytes(Encoding.UTF8.GetBytes(Examples.Text("create-valid.json")), contentType);

        var answer = await server.Https.PostRawAsync("/validate", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, answer.Status);
        AssertShortText(answer);
        Assert.Contains("application/json", answer.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("APPLICATION/JSON")]
    public async Task AJsonContentTypeWithParametersOrInAnotherCaseIsAccepted(string contentType)
    {
        using var content = ReviewClient.Bytes(Encoding.UTF8.GetBytes(Examples.Text("create-valid.json")), contentType);

        var answer = await server.Https.ReviewAsync("/validate", content);

        Assert.True(answer.Allowed, answer.Message);
    }

    [Theory]
    [MemberData(nameof(BodiesThatAreNoReview))]
    public async Task ABodyThatIsNoAdmissionReviewIsRefusedWith400AndAShortText(string description, byte[] body)
    {
        foreach (var endpoint in (string[])["/validate", "/mutate"])
        {
            using var content = ReviewClient.Bytes(body, "application/json");

            var answer = await server.Https.PostRawAsync(endpoint, content);

            Assert.True(answer.Status == HttpStatusCode.BadRequest, $"{description} on {endpoint}: {(int)answer.Status} {answer.Body}");
            AssertShortText(answer);
        }
    }

    [Fact]
    public async Task AnEmptyBodyIsRefusedWith400()
    {
        using var content = ReviewClient.Bytes([], "application/json");

        var answer = await server.Https.PostRawAsync("/validate", content);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        AssertShortText(answer);
    }

    [Fact]
    public async Task JsonNestedTenThousandLevelsDeepIsRefusedWith400()
    {
        const int depth = 10_000;
        var text = Examples.Text("create-valid.json");
        var nested = new StringBuilder(depth * 8);
        for (var i = 0; i < depth; i++)
        {
            nested.Append("{\"a\":");
        }

        nested.Append('1').Append('}', depth);
        var deep = text.Replace("\"checkType\": \"\"", "\"checkType\": \"\", \"deep\": " + nested, StringComparison.Ordinal);
        Assert.NotEqual(text, deep);
        using var content = ReviewClient.Json(deep);

        var answer = await server.Https.PostRawAsync("/validate", content);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        AssertShortText(answer);
    }

    [Theory]
    [MemberData(nameof(MistypedRequestFields))]
    public async Task AMistypedRequestFieldIsAnsweredWithAWellFormedRefusalWithCode400(string field, string json)
    {
        foreach (var version in (string[])[ReviewClient.V1, ReviewClient.V1Beta1])
        {
            foreach (var endpoint in (string[])["/validate", "/mutate"])
            {
                var review = Examples.Review("create-valid.json", version);
                review["request"]![field] = JsonNode.Parse(json);

                var answer = await server.Https.ReviewAsync(endpoint, review);

                AnswerTests.AssertEnvelope(answer, version, review);
                Assert.False(answer.Allowed, $"{endpoint} allowed request.{field} = {json}");
                Assert.Equal(400, answer.Code);
                Assert.Equal("BadRequest", answer.Reason);
                Assert.Contains($"request.{field}", answer.Message, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [MemberData(nameof(MistypedTaskFields))]
    public async Task AMistypedKeptnTaskFieldIsRefusedWith422NamingTheField(string path, string json)
    {
        var review = Examples.Review("create-valid.json");
        var segments = path.Split('.');
        var parent = review["request"]!["object"]!;
        foreach (var segment in segments[..^1])
        {
            parent = parent[segment]!;
        }

        parent[segments[^1]] = JsonNode.Parse(json);

        var validated = await server.Https.ReviewAsync("/validate", review);
        var mutated = await server.Https.ReviewAsync("/mutate", review);

        AnswerTests.AssertEnvelope(validated, ReviewClient.V1, review);
        Assert.False(validated.Allowed, $"/validate allowed {path} = {json}");
        Assert.Equal(422, validated.Code);
        Assert.Equal("Invalid", validated.Reason);
        Assert.Contains(path, validated.Message, StringComparison.Ordinal);
        AnswerTests.AssertEnvelope(mutated, ReviewClient.V1, review);
        if (mutated.HasPatch)
        {
            _ = mutated.ApplyPatchTo(AnswerTests.RequestObject(review));
        }
    }

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task AHostileNameIsRefusedWith422WithoutEchoingRawControlCharacters(string description, string name)
    {
        var review = Examples.Review("create-valid.json");
        review["request"]!["name"] = name;
        review["request"]!["object"]!["metadata"]!["name"] = name;

        var validated = await server.Https.ReviewAsync("/validate", review);
        var mutated = await server.Https.ReviewAsync("/mutate", review);

        AnswerTests.AssertEnvelope(validated, ReviewClient.V1, review);
        Assert.False(validated.Allowed, description);
        Assert.Equal(422, validated.Code);
        Assert.Contains("metadata.name", validated.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(validated.Message, char.IsControl);
        Assert.True(validated.Message.Length < 2_000, $"a {validated.Message.Length}-character message for {description}");
        AnswerTests.AssertEnvelope(mutated, ReviewClient.V1, review);
        Assert.All(mutated.Warnings, warning => Assert.DoesNotContain(warning, char.IsControl));
    }

    [Fact]
    public async Task AOneMegabyteReviewWithAHugeParameterMapIsAnswered()
    {
        var review = Examples.Review("create-valid.json");
        var map = new JsonObject();
        for (var i = 0; map.ToJsonString().Length < 1024 * 1024; i++)
        {
            for (var j = 0; j < 1000; j++, i++)
            {
                map[$"PARAMETER_{i:D6}"] = $"value {i} of a task parameter map that is far larger than any real one";
            }
        }

        review["request"]!["object"]!["spec"]!["parameters"] = new JsonObject { ["map"] = map };
        var body = review.ToJsonString();
        Assert.InRange(body.Length, 1024 * 1024, 2 * 1024 * 1024);

        var validated = await server.Https.ReviewAsync("/validate", review);
        var mutated = await server.Https.ReviewAsync("/mutate", review);

        AnswerTests.AssertEnvelope(validated, ReviewClient.V1, review);
        Assert.True(validated.Allowed, validated.Message);
        AnswerTests.AssertEnvelope(mutated, ReviewClient.V1, review);
        Assert.True(mutated.Allowed);
        Assert.Equal(5, mutated.PatchOperations.Count);
    }

    [Theory]
    [InlineData("/validate", false)]
    [InlineData("/mutate", true)]
    public async Task ATwentyMegabyteBodyIsRefusedWith413WhetherItsLengthIsDeclaredOrChunked(string endpoint, bool chunked)
    {
        using var timeout = new CancellationTokenSource(ReviewClient.RequestTimeout);

        var (status, contentType, body) = await RawHttps.PostFillerAsync(server, endpoint, TwentyMegabytes, chunked, timeout.Token);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        AssertShortText(new RawAnswer(status, contentType.Split(';')[0], body));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ATwentyMegabyteBodyIsRefusedWith413OverHttp2(bool declareLength)
    {
        using var client = server.CreateHttpsClient();
        client.DefaultRequestVersion = HttpVersion.Version20;
        client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using var content = GeneratedJsonContent(TwentyMegabytes, declareLength);

        var answer = await client.PostRawAsync("/validate", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.Status);
        AssertShortText(answer);
    }

    [Fact]
    public async Task TheServerStillAnswersAfterAStreamOfBadInput()
    {
        using var timeout = new CancellationTokenSource(ReviewClient.RequestTimeout);
        using var garbage = ReviewClient.Bytes([0x7B, 0x7B, 0x7B], "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Https.PostRawAsync("/validate", garbage)).Status);
        var (status, _, _) = await RawHttps.PostFillerAsync(server, "/validate", TwentyMegabytes, chunked: true, timeout.Token);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);

        var answer = await server.Https.ReviewAsync("/validate", Examples.Review("create-valid.json"));

        Assert.True(answer.Allowed, answer.Message);
    }

    private static byte[] Review(Action<JsonObject> change)
    {
        var review = Examples.Review("create-valid.json");
        change(review);
        return Encoding.UTF8.GetBytes(review.ToJsonString());
    }

    /// <summary>An HTTP error for a body that is no review: a short plain-text sentence, no stack trace, no echo of the body.</summary>
    private static void AssertShortText(RawAnswer answer)
    {
        Assert.Equal("text/plain", answer.MediaType);
        Assert.InRange(answer.Body.Trim().Length, 10, 500);
        Assert.DoesNotContain("   at ", answer.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", answer.Body, StringComparison.Ordinal);
    }

    /// <summary>A large JSON-looking body written in 64 KiB pieces; without a declared length it goes out chunked.</summary>
    private static StreamedJsonContent GeneratedJsonContent(long length, bool declareLength) => new(length, declareLength, async (stream, cancellationToken) =>
    {
        var piece = new byte[64 * 1024];
        piece.AsSpan().Fill((byte)' ');
        piece[0] = (byte)'[';
        for (long written = 0; written < length; written += piece.Length)
        {
            await stream.WriteAsync(piece.AsMemory(0, (int)Math.Min(piece.Length, length - written)), cancellationToken);
            piece[0] = (byte)' ';
        }
    });
}
