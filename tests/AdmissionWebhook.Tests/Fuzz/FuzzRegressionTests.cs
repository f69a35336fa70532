using System.Net;
using System.Text;
using AdmissionWebhook.Tests.Integration;

namespace AdmissionWebhook.Tests.Fuzz;

/// <summary>Each crash the fuzz test found, kept as a plain test: the body, and the answer it must get now.</summary>
[Collection(SharedWebhookServer.Name)]
public sealed class FuzzRegressionTests(WebhookServer server)
{
    public static TheoryData<string, string> UndecodableStrings => new()
    {
        // Found by the fuzz run (seed 9MQBARTa0kT2): a lone surrogate in request.uid was a 500.
        { "request.uid", "\\ud800\\u0000\\u0000" },
        { "request.object.metadata.name", "task-\\udfff" },
        { "request.namespace", "\\ud800" },
        { "request.object.spec.taskDefinition", "def\\ud83d" },
    };

    [Theory]
    [MemberData(nameof(UndecodableStrings))]
    public async Task AJsonStringWithALoneSurrogateEscapeIsAnsweredWith400NotA500(string path, string escaped)
    {
        foreach (var endpoint in (string[])["/validate", "/mutate"])
        {
            var body = WithRawString(path, escaped);

            var answer = await Send(endpoint, body);

            AssertRefusedOrAnswered(answer, path, endpoint);
        }
    }

    [Theory]
    [InlineData("/validate")]
    [InlineData("/mutate")]
    public async Task ADeleteWhoseObjectNameHasALoneSurrogateIsAnsweredAndTheConnectionKept(string endpoint)
    {
        // Found by the fuzz run (seed 2LkDqOpGhVe9): a DELETE is answered without reading the object, then the review's
        // log line read metadata.name and threw after the answer had started: the connection was aborted mid-answer.
        var review = Examples.Review("delete.json");
        review["request"]!["oldObject"]!["metadata"]!["name"] = "@@marker@@";
        review["request"]!["object"] = review["request"]!["oldObject"]!.DeepClone();
        var body = review.ToJsonString().Replace("\"@@marker@@\"", "\"task-\\udfff\"", StringComparison.Ordinal);

        var answer = await Send(endpoint, body);

        AssertRefusedOrAnswered(answer, "a DELETE with a lone surrogate in the name", endpoint);
    }

    [Fact]
    public async Task ARequestMemberNameWithALoneSurrogateEscapeIsAnsweredWith400NotA500()
    {
        var text = Examples.Text("create-valid.json");
        var body = text.Replace("\"uid\":", "\"n\\ud800amespace\": 1, \"uid\":", StringComparison.Ordinal);
        Assert.NotEqual(text, body);

        foreach (var endpoint in (string[])["/validate", "/mutate"])
        {
            var answer = await Send(endpoint, body);

            AssertRefusedOrAnswered(answer, "a member name with a lone surrogate", endpoint);
        }
    }

    [Fact]
    public async Task AJsonStringWithBytesThatAreNotUtf8IsAnsweredWith400NotA500()
    {
        foreach (var endpoint in (string[])["/validate", "/mutate"])
        {
            var text = WithRawString("request.object.metadata.name", "@@bytes@@");
            var bytes = Encoding.UTF8.GetBytes(text);
            var marker = Encoding.UTF8.GetBytes("@@bytes@@");
            var at = bytes.AsSpan().IndexOf(marker);
            bytes[at] = 0xC3; // a lead byte followed by '@': invalid UTF-8
            bytes[at + 2] = 0xFF;

            var answer = await Send(endpoint, bytes);

            AssertRefusedOrAnswered(answer, "invalid UTF-8", endpoint);
        }
    }

    [Fact]
    public async Task MalformedJsonIsRefusedWithItsPositionButWithoutQuotingTheBody()
    {
        // Found by the fuzz run (seed 7v-_2x0UGgCc): a corrupted literal made JsonException quote a kilobyte of the body
        // (parameter values included) into the 400 text and the Warning log line.
        var text = Examples.Text("create-valid.json");
        var secret = "s3cr3t-" + new string('v', 2_000);
        var body = text.Replace("\"apiVersion\": \"admission.k8s.io/v1\"", $"\"apiVersion\": nope{secret}", StringComparison.Ordinal);
        Assert.NotEqual(text, body);

        foreach (var endpoint in (string[])["/validate", "/mutate"])
        {
            var answer = await Send(endpoint, body);

            Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
            Assert.StartsWith("the body is not valid JSON (line 2, byte ", answer.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cr3t", answer.Body, StringComparison.Ordinal);
            Assert.InRange(answer.Body.Length, 10, 200);
        }
    }

    private static void AssertRefusedOrAnswered(RawAnswer answer, string what, string endpoint)
    {
        Assert.True(answer.Status is HttpStatusCode.BadRequest or HttpStatusCode.OK, $"{what} on {endpoint}: {(int)answer.Status} {answer.Body}");
        if (answer.Status == HttpStatusCode.BadRequest)
        {
            Assert.Equal("text/plain", answer.MediaType);
            Assert.InRange(answer.Body.Length, 10, 500);
        }
    }

    private Task<RawAnswer> Send(string endpoint, string body) => Send(endpoint, Encoding.UTF8.GetBytes(body));

    private async Task<RawAnswer> Send(string endpoint, byte[] body)
    {
        using var content = ReviewClient.Bytes(body, "application/json");
        return await server.Https.PostRawAsync(endpoint, content);
    }

    /// <summary>create-valid.json with the string at <paramref name="path"/> replaced by raw JSON string content (escapes kept as written).</summary>
    private static string WithRawString(string path, string escaped)
    {
        var review = Examples.Review("create-valid.json");
        var segments = path.Split('.');
        var parent = review[segments[0]]!;
        foreach (var segment in segments[1..^1])
        {
            parent = parent[segment]!;
        }

        parent[segments[^1]] = "@@marker@@";
        return review.ToJsonString().Replace("\"@@marker@@\"", "\"" + escaped + "\"", StringComparison.Ordinal);
    }
}
