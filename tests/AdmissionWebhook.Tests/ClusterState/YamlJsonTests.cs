using System.Text;
using System.Text.Json;
using AdmissionWebhook.ClusterState;

namespace AdmissionWebhook.Tests.ClusterState;

public sealed class YamlJsonTests
{
    [Fact]
    public void ParseDocuments_SeveralDocuments_ReturnsOneJsonDocumentEach()
    {
        var documents = YamlJson.ParseDocuments("a: 1\n---\nb: 2\n---\nc: 3\n");

        Assert.Equal(["""{"a":1}""", """{"b":2}""", """{"c":3}"""], documents.Select(Raw));
    }

    [Fact]
    public void ParseDocuments_EmptyDocumentsBetweenSeparators_AreSkipped()
    {
        var documents = YamlJson.ParseDocuments("---\n---\n# only a comment\n---\nkind: KeptnTask\n---\n---\n~\n---\nnull\n");

        Assert.Equal(["""{"kind":"KeptnTask"}"""], documents.Select(Raw));
    }

    [Fact]
    public void ParseDocuments_EmptyText_HasNoDocuments() => Assert.Empty(YamlJson.ParseDocuments(string.Empty));

    [Fact]
    public void ParseDocuments_QuotedScalars_StayStrings()
    {
        var root = Single("a: \"true\"\nb: '10'\nc: \"null\"\nd: 'yes'\ne: \"1.5\"\nf: ''\n");

        Assert.All(root.EnumerateObject(), member => Assert.Equal(JsonValueKind.String, member.Value.ValueKind));
        Assert.Equal("10", root.GetProperty("b").GetString());
        Assert.Equal(string.Empty, root.GetProperty("f").GetString());
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("TRUE", true)]
    [InlineData("yes", true)]
    [InlineData("Yes", true)]
    [InlineData("on", true)]
    [InlineData("ON", true)]
    [InlineData("y", true)]
    [InlineData("false", false)]
    [InlineData("no", false)]
    [InlineData("No", false)]
    [InlineData("off", false)]
    [InlineData("Off", false)]
    [InlineData("n", false)]
    public void ParseDocuments_PlainYamlBooleanWords_AreBooleansLikeKubectlReadsThem(string word, bool value) =>
        Assert.Equal(value, Single($"v: {word}\n").GetProperty("v").GetBoolean());

    [Theory]
    [InlineData("10", 10L)]
    [InlineData("0", 0L)]
    [InlineData("-3", -3L)]
    [InlineData("+5", 5L)]
    [InlineData("2147483648", 2147483648L)]
    public void ParseDocuments_PlainIntegers_AreWholeNumbers(string text, long value)
    {
        var element = Single($"v: {text}\n").GetProperty("v");

        Assert.Equal(JsonValueKind.Number, element.ValueKind);
        Assert.Equal(value, element.GetInt64());
        Assert.Equal(value.ToString(System.Globalization.CultureInfo.InvariantCulture), element.GetRawText());
    }

    [Fact]
    public void ParseDocuments_IntegerBeyondInt64_StaysAnExactNumber() =>
        Assert.Equal("123456789012345678901234", Single("v: 123456789012345678901234\n").GetProperty("v").GetRawText());

    [Theory]
    [InlineData("1.5", 1.5)]
    [InlineData("1.0", 1.0)]
    [InlineData("-0.25", -0.25)]
    [InlineData("1e3", 1000.0)]
    [InlineData("2.5E-1", 0.25)]
    [InlineData(".5", 0.5)]
    public void ParseDocuments_PlainFloats_AreNumbers(string text, double value)
    {
        var element = Single($"v: {text}\n").GetProperty("v");

        Assert.Equal(JsonValueKind.Number, element.ValueKind);
        Assert.Equal(value, element.GetDouble());
    }

    [Fact]
    public void ParseDocuments_FloatWithAFraction_IsNotAWholeNumber() =>
        Assert.False(Single("retries: 1.5\n").GetProperty("retries").TryGetInt32(out _));

    [Theory]
    [InlineData("0.1.0")]
    [InlineData("5m")]
    [InlineData("1h30m")]
    [InlineData("v1")]
    [InlineData("1.2.3-rc1")]
    [InlineData("podtato-head")]
    [InlineData("1_000")]
    [InlineData(".inf")]
    [InlineData("e3")]
    public void ParseDocuments_PlainTextThatIsNoNumber_IsAString(string text) =>
        Assert.Equal(text, Single($"v: {text}\n").GetProperty("v").GetString());

    [Theory]
    [InlineData("v:\n")]
    [InlineData("v: ~\n")]
    [InlineData("v: null\n")]
    [InlineData("v: Null\n")]
    [InlineData("v: NULL\n")]
    public void ParseDocuments_PlainNullWords_AreNull(string yaml) =>
        Assert.Equal(JsonValueKind.Null, Single(yaml).GetProperty("v").ValueKind);

    [Fact]
    public void ParseDocuments_StrTag_KeepsAPlainNumberAString() =>
        Assert.Equal("10", Single("v: !!str 10\n").GetProperty("v").GetString());

    [Fact]
    public void ParseDocuments_BlockScalars_KeepTheirText()
    {
        var root = Single("literal: |\n  line one\n  line two\nfolded: >-\n  one\n  two\n");

        Assert.Equal("line one\nline two\n", root.GetProperty("literal").GetString());
        Assert.Equal("one two", root.GetProperty("folded").GetString());
    }

    [Fact]
    public void ParseDocuments_Json_IsReadAsItIs()
    {
        const string json = """{"a":[1,"b",true,null,{"c":1.5}],"d":{}}""";

        Assert.Equal(json, Raw(Assert.Single(YamlJson.ParseDocuments(json))));
    }

    [Fact]
    public void ParseDocuments_AnchorsAndAliases_AreExpanded() =>
        Assert.Equal("""{"a":{"x":1},"b":{"x":1}}""", Raw(Assert.Single(YamlJson.ParseDocuments("a: &base {x: 1}\nb: *base\n"))));

    [Fact]
    public void ParseDocuments_KeyOrder_IsKept() =>
        Assert.Equal(["z", "a", "m"], Single("z: 1\na: 2\nm: 3\n").EnumerateObject().Select(member => member.Name));

    [Fact]
    public void ParseDocuments_DuplicateKey_IsRefusedNamingTheKeyAndLine()
    {
        var error = Assert.Throws<FormatException>(() => YamlJson.ParseDocuments("metadata:\n  name: a\n  name: b\n"));

        Assert.Equal("not valid YAML at line 3, column 3: Duplicate key name", error.Message);
    }

    [Fact]
    public void ParseDocuments_DuplicateKeyInAJsonDocument_IsRefused() =>
        Assert.Equal("not valid YAML at line 1, column 10: Duplicate key a", Assert.Throws<FormatException>(() => YamlJson.ParseDocuments("""{"a": 1, "a": 2}""")).Message);

    [Fact]
    public void ParseDocuments_DeepNesting_IsRefused()
    {
        var yaml = new StringBuilder();
        for (var depth = 0; depth < 200; depth++)
        {
            yaml.Append(' ', depth * 2).Append("a:\n");
        }

        yaml.Append(' ', 400).Append("b: 1\n");

        var error = Assert.Throws<FormatException>(() => YamlJson.ParseDocuments(yaml.ToString()));

        Assert.Equal("nested deeper than 128 levels", error.Message);
    }

    [Fact]
    public void ParseDocuments_NestingWithinTheLimit_IsAccepted()
    {
        var json = new string('[', 100) + new string(']', 100);

        Assert.Equal(json, Raw(Assert.Single(YamlJson.ParseDocuments(json))));
    }

    [Fact]
    public void ParseDocuments_EmptyCollectionAtTheDeepestLevelAllowed_IsAccepted()
    {
        var json = new string('[', 129) + new string(']', 129);

        Assert.Equal(json, Raw(Assert.Single(YamlJson.ParseDocuments(json))));
    }

    // A stack overflow cannot be caught: before the depth was refused as the parser's events arrive, each of these ended
    // the whole test host ("Stack overflow.") instead of failing.
    [Theory]
    [InlineData("flow sequences", "[", "", "]")]
    [InlineData("flow mappings", "{a: ", "1", "}")]
    [InlineData("compact block sequences, which need no indentation", "- ", "x", "")]
    public void ParseDocuments_NestingFarDeeperThanTheStackHolds_IsRefusedBeforeTheParserDescends(string shape, string open, string inner, string close)
    {
        const int Depth = 100_000;
        var yaml = string.Concat(Enumerable.Repeat(open, Depth)) + inner + string.Concat(Enumerable.Repeat(close, Depth));

        var error = Assert.Throws<FormatException>(() => YamlJson.ParseDocuments(yaml));

        Assert.True(error.Message == "nested deeper than 128 levels", shape);
    }

    [Fact]
    public void ParseDocuments_BracketsInQuotedAndBlockScalarsAndComments_AreNotNesting()
    {
        var brackets = new string('[', 100_000);
        var braces = new string('{', 1000);

        var root = Single($"a: \"{brackets}\"\nb: '{braces}'\nc: |\n  {brackets}\n# {brackets}\nd: [\"]]{braces}\"]\n");

        Assert.Equal(brackets, root.GetProperty("a").GetString());
        Assert.Equal(braces, root.GetProperty("b").GetString());
        Assert.Equal(brackets + "\n", root.GetProperty("c").GetString());
        Assert.Equal("]]" + braces, root.GetProperty("d")[0].GetString());
    }

    [Fact]
    public void ParseDocuments_AliasBomb_IsRefusedBeforeItExpandsWithoutBound()
    {
        var yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (var level = 'b'; level <= 'h'; level++)
        {
            var previous = (char)(level - 1);
            yaml.Append(level).Append(": &").Append(level).Append(" [")
                .Append(string.Join(", ", Enumerable.Repeat("*" + previous, 10))).Append("]\n");
        }

        var error = Assert.Throws<FormatException>(() => YamlJson.ParseDocuments(yaml.ToString()));

        Assert.Equal("more than 2000000 nodes (aliases expanding without bound?)", error.Message);
    }

    [Theory]
    [InlineData("a: [1, 2\n", "not valid YAML at line 2, column 1: While parsing a flow sequence, did not find expected ',' or ']'.")]
    [InlineData("a: 'unclosed\n", "not valid YAML at line 1, column 4: While scanning a quoted scalar, found unexpected end of stream.")]
    [InlineData("a: b: c\n", "not valid YAML at line 1, column 5: While scanning a plain scalar value, found invalid mapping.")]
    [InlineData("a: *nope\n", "not valid YAML at line 1, column 1: The anchor 'nope' does not exists")]
    public void ParseDocuments_InvalidYaml_IsRefusedWithTheLine(string yaml, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => YamlJson.ParseDocuments(yaml)).Message);

    [Fact]
    public void ParseDocuments_UnclosedFlowSequenceBeforeMoreKeys_IsRefusedNamingWhereTheParserStopped() =>
        // YamlDotNet gives no position for this error: the message names the end of the last event it read.
        Assert.StartsWith("not valid YAML after line 2, ", Assert.Throws<FormatException>(() => YamlJson.ParseDocuments("a: 1\nb: [unclosed\nc: 2\n")).Message, StringComparison.Ordinal);

    [Fact]
    public void ParseDocuments_NonScalarKey_IsRefused() =>
        Assert.Contains("only plain keys are supported", Assert.Throws<FormatException>(() => YamlJson.ParseDocuments("? [a, b]\n: 1\n")).Message, StringComparison.Ordinal);

    private static JsonElement Single(string yaml) => Assert.Single(YamlJson.ParseDocuments(yaml)).RootElement;

    private static string Raw(JsonDocument document) => document.RootElement.GetRawText();
}
