using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AdmissionWebhook.Admission;
using AdmissionWebhook.Tests.Integration;
using AdmissionWebhook.Tests.TestSupport;

namespace AdmissionWebhook.Tests.Admission;

/// <summary>
/// The one-pass decoder must read every review exactly as the document reader does: the same envelope, the same
/// refusals, and objects whose fields the rules read hold the same JSON.
/// </summary>
public sealed class AdmissionReviewDecoderTests
{
    public static TheoryData<string> ApiserverReviews() => [.. ApiserverReviewFiles()];

    /// <summary>The reviews the apiserver sent (bench/bodies) and the examples, relative to the repository.</summary>
    public static IEnumerable<string> ApiserverReviewFiles() =>
        ((string[])[Path.Combine(Examples.RepositoryRoot, "bench", "bodies"), Examples.AdmissionFolder])
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
            .Select(file => Path.GetRelativePath(Examples.RepositoryRoot, file));

    [Theory]
    [MemberData(nameof(ApiserverReviews))]
    public void Decode_ReviewOfTheApiserverOrTheExamples_IsReadInOnePassAsTheDocumentReaderReadsIt(string file)
    {
        var body = File.ReadAllBytes(Path.Combine(Examples.RepositoryRoot, file));

        using var decoded = AdmissionReviewDecoder.Decode(new ReadOnlySequence<byte>(body));

        Assert.True(decoded.ReadInOnePass, "a well-formed review fell back to the whole document");
        AssertReadAsTheDocumentReaderReads(body, decoded);
    }

    [Theory]
    [InlineData("update-spec-changed.json")]
    [InlineData("delete.json")]
    [InlineData("create-dry-run.json")]
    public void Decode_BodySplitAcrossManySmallBuffers_ReadsTheSame(string example)
    {
        var body = File.ReadAllBytes(Path.Combine(Examples.AdmissionFolder, example));

        // Kestrel hands a body over in 4 KiB blocks; 7-byte pieces split every name and value somewhere.
        using var decoded = AdmissionReviewDecoder.Decode(Segmented(body, 7));

        Assert.True(decoded.ReadInOnePass, "a body in several buffers fell back to the whole document");
        AssertReadAsTheDocumentReaderReads(body, decoded);
    }

    public static TheoryData<string, string> Variants() => new()
    {
        { "objects' other members, escapes and non-ASCII in values", """{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"u-1","kind":{"group":"lifecycle.keptn.sh","version":"v1","kind":"KeptnTask"},"resource":{"group":"lifecycle.keptn.sh","version":"v1","resource":"keptntasks"},"namespace":"ns\"1","operation":"CREATE","object":{"apiVersion":"lifecycle.keptn.sh/v1","kind":"KeptnTask","status":{"x":[1,2]},"metadata":{"name":"t\u00e9-1","labels":{"a":"b"},"generateName":"g-","namespace":"ns1","deletionTimestamp":"2026-01-01T00:00:00Z"},"spec":{"taskDefinition":"d","retries":3,"z":[{"a":null}]}},"oldObject":null,"dryRun":false}}""" },
        { "an UPDATE with both objects", """{"apiVersion":"admission.k8s.io/v1beta1","request":{"uid":"u-2","operation":"UPDATE","object":{"metadata":{"name":"a"},"spec":{"retries":1}},"oldObject":{"metadata":{"name":"a","deletionTimestamp":null},"spec":{"retries":2}}}}""" },
        { "repeated scalar members: the last counts", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"first","uid":"second","operation":"CREATE","operation":"UPDATE","object":{"spec":{"a":1},"spec":{"b":2},"metadata":{"name":"x","name":"y"}}}}""" },
        { "metadata and spec of other types", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-3","operation":"CREATE","object":{"metadata":"text","spec":[1,2,3]},"oldObject":{"metadata":null,"spec":"s"}}}""" },
        { "no object at all", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-4","operation":"CONNECT"}}""" },
        { "members the rules do not read, at every level", """{"uid":"root-uid","request":{"metadata":{"name":"not this"},"uid":"u-5","spec":1,"userInfo":{"uid":"x","name":"y"},"object":{"uid":"o","name":"n","metadata":{"uid":"m","managedFields":[{"f:spec":{}}],"name":"real"}}},"apiVersion":"admission.k8s.io/v1"}""" },
        { "escaped member names", """{"apiVersion":"admission.k8s.io/v1","request":{"u\u0069d":"u-6","operation":"CREATE","object":{"metadata":{"n\u0061me":"escaped"}}}}""" },
        { "a repeated request", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-7","name":"first"},"request":{"uid":"u-8"}}""" },
        { "a repeated object", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-9","object":{"metadata":{"name":"a"},"spec":{}},"object":{"metadata":{"namespace":"b"}}}}""" },
        { "a repeated metadata", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-17","object":{"metadata":{"name":"a","labels":{}},"metadata":{"namespace":"b"}}}}""" },
        { "a string that is not valid Unicode in a repeated uid", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"\ud800","uid":"x","operation":"\ud800","operation":"CREATE","kind":{"group":"\ud800","group":"g"}}}""" },
        { "a string that is not valid Unicode in a repeated request", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"a","name":"\ud800"},"request":{"uid":"b"}}""" },
        { "a string that is not valid Unicode in a review refused for its apiVersion", """{"request":{"uid":"x","operation":"\ud800"},"apiVersion":"admission.k8s.io/v2"}""" },
        { "a string that is not valid Unicode in a review without uid", """{"apiVersion":"admission.k8s.io/v1","request":{"operation":"\ud800"}}""" },
        { "a mistyped envelope field", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-10","operation":7,"object":{"metadata":{"name":"a"}}}}""" },
        { "a mistyped kind member", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-11","kind":{"group":1},"object":{}}}""" },
        { "an object that is no object", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-12","operation":"CREATE","object":"task"}}""" },
        { "an unsupported apiVersion", """{"apiVersion":"admission.k8s.io/v2","request":{"uid":"u-13"}}""" },
        { "a wrong kind", """{"kind":"Pod","apiVersion":"admission.k8s.io/v1","request":{"uid":"u-14"}}""" },
        { "a null kind", """{"kind":null,"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-15"}}""" },
        { "no uid", """{"apiVersion":"admission.k8s.io/v1","request":{"operation":"CREATE"}}""" },
        { "an empty uid", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":""}}""" },
        { "no request", """{"apiVersion":"admission.k8s.io/v1"}""" },
        { "a body that is an array", """[{"apiVersion":"admission.k8s.io/v1"}]""" },
        { "raw non-ASCII text, which the document reader reads", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-17","operation":"CREATE","namespace":"ns","object":{"metadata":{"name":"tâche-1","annotations":{"note":"größer 😀"}},"spec":{"taskDefinition":"défini"}}}}""" },
        { "every field the rules read, of every type", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-18","operation":"UPDATE","object":{"apiVersion":5,"kind":["KeptnTask"],"metadata":{"name":1,"generateName":null,"namespace":{},"deletionTimestamp":false},"spec":{"taskDefinition":"d\u0065f","checkType":"pre","retries":-1.5e3,"timeout":"300","app":"a","workload":7,"context":{"appName":"","appVersion":null,"workloadName":"w","workloadVersion":[1],"objectType":"Workload","taskType":{"x":1}},"secureParameters":{"secret":"s\u00e9"}}},"oldObject":{"spec":{"context":"c","secureParameters":[]}}}}""" },
        { "the spec's fields repeated: the last counts", SpecFieldsRepeated },
        { "a repeated context", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-19","operation":"CREATE","object":{"spec":{"context":{"appName":"a","taskType":"pre"},"context":{"workloadName":"w"}}}}}""" },
        { "a repeated secureParameters", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-20","operation":"CREATE","object":{"spec":{"secureParameters":{"secret":"a"},"secureParameters":null}}}}""" },
        { "an escaped member name in the spec", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-21","operation":"CREATE","object":{"spec":{"ret\u0072ies":1,"retries":2}}}}""" },
        { "strings in the spec that are not valid Unicode", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-22","operation":"CREATE","object":{"metadata":{"name":"\ud800"},"spec":{"taskDefinition":"\udc00x","context":{"appName":"a\ud83d"}}}}}""" },
        { "an object member name that is not valid Unicode, which no rule reads", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-25","operation":"CREATE","object":{"\ud800":1,"metadata":{"\udc00x":2,"name":"a"},"spec":{"\ud800":[],"taskDefinition":"d"}}}}""" },
        { "null fields", """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-16","kind":null,"resource":null,"operation":null,"name":null,"namespace":null,"subResource":null,"dryRun":null,"object":null,"oldObject":null}}""" },
    };

    private const string SpecFieldsRepeated = """{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-23","operation":"CREATE","object":{"metadata":{"name":"a","name":"b"},"spec":{"retries":1,"timeout":"5m","retries":"2","context":{"appName":"x","appName":null},"timeout":null}}}}""";

    [Fact]
    public void Decode_SpecFieldsRepeated_StayInThePassAndTheLastCounts()
    {
        var body = Encoding.UTF8.GetBytes(SpecFieldsRepeated);

        using var decoded = AdmissionReviewDecoder.Decode(new ReadOnlySequence<byte>(body));

        Assert.True(decoded.ReadInOnePass);
        Assert.Equal(("b", "\"2\"", JsonValueKind.Null, JsonValueKind.Null), (
            decoded.Request!.Object!.Name.StringOrNull(), decoded.Request.Object.Retries.RawText(), decoded.Request.Object.Timeout.Kind, decoded.Request.Object.AppName.Kind));
    }

    [Fact]
    public void Decode_ReviewOfAMegabyte_IsReadInOnePass()
    {
        var review = JsonNode.Parse(File.ReadAllBytes(Path.Combine(Examples.RepositoryRoot, "bench", "bodies", "create-valid-undefaulted.json")))!;
        var map = new JsonObject();
        for (var i = 0; map.ToJsonString().Length < 1024 * 1024; i++)
        {
            map[$"parameter-{i}"] = new string('v', 100);
        }

        review["request"]!["object"]!["spec"]!["parameters"] = new JsonObject { ["map"] = map };
        var body = Encoding.UTF8.GetBytes(review.ToJsonString());

        using var decoded = AdmissionReviewDecoder.Decode(new ReadOnlySequence<byte>(body));

        Assert.True(decoded.ReadInOnePass);
        AssertReadAsTheDocumentReaderReads(body, decoded);
    }

    [Fact]
    public void Decode_UpdateSplitAcrossBuffers_ComparesTheSpecsItCopied()
    {
        var body = Encoding.UTF8.GetBytes("""{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-24","operation":"UPDATE","object":{"spec":{"taskDefinition":"d","retries":2}},"oldObject":{"spec":{"retries":2,"taskDefinition":"d"}}}}""");

        using var decoded = AdmissionReviewDecoder.Decode(Segmented(body, 7));

        Assert.True(decoded.ReadInOnePass);
        Assert.True(decoded.Request!.Object!.SpecEquals(decoded.Request.OldObject!));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Decode_AnyReview_ReadsAsTheDocumentReaderReadsIt(string variant, string json)
    {
        _ = variant;
        var body = Encoding.UTF8.GetBytes(json);

        using var decoded = AdmissionReviewDecoder.Decode(new ReadOnlySequence<byte>(body));

        AssertReadAsTheDocumentReaderReads(body, decoded);
    }

    [Theory]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u"}} x""")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u"}}}""")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u","object":{"spec":{"a":1,}}}}""")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u","object":{"metadata":{"managedFields":[1 2]}}}}""")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u" """)]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","request":{"uid":"\ud800"}} x""")]
    public void Decode_BodyThatIsNotJson_ThrowsWhereTheDocumentParserThrows(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var expected = Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(body, AdmissionReviewReader.DocumentOptions).Dispose());

        var thrown = Assert.ThrowsAny<JsonException>(() => AdmissionReviewDecoder.Decode(new ReadOnlySequence<byte>(body)).Dispose());

        Assert.Equal((expected.LineNumber, expected.BytePositionInLine), (thrown.LineNumber, thrown.BytePositionInLine));
    }

    [Fact]
    public void Decode_NonAsciiTextInTheObject_IsStillReadInOnePass()
    {
        var body = Encoding.UTF8.GetBytes("""{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u","operation":"CREATE","object":{"metadata":{"name":"tâche","labels":{"team":"équipe"}},"spec":{"taskDefinition":"défini"}}}}""");

        using var decoded = AdmissionReviewDecoder.Decode(new ReadOnlySequence<byte>(body));

        Assert.True(decoded.ReadInOnePass);
        AssertReadAsTheDocumentReaderReads(body, decoded);
    }

    [Theory]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u","namespace":"équipe","operation":"CREATE"}}""")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","request":{"uid":"ü","operation":"CREATE"}}""")]
    public void Decode_EnvelopeValueThatIsNotAscii_IsLeftToTheDocumentReader(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);

        using var decoded = AdmissionReviewDecoder.Decode(new ReadOnlySequence<byte>(body));

        Assert.False(decoded.ReadInOnePass);
        AssertReadAsTheDocumentReaderReads(body, decoded);
    }

    [Fact]
    public void Decode_NestingDeeperThanTheLimit_IsNotJson()
    {
        var spec = new string('[', 300) + new string(']', 300);
        var body = Encoding.UTF8.GetBytes("""{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u","object":{"spec":""" + spec + "}}}");

        Assert.ThrowsAny<JsonException>(() => AdmissionReviewDecoder.Decode(new ReadOnlySequence<byte>(body)).Dispose());
    }

    [Fact]
    public void Decode_UidThatIsNotValidUnicode_ThrowsTheDecodingErrorTheEndpointAnswers400()
    {
        var body = Encoding.UTF8.GetBytes("""{"apiVersion":"admission.k8s.io/v1","request":{"uid":"\ud800"}}""");

        var thrown = Assert.Throws<InvalidOperationException>(() => AdmissionReviewDecoder.Decode(new ReadOnlySequence<byte>(body)).Dispose());

        Assert.Equal(typeof(JsonDocument).Assembly, thrown.TargetSite?.DeclaringType?.Assembly);
    }

    private static void AssertReadAsTheDocumentReaderReads(byte[] body, DecodedReview decoded)
    {
        using var document = JsonDocument.Parse(body, AdmissionReviewReader.DocumentOptions);
        var expected = AdmissionReviewReader.Read(document.RootElement, out var expectedError);

        Assert.Equal(expectedError, decoded.Error);
        if (expected is null)
        {
            Assert.Null(decoded.Request);
            return;
        }

        var actual = decoded.Request;
        Assert.NotNull(actual);
        Assert.Equal(
            expected with { Object = default, OldObject = default },
            actual with { Object = default, OldObject = default });
        Assert.Equal(TaskFieldsText.Of(expected.Object), TaskFieldsText.Of(actual.Object));
        Assert.Equal(TaskFieldsText.Of(expected.OldObject), TaskFieldsText.Of(actual.OldObject));
    }

    private static ReadOnlySequence<byte> Segmented(byte[] body, int size)
    {
        Segment? first = null, last = null;
        for (var offset = 0; offset < body.Length; offset += size)
        {
            var piece = body.AsMemory(offset, Math.Min(size, body.Length - offset));
            last = first is null ? first = new Segment(piece, 0) : last!.Append(piece);
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
