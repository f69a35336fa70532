using System.Buffers;
using System.Text;
using System.Text.Json;
using AdmissionWebhook.Admission;

namespace AdmissionWebhook.Tests.Admission;

public sealed class AdmissionReviewWriterTests
{
    private const string Uid = "705ab4f5-6393-11e8-b7cc-42010a800002";

    [Theory]
    [InlineData(false, "admission.k8s.io/v1")]
    [InlineData(true, "admission.k8s.io/v1beta1")]
    public void Write_AnyVersion_AnswersInThatVersionWithTheUid(bool v1Beta1, string apiVersion)
    {
        using var answer = Write(new AdmissionOutcome { Allowed = true }, v1Beta1 ? AdmissionReviewVersion.V1Beta1 : AdmissionReviewVersion.V1);
        var root = answer.RootElement;

        Assert.Equal(apiVersion, root.GetProperty("apiVersion").GetString());
        Assert.Equal("AdmissionReview", root.GetProperty("kind").GetString());
        Assert.Equal(Uid, root.GetProperty("response").GetProperty("uid").GetString());
        Assert.True(root.GetProperty("response").GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public void Write_Allowed_HasNoStatusPatchWarningsOrAnnotations()
    {
        using var answer = Write(new AdmissionOutcome { Allowed = true });

        Assert.Equal(["uid", "allowed"], answer.RootElement.GetProperty("response").EnumerateObject().Select(member => member.Name));
    }

    [Fact]
    public void Write_Denial_HasAFailureStatusWithCodeReasonAndMessage()
    {
        var outcome = AdmissionOutcome.Deny(409, StatusReasons.AlreadyExists, "KeptnTask \"helloworldtask-1\" cannot be created: ...");

        using var answer = Write(outcome);
        var response = answer.RootElement.GetProperty("response");
        var status = response.GetProperty("status");

        Assert.False(response.GetProperty("allowed").GetBoolean());
        Assert.Equal("Failure", status.GetProperty("status").GetString());
        Assert.Equal(409, status.GetProperty("code").GetInt32());
        Assert.Equal("AlreadyExists", status.GetProperty("reason").GetString());
        Assert.Equal("KeptnTask \"helloworldtask-1\" cannot be created: ...", status.GetProperty("message").GetString());
        Assert.False(response.TryGetProperty("patchType", out _));
        Assert.False(response.TryGetProperty("patch", out _));
    }

    [Fact]
    public void Write_Patch_IsABase64JsonPatchOfTheOperations()
    {
        var outcome = new AdmissionOutcome
        {
            Allowed = true,
            Patch = [new("add", "/spec/retries", 10), new("replace", "/spec/timeout", "300s")],
        };

        using var answer = Write(outcome);
        var response = answer.RootElement.GetProperty("response");

        Assert.Equal("JSONPatch", response.GetProperty("patchType").GetString());
        var patch = Encoding.UTF8.GetString(Convert.FromBase64String(response.GetProperty("patch").GetString()!));
        Assert.Equal("""[{"op":"add","path":"/spec/retries","value":10},{"op":"replace","path":"/spec/timeout","value":"300s"}]""", patch);
    }

    [Fact]
    public void Write_NoPatch_HasNeitherPatchTypeNorPatch()
    {
        using var answer = Write(new AdmissionOutcome { Allowed = true, Patch = [], Warnings = ["something"] });
        var response = answer.RootElement.GetProperty("response");

        Assert.False(response.TryGetProperty("patchType", out _));
        Assert.False(response.TryGetProperty("patch", out _));
    }

    [Fact]
    public void Write_Warnings_AreWrittenInOrder()
    {
        using var answer = Write(new AdmissionOutcome { Allowed = true, Warnings = ["first", "second \"quoted\""] });

        Assert.Equal(["first", "second \"quoted\""], answer.RootElement.GetProperty("response").GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
    }

    [Fact]
    public void Write_AuditAnnotations_AreWrittenAsAnObject()
    {
        var outcome = new AdmissionOutcome
        {
            Allowed = true,
            AuditAnnotations = new Dictionary<string, string>(StringComparer.Ordinal) { ["checktype"] = "pre: from the workload", ["retries"] = "defaulted to 10" },
        };

        using var answer = Write(outcome);
        var annotations = answer.RootElement.GetProperty("response").GetProperty("auditAnnotations");

        Assert.Equal("pre: from the workload", annotations.GetProperty("checktype").GetString());
        Assert.Equal("defaulted to 10", annotations.GetProperty("retries").GetString());
    }

    [Fact]
    public void Write_MessageWithQuotesAndControlCharacters_KeepsQuotesReadableAndEscapesControls()
    {
        var raw = WriteRaw(AdmissionOutcome.Deny(422, StatusReasons.Invalid, "KeptnTask \"a\u00e9\" has\na newline"));

        Assert.Contains("KeptnTask \\\"a\u00e9\\\" has\\na newline", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0022", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", raw, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_LongMessageWithEveryKindOfEscape_ReadsBackAsTheSameText()
    {
        var message = string.Concat(Enumerable.Repeat("name \"日本-\u00fc\" in \\path\\ with\ta tab,\u0001 a control and 🚀\r\n", 40));

        using var answer = Write(AdmissionOutcome.Deny(422, StatusReasons.Invalid, message, ["warning \"w\"\u001f"]));
        var response = answer.RootElement.GetProperty("response");

        Assert.Equal(message, response.GetProperty("status").GetProperty("message").GetString());
        Assert.Equal("warning \"w\"\u001f", response.GetProperty("warnings")[0].GetString());
    }

    [Theory]
    [InlineData(2045)]
    [InlineData(2046)]
    [InlineData(2047)]
    [InlineData(2048)]
    [InlineData(6000)]
    public void Write_MessageEscapedInPieces_ReadsBackWholeEvenWhereAPieceEndsInASurrogatePairOrAllControls(int before)
    {
        // Escaping goes in pieces of 2048 characters: a pair split between two would become two U+FFFD, and a piece of
        // control characters takes six bytes each.
        var message = new string('a', before) + "🚀" + new string('\u0001', 3000) + "\"end\"";

        using var answer = Write(AdmissionOutcome.Deny(422, StatusReasons.Invalid, message));

        Assert.Equal(message, answer.RootElement.GetProperty("response").GetProperty("status").GetProperty("message").GetString());
    }

    [Fact]
    public void Write_EveryControlCharacter_IsEscapedAndReadsBack()
    {
        var controls = new string([.. Enumerable.Range(0, 0x20).Select(code => (char)code), '\u007f', '"', '\\']);

        var raw = WriteRaw(AdmissionOutcome.Deny(422, StatusReasons.Invalid, controls), uid: controls);
        using var answer = JsonDocument.Parse(raw);

        Assert.DoesNotContain(raw, c => c < 0x20);
        Assert.Contains("\\u0008\\t\\n\\u000B\\f\\r\\u000E", raw, StringComparison.Ordinal);
        Assert.Equal(controls, answer.RootElement.GetProperty("response").GetProperty("status").GetProperty("message").GetString());
        Assert.Equal(controls, answer.RootElement.GetProperty("response").GetProperty("uid").GetString());
    }

    [Fact]
    public void Write_Uid_IsEchoedVerbatim()
    {
        using var answer = Write(new AdmissionOutcome { Allowed = true }, uid: "uid with \"quotes\" and \u00fc");

        Assert.Equal("uid with \"quotes\" and \u00fc", answer.RootElement.GetProperty("response").GetProperty("uid").GetString());
    }

    [Fact]
    public void Write_AllowedUntouched_IsAPlainAllowedAnswer()
    {
        using var answer = Write(AdmissionOutcome.AllowedUntouched);

        Assert.Equal(["uid", "allowed"], answer.RootElement.GetProperty("response").EnumerateObject().Select(member => member.Name));
    }

    [Fact]
    public void AllowedUntouched_AuditAnnotations_IsEmptyNotNull()
    {
        Assert.NotNull(AdmissionOutcome.AllowedUntouched.AuditAnnotations);
        Assert.Empty(AdmissionOutcome.AllowedUntouched.AuditAnnotations);
    }

    [Fact]
    public void Decision_NamesWhatTheAnswerDid()
    {
        Assert.Equal("allowed", new AdmissionOutcome { Allowed = true }.Decision);
        Assert.Equal("patched", new AdmissionOutcome { Allowed = true, Patch = [new("add", "/spec/retries", 10)] }.Decision);
        Assert.Equal("denied", AdmissionOutcome.Deny(422, StatusReasons.Invalid, "no").Decision);
    }

    [Fact]
    public void JsonPatchWriter_ValueOfAnotherType_IsRefused() =>
        Assert.Throws<InvalidOperationException>(() => JsonPatchWriter.ToUtf8([new PatchOperation("add", "/spec/retries", 1.5)]));

    private static JsonDocument Write(AdmissionOutcome outcome, AdmissionReviewVersion version = AdmissionReviewVersion.V1, string uid = Uid) =>
        JsonDocument.Parse(WriteRaw(outcome, version, uid));

    private static string WriteRaw(AdmissionOutcome outcome, AdmissionReviewVersion version = AdmissionReviewVersion.V1, string uid = Uid)
    {
        var buffer = new ArrayBufferWriter<byte>();
        AdmissionReviewWriter.Write(buffer, version, uid, outcome);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
