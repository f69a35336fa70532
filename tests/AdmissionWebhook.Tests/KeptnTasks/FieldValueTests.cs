using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using AdmissionWebhook.KeptnTasks;

namespace AdmissionWebhook.Tests.KeptnTasks;

/// <summary>A field reads as the <see cref="JsonElement"/> of the same JSON did, which the rules read before.</summary>
public sealed class FieldValueTests
{
    public static TheoryData<string> Values() =>
    [
        "0", "-0", "3", "-1", "2147483647", "2147483648", "-2147483648", "-2147483649", "1.0", "1.5", "1e2", "1E+2", "-1.5e3",
        "0.000001", "1e-7", "79228162514264337593543950335", "79228162514264337593543950336", "1e400", "12345678901234567890123",
        "\"\"", "\"300\"", "\"5m\"", "\"pre\"", "\"Workload\"", "\"t\\u00e9\"", "\"t\u00e9\"", "\"a\\\"b\"", "\"\\/\"", "\"\\u0000\"",
        "true", "false", "null", "{}", "{\"a\":1}", "[]", "[1,2]",
    ];

    [Theory]
    [MemberData(nameof(Values))]
    public void AFieldReadsAsItsJsonElement(string json)
    {
        using var document = JsonDocument.Parse(json);
        var element = document.RootElement;

        var field = FieldValue.Of(element.ValueKind, JsonMarshal.GetRawUtf8Value(element));

        Assert.Equal(element.ValueKind, field.Kind);
        Assert.Equal(element.ValueKind == JsonValueKind.String ? element.GetString() : null, field.StringOrNull());
        Assert.Equal(element.ValueKind is JsonValueKind.String or JsonValueKind.Number ? element.GetRawText() : string.Empty, field.RawText());
        Assert.Equal(element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var expected) ? expected : (int?)null, field.TryGetInt32(out var actual) ? actual : null);
        Assert.Equal(element.ValueKind == JsonValueKind.Number && element.TryGetDecimal(out var expectedDecimal) ? expectedDecimal : (decimal?)null, field.TryGetDecimal(out var actualDecimal) ? actualDecimal : null);
        Assert.Equal(element.ValueKind is JsonValueKind.Null || (element.ValueKind == JsonValueKind.String && element.ValueEquals(string.Empty)), field.IsUnsetString);
    }

    [Fact]
    public void AMissingFieldIsAbsentAndUnset()
    {
        var field = default(FieldValue);

        Assert.True(field.IsAbsent);
        Assert.True(field.IsUnsetString);
        Assert.Null(field.StringOrNull());
        Assert.Equal("missing", field.Describe());
    }

    [Theory]
    [InlineData("\"\\ud800\"")]
    [InlineData("\"a\\udc00\"")]
    public void AStringThatIsNotValidUnicodeThrowsFromSystemTextJsonWhenRead(string json)
    {
        var field = FieldValue.Of(JsonValueKind.String, Encoding.UTF8.GetBytes(json));

        Assert.False(field.IsUnsetString);
        var thrown = Assert.Throws<InvalidOperationException>(() => field.StringOrNull());
        Assert.Equal(typeof(JsonDocument).Assembly, thrown.TargetSite?.DeclaringType?.Assembly);
    }

    [Fact]
    public void BytesThatAreNotUtf8ThrowAsAJsonElementThrows()
    {
        byte[] json = [(byte)'"', 0xff, 0xfe, (byte)'"'];
        using var document = JsonDocument.Parse(json);

        var field = FieldValue.Of(JsonValueKind.String, json);

        Assert.Throws<InvalidOperationException>(() => document.RootElement.GetString());
        Assert.Throws<InvalidOperationException>(() => field.StringOrNull());
    }
}
