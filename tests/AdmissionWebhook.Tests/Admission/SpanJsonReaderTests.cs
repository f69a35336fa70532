using System.Text;
using System.Text.Json;
using AdmissionWebhook.Admission;
using AdmissionWebhook.Tests.Integration;

namespace AdmissionWebhook.Tests.Admission;

/// <summary>
/// The one-pass decoder's tokenizer may give up on whatever it likes (the document reader then decides), but what it
/// reads to the end must be JSON that <see cref="Utf8JsonReader"/> reads to the end, token for token: otherwise a
/// malformed body would be reviewed instead of refused with a 400.
/// </summary>
public sealed class SpanJsonReaderTests
{
    public static TheoryData<string> ApiserverReviews() => AdmissionReviewDecoderTests.ApiserverReviews();

    [Theory]
    [MemberData(nameof(ApiserverReviews))]
    public void Read_ReviewOfTheApiserverOrTheExamples_GivesTheTokensUtf8JsonReaderGives(string file)
    {
        var body = File.ReadAllBytes(Path.Combine(Examples.RepositoryRoot, file));

        Assert.Equal(Utf8JsonReaderTokens(body), SpanTokens(body));
    }

    [Theory]
    [InlineData("""{"a":[1,-0,2.5e+3,0.5E-1,-12.75,true,false,null,"x\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"],"b":{}}""")]
    [InlineData(" \t\r\n{ \"a\" : { } , \"b\" : [ ] , \"c\" : [ 1 , \"x\" ] } \n")]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("12")]
    [InlineData("null")]
    [InlineData("{\"\":\"\"}")]
    [InlineData("[[[{}]],[]]")]
    [InlineData("[\"a string longer than sixteen bytes, with a \\\" quote past the first block\"]")]
    public void Read_AsciiJson_GivesTheTokensUtf8JsonReaderGives(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);

        Assert.Equal(Utf8JsonReaderTokens(body), SpanTokens(body));
        Assert.True(SkipsToTheEnd(body));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{")]
    [InlineData("{\"a\":1,}")]
    [InlineData("[1,]")]
    [InlineData("[1 2]")]
    [InlineData("{\"a\" 1}")]
    [InlineData("{\"a\":01}")]
    [InlineData("[-]")]
    [InlineData("[1.]")]
    [InlineData("[.5]")]
    [InlineData("[1e]")]
    [InlineData("[+1]")]
    [InlineData("[tru]")]
    [InlineData("[truex]")]
    [InlineData("[nul]")]
    [InlineData("[1x]")]
    [InlineData("{} x")]
    [InlineData("{}{}")]
    [InlineData("// comment\n{}")]
    [InlineData("/* comment */{}")]
    [InlineData("[\"a\tb\"]")]
    [InlineData("[\"a\u0001b\"]")]
    [InlineData("[\"\\q\"]")]
    [InlineData("[\"\\u12G4\"]")]
    [InlineData("[\"\\u12\"]")]
    [InlineData("['a']")]
    [InlineData("{a:1}")]
    [InlineData("[NaN]")]
    [InlineData("\"abc")]
    [InlineData("[1}")]
    [InlineData("{\"a\":1]")]
    [InlineData("{\"a\":1 \"b\":2}")]
    public void Read_TextThatIsNotJson_FailsAsUtf8JsonReaderDoes(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);

        Assert.Null(SpanTokens(body));
        Assert.False(SkipsToTheEnd(body));
        Assert.ThrowsAny<JsonException>(() => Utf8JsonReaderTokens(body));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'[', (byte)'"', 0xC3, 0xA9, (byte)'"', (byte)']' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', 0xD0, 0xBA, (byte)'"', (byte)':', (byte)'1', (byte)'}' })]
    [InlineData(new byte[] { (byte)'[', (byte)'"', 0xFF, (byte)'"', (byte)',', (byte)'"', 0xC3, (byte)'"', (byte)']' })]
    [InlineData(new byte[] { (byte)'[', (byte)'"', 0xED, 0xA0, 0x80, (byte)'"', (byte)']' })]
    public void Read_BytesAboveAsciiInAString_AreReadAsUtf8JsonReaderReadsThemWithoutDecoding(byte[] body)
    {
        Assert.Equal(Utf8JsonReaderTokens(body), SpanTokens(body));
        Assert.True(SkipsToTheEnd(body));
    }

    [Theory]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}' })]
    [InlineData(new byte[] { (byte)'[', 0xC3, 0xA9, (byte)']' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'1', 0xA0, (byte)'}' })]
    public void Read_ByteAboveAsciiOutsideAString_FailsAsUtf8JsonReaderDoes(byte[] body)
    {
        Assert.Null(SpanTokens(body));
        Assert.False(SkipsToTheEnd(body));
        Assert.ThrowsAny<JsonException>(() => Utf8JsonReaderTokens(body));
    }

    [Fact]
    public void Read_NestingBeyondTheDocumentReadersLimit_GivesUp()
    {
        var deepest = Encoding.UTF8.GetBytes(new string('[', 64) + new string(']', 64));
        var tooDeep = Encoding.UTF8.GetBytes(new string('[', 65) + new string(']', 65));

        Assert.Equal(Utf8JsonReaderTokens(deepest), SpanTokens(deepest));
        Assert.Null(SpanTokens(tooDeep));
        Assert.ThrowsAny<JsonException>(() => Utf8JsonReaderTokens(tooDeep));
    }

    [Fact]
    public void Skip_FromTheStartOfAContainer_EndsAfterItsEnd()
    {
        var reader = new SpanJsonReader("""{"a":{"b":[1,{"c":"}"}],"d":2},"e":3}"""u8);
        reader.Read();
        reader.Read();
        reader.Read();

        Assert.True(reader.Skip());

        Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
        Assert.True(reader.Read());
        Assert.Equal("e", Encoding.ASCII.GetString(reader.ValueSpan));
    }

    /// <summary>
    /// Random edits of the apiserver's reviews — a byte replaced by one that matters to JSON, inserted or deleted, a
    /// piece repeated or cut off — never give a text the tokenizer reads but Utf8JsonReader does not, or reads
    /// differently; and <see cref="SpanJsonReader.Skip"/>, which has the grammar a second time, accepts exactly what
    /// <see cref="SpanJsonReader.Read"/> accepts. Deterministic: the seed is fixed.
    /// </summary>
    [Fact]
    public void Read_MutatedReviews_NeverAcceptsWhatUtf8JsonReaderRejects()
    {
        var reviews = AdmissionReviewDecoderTests.ApiserverReviewFiles().Select(file => File.ReadAllBytes(Path.Combine(Examples.RepositoryRoot, file))).ToArray();
        var random = new Random(20261124);
        var (accepted, refused) = (0, 0);
        for (var i = 0; i < 30_000; i++)
        {
            var body = Mutate(reviews[random.Next(reviews.Length)], random);
            var ours = SpanTokens(body);
            Assert.Equal(ours is not null, SkipsToTheEnd(body));
            if (ours is null)
            {
                refused++;
                continue;
            }

            accepted++;
            Assert.Equal(Utf8JsonReaderTokens(body), ours);
        }

        // Both outcomes must be common, or the test proves nothing.
        Assert.InRange(accepted, 3_000, 27_000);
        Assert.InRange(refused, 3_000, 27_000);
    }

    private static readonly byte[] Significant = [.. "{}[]:,\"\\ \t\n\r0123456789+-.eEtrufalsn/*x\u0001\u007f"u8, 0x80, 0xA0, 0xC3, 0xFF];

    private static byte[] Mutate(byte[] review, Random random)
    {
        var body = review.ToList();
        for (var edits = random.Next(1, 3); edits > 0 && body.Count > 1; edits--)
        {
            var at = random.Next(body.Count);
            switch (random.Next(6))
            {
                case 0:
                    body[at] = Significant[random.Next(Significant.Length)];
                    break;
                case 1:
                    body.Insert(at, Significant[random.Next(Significant.Length)]);
                    break;
                case 2:
                    body.RemoveAt(at);
                    break;
                case 3:
                    body.RemoveRange(at, Math.Min(random.Next(1, 20), body.Count - at));
                    break;
                case 4:
                    body.InsertRange(at, body.GetRange(at, Math.Min(random.Next(1, 20), body.Count - at)));
                    break;
                default:
                    body.RemoveRange(at, body.Count - at);
                    break;
            }
        }

        return [.. body];
    }

    /// <summary>Whether the reader skips the whole JSON from its first token without giving up.</summary>
    private static bool SkipsToTheEnd(byte[] body)
    {
        var reader = new SpanJsonReader(body);
        return reader.Read() && reader.Skip() && !reader.Read() && !reader.Failed;
    }

    /// <summary>The tokens as the decoder reads them, or null when the reader gives up.</summary>
    private static List<string>? SpanTokens(byte[] body)
    {
        var tokens = new List<string>();
        var reader = new SpanJsonReader(body);
        while (reader.Read())
        {
            tokens.Add(Describe(reader.TokenType, reader.ValueSpan, reader.ValueIsEscaped, reader.TokenStartIndex, reader.BytesConsumed));
        }

        return reader.Failed ? null : tokens;
    }

    private static List<string> Utf8JsonReaderTokens(byte[] body)
    {
        var tokens = new List<string>();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = SpanJsonReader.MaxDepth });
        while (reader.Read())
        {
            tokens.Add(Describe(reader.TokenType, reader.ValueSpan, reader.ValueIsEscaped, (int)reader.TokenStartIndex, (int)reader.BytesConsumed));
        }

        return tokens;
    }

    private static string Describe(JsonTokenType type, ReadOnlySpan<byte> value, bool escaped, int start, long consumed) =>
        $"{type} {start}-{consumed} {Encoding.Latin1.GetString(value)}{(escaped ? " escaped" : string.Empty)}";
}
