using System.Text.Json;
using System.Text.Json.Nodes;
using AdmissionWebhook.Admission;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson;

namespace AdmissionWebhook.Tests.Admission;

public sealed class JsonPointerTests
{
    [Fact]
    public void Of_PlainSegments_JoinsThemWithSlashes() => Assert.Equal("/spec/context/taskType", JsonPointer.Of("spec", "context", "taskType"));

    [Fact]
    public void Of_SlashInASegment_IsEscapedAsTilde1() =>
        Assert.Equal("/metadata/annotations/keptn.sh~1pre-deployment-tasks", JsonPointer.Of("metadata", "annotations", "keptn.sh/pre-deployment-tasks"));

    [Fact]
    public void Of_TildeInASegment_IsEscapedAsTilde0() => Assert.Equal("/a~0b", JsonPointer.Of("a~b"));

    [Fact]
    public void Of_LiteralTilde1_EscapesTheTildeFirst() => Assert.Equal("/~01", JsonPointer.Of("~1"));

    [Fact]
    public void Of_SlashTilde_EscapesBoth() => Assert.Equal("/~1~0", JsonPointer.Of("/~"));

    [Fact]
    public void Of_EmptySegment_IsAnEmptyMemberName() => Assert.Equal("/spec/", JsonPointer.Of("spec", string.Empty));

    [Fact]
    public void Of_NoSegments_IsTheWholeDocument() => Assert.Equal(string.Empty, JsonPointer.Of());

    [Fact]
    public void Of_EscapedPaths_AreResolvedToTheRightMembersByAnIndependentJsonPatch()
    {
        var document = JsonNode.Parse("""{"metadata":{"annotations":{"keptn.sh/pre-deployment-tasks":"a","x~1y":"b","~":"c"}}}""")!;
        PatchOperation[] operations =
        [
            new("replace", JsonPointer.Of("metadata", "annotations", "keptn.sh/pre-deployment-tasks"), "check-entry-conditions"),
            new("replace", JsonPointer.Of("metadata", "annotations", "x~1y"), "escaped"),
            new("replace", JsonPointer.Of("metadata", "annotations", "~"), "tilde"),
        ];
        var patch = JsonSerializer.Deserialize<JsonPatchDocument>(JsonPatchWriter.ToUtf8(operations))!;

        patch.ApplyTo(document);

        Assert.Equal(
            """{"metadata":{"annotations":{"keptn.sh/pre-deployment-tasks":"check-entry-conditions","x~1y":"escaped","~":"tilde"}}}""",
            document.ToJsonString());
    }
}
