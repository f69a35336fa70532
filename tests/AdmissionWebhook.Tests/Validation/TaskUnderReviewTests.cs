using AdmissionWebhook.KeptnTasks;
using AdmissionWebhook.Tests.TestSupport;
using AdmissionWebhook.Validation;

namespace AdmissionWebhook.Tests.Validation;

public sealed class TaskUnderReviewTests
{
    [Fact]
    public void From_Request_TakesNameFromMetadataAndNamespaceFromTheRequest()
    {
        var task = TaskUnderReview.From(Requests.KeptnTask("CREATE", """{"metadata":{"name":"from-metadata","namespace":"ignored"}}""") with { Name = "from-request" });

        Assert.Equal("from-metadata", task.Name);
        Assert.Equal(Requests.Namespace, task.Namespace);
        Assert.True(task.IsCreate);
    }

    [Fact]
    public void From_EmptyMetadataName_FallsBackToTheRequestName() =>
        Assert.Equal("from-request", TaskUnderReview.From(Requests.KeptnTask("CREATE", """{"metadata":{"name":""}}""") with { Name = "from-request" }).Name);

    [Fact]
    public void From_NoNameAnywhere_HasNoNameAndShowsTheGenerateNamePrefix()
    {
        var task = TaskUnderReview.From(Requests.KeptnTask("CREATE", """{"metadata":{"generateName":"check-"}}"""));

        Assert.Null(task.Name);
        Assert.Equal("check-<generated>", task.DisplayName);
    }

    [Fact]
    public void From_NoRequestNamespace_UsesTheObjectsNamespaceThenDefault()
    {
        Assert.Equal("payments", TaskUnderReview.From(Requests.KeptnTask("CREATE", """{"metadata":{"name":"t","namespace":"payments"}}""", @namespace: string.Empty)).Namespace);
        Assert.Equal("default", TaskUnderReview.From(Requests.KeptnTask("CREATE", """{"metadata":{"name":"t"}}""", @namespace: string.Empty)).Namespace);
    }

    [Theory]
    [InlineData("v1alpha1", KeptnTaskShape.Legacy)]
    [InlineData("v1alpha2", KeptnTaskShape.Legacy)]
    [InlineData("v1alpha3", KeptnTaskShape.Current)]
    [InlineData("v1beta1", KeptnTaskShape.Current)]
    [InlineData("v1", KeptnTaskShape.Current)]
    [InlineData("v2", KeptnTaskShape.Legacy)]
    public void From_RequestKindVersion_DecidesTheShape(string version, object shape) =>
        Assert.Equal(shape, TaskUnderReview.From(Requests.KeptnTask("CREATE", """{"apiVersion":"lifecycle.keptn.sh/v1","metadata":{"name":"t"}}""", version: version)).Shape);

    [Fact]
    public void From_NoKindVersion_TakesTheVersionOfTheObjectsApiVersion()
    {
        var request = Requests.KeptnTask("CREATE", """{"apiVersion":"lifecycle.keptn.sh/v1alpha2","metadata":{"name":"t"}}""") with { Kind = default };

        Assert.Equal(KeptnTaskShape.Legacy, TaskUnderReview.From(request).Shape);
    }

    [Theory]
    [InlineData("lifecycle.keptn.sh/v1beta1", "v1beta1")]
    [InlineData("v1", "v1")]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void VersionOf_ApiVersion_IsThePartAfterTheSlash(string? apiVersion, string? version) =>
        Assert.Equal(version, KeptnTaskVersion.VersionOf(apiVersion));

    [Theory]
    [InlineData("helloworldtask-1", "helloworldtask-1")]
    [InlineData("a\"b\\c", "a\\u0022b\\u005cc")]
    [InlineData("tab\there", "tab\\u0009here")]
    [InlineData("line\u2028break\u2029", "line\\u2028break\\u2029")]
    [InlineData("abc\u202Egnp.exe", "abc\\u202egnp.exe")]
    public void Quote_UserText_MakesQuotesBackslashesAndControlsVisible(string text, string quoted) => Assert.Equal(quoted, NameRule.Quote(text));

    [Fact]
    public void Quote_LongText_IsShortenedTo80Characters()
    {
        var quoted = NameRule.Quote(new string('a', 300));

        Assert.Equal(new string('a', 77) + "...", quoted);
    }

    [Fact]
    public void Quote_LongTextOfEmoji_IsShortenedWithoutSplittingACharacter()
    {
        var quoted = NameRule.Quote("x" + string.Concat(Enumerable.Repeat("\U0001F680", 50)));

        Assert.EndsWith("...", quoted, StringComparison.Ordinal);
        Assert.Equal(System.Buffers.OperationStatus.Done, System.Text.Unicode.Utf8.FromUtf16(quoted, new byte[400], out _, out _, replaceInvalidSequences: false));
    }
}
