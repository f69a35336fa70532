using System.Text;
using System.Text.Json;
using AdmissionWebhook.Admission;
using AdmissionWebhook.Tests.TestSupport;

namespace AdmissionWebhook.Tests.Admission;

public sealed class AdmissionReviewReaderTests
{
    private const string Uid = "0346422b-c606-4e3e-9bea-8680444a282a";

    [Fact]
    public void Read_V1Review_ReadsEveryEnvelopeField()
    {
        var request = Read(Review());

        Assert.NotNull(request);
        Assert.Equal(Uid, request.Uid);
        Assert.Equal(AdmissionReviewVersion.V1, request.ReviewVersion);
        Assert.Equal("UPDATE", request.Operation);
        Assert.Equal(new GroupVersionName("lifecycle.keptn.sh", "v1beta1", "KeptnTask"), request.Kind);
        Assert.Equal(new GroupVersionName("lifecycle.keptn.sh", "v1beta1", "keptntasks"), request.Resource);
        Assert.Equal("status", request.SubResource);
        Assert.Equal("podtato-kubectl", request.Namespace);
        Assert.Equal("helloworldtask-1", request.Name);
        Assert.True(request.DryRun);
        Assert.Equal("new-", request.Object?.GenerateName.StringOrNull());
        Assert.Equal("old-", request.OldObject?.GenerateName.StringOrNull());
        Assert.Null(request.MalformedReason);
    }

    [Fact]
    public void Read_V1Beta1Review_IsMarkedForAV1Beta1Answer()
    {
        var request = Read(Review(apiVersion: "\"admission.k8s.io/v1beta1\""));

        Assert.NotNull(request);
        Assert.Equal(AdmissionReviewVersion.V1Beta1, request.ReviewVersion);
        Assert.Equal(Uid, request.Uid);
    }

    [Fact]
    public void Read_ObjectsSpec_IsKeptAsSentForTheUpdateComparison()
    {
        var request = Read(Review(@object: """{"spec":{"z":1,"a":2,"unknownField":[1,2]}}"""));

        Assert.Equal("""{"z":1,"a":2,"unknownField":[1,2]}""", Encoding.UTF8.GetString(request!.Object!.SpecJson));
    }

    [Fact]
    public void Read_CreateWithNullOldObject_LeavesOldObjectAbsent()
    {
        var request = Read(Review(oldObject: "null"));

        Assert.Null(request!.OldObject);
        Assert.Null(request.MalformedReason);
    }

    [Fact]
    public void Read_KindMissing_IsAccepted()
    {
        var request = Read(Review(kind: null));

        Assert.NotNull(request);
        Assert.Equal(Uid, request.Uid);
    }

    [Theory]
    [InlineData("[]", "the body is an array, not an AdmissionReview object")]
    [InlineData("\"review\"", "the body is a string, not an AdmissionReview object")]
    [InlineData("null", "the body is null, not an AdmissionReview object")]
    public void Read_BodyThatIsNoObject_IsRefused(string body, string error) => AssertRefused(body, error);

    [Theory]
    [InlineData("\"admission.k8s.io/v2\"", "apiVersion \"admission.k8s.io/v2\" is not supported; send admission.k8s.io/v1 or admission.k8s.io/v1beta1")]
    [InlineData("\"v1\"", "apiVersion \"v1\" is not supported; send admission.k8s.io/v1 or admission.k8s.io/v1beta1")]
    [InlineData("1", "apiVersion is a number; an AdmissionReview has apiVersion admission.k8s.io/v1 or admission.k8s.io/v1beta1")]
    [InlineData(null, "apiVersion is missing; an AdmissionReview has apiVersion admission.k8s.io/v1 or admission.k8s.io/v1beta1")]
    public void Read_WrongApiVersion_IsRefusedNamingTheSupportedOnes(string? apiVersion, string error) => AssertRefused(Review(apiVersion: apiVersion), error);

    [Theory]
    [InlineData("\"AdmissionResponse\"", "kind must be AdmissionReview, not \"AdmissionResponse\"")]
    [InlineData("42", "kind must be AdmissionReview, not a number")]
    public void Read_WrongKind_IsRefused(string kind, string error) => AssertRefused(Review(kind: kind), error);

    [Theory]
    [InlineData(null, "request is missing; an AdmissionReview sent to a webhook carries a request object")]
    [InlineData("\"request\"", "request is a string; an AdmissionReview sent to a webhook carries a request object")]
    [InlineData("null", "request is null; an AdmissionReview sent to a webhook carries a request object")]
    public void Read_RequestMissingOrNoObject_IsRefused(string? request, string error) =>
        AssertRefused(request is null ? """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}""" : $$"""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{request}}}""", error);

    [Theory]
    [InlineData(null, "request.uid is missing; it must be the non-empty string the answer echoes")]
    [InlineData("\"\"", "request.uid is empty; it must be the non-empty string the answer echoes")]
    [InlineData("42", "request.uid is a number; it must be the non-empty string the answer echoes")]
    [InlineData("null", "request.uid is null; it must be the non-empty string the answer echoes")]
    public void Read_UidMissingEmptyOrNoString_IsRefused(string? uid, string error) => AssertRefused(Review(uid: uid), error);

    [Theory]
    [InlineData("\"operation\": 1", "request.operation must be a string, not a number")]
    [InlineData("\"kind\": \"KeptnTask\"", "request.kind must be an object, not a string")]
    [InlineData("\"kind\": {\"group\": 1, \"version\": \"v1\", \"kind\": \"KeptnTask\"}", "request.kind.group must be a string, not a number")]
    [InlineData("\"kind\": {\"group\": \"lifecycle.keptn.sh\", \"version\": [], \"kind\": \"KeptnTask\"}", "request.kind.version must be a string, not an array")]
    [InlineData("\"kind\": {\"group\": \"lifecycle.keptn.sh\", \"version\": \"v1\", \"kind\": {}}", "request.kind.kind must be a string, not an object")]
    [InlineData("\"resource\": {\"group\": \"lifecycle.keptn.sh\", \"version\": \"v1\", \"resource\": true}", "request.resource.resource must be a string, not a boolean")]
    [InlineData("\"subResource\": 5", "request.subResource must be a string, not a number")]
    [InlineData("\"namespace\": [\"podtato-kubectl\"]", "request.namespace must be a string, not an array")]
    [InlineData("\"name\": {}", "request.name must be a string, not an object")]
    [InlineData("\"dryRun\": \"true\"", "request.dryRun must be a boolean, not a string")]
    [InlineData("\"object\": \"{}\"", "request.object must be an object, not a string")]
    [InlineData("\"oldObject\": 5", "request.oldObject must be an object, not a number")]
    public void Read_FieldOfTheWrongType_KeepsTheUidAndNamesTheField(string member, string reason)
    {
        var request = Read(Review(extra: member));

        Assert.NotNull(request);
        Assert.Equal(Uid, request.Uid);
        Assert.Equal(reason, request.MalformedReason);
    }

    [Fact]
    public void Read_SeveralFieldsOfTheWrongType_ReportsTheFirst()
    {
        var request = Read(Review(extra: "\"operation\": 1, \"dryRun\": \"no\""));

        Assert.Equal("request.operation must be a string, not a number", request!.MalformedReason);
    }

    [Fact]
    public void Read_NullFields_CountAsAbsent()
    {
        var request = Read(Review(extra: "\"subResource\": null, \"namespace\": null, \"dryRun\": null, \"name\": null"));

        Assert.NotNull(request);
        Assert.Null(request.MalformedReason);
        Assert.Null(request.Namespace);
        Assert.False(request.DryRun);
    }

    [Fact]
    public void Read_MemberNamesWrittenWithEscapes_AreTheSameMembers()
    {
        var body = Review().Replace("\"namespace\":", "\"n\\u0061mespace\":", StringComparison.Ordinal)
            .Replace("\"operation\":", "\"\\u006Fperation\":", StringComparison.Ordinal);
        Assert.Equal(2, body.Split("\\u00").Length - 1);

        var request = Read(body);

        Assert.Equal("podtato-kubectl", request!.Namespace);
        Assert.Equal("UPDATE", request.Operation);
    }

    [Fact]
    public void Read_ARepeatedMember_IsReadAsItsLastOccurrence()
    {
        var body = Review().Replace("\"request\": {", "\"request\": {\"namespace\": \"first\", \"uid\": 7, ", StringComparison.Ordinal);
        Assert.Contains("\"first\"", body, StringComparison.Ordinal);

        var request = Read(body);

        Assert.Equal("podtato-kubectl", request!.Namespace);
        Assert.Equal(Uid, request.Uid);
    }

    private static string Review(
        string? apiVersion = "\"admission.k8s.io/v1\"",
        string? kind = "\"AdmissionReview\"",
        string? uid = "\"" + Uid + "\"",
        string @object = """{"metadata":{"name":"helloworldtask-1","generateName":"new-","labels":{"v":"new"}}}""",
        string oldObject = """{"metadata":{"name":"helloworldtask-1","generateName":"old-","labels":{"v":"old"}}}""",
        string? extra = null)
    {
        var members = new List<string>();
        if (apiVersion is not null)
        {
            members.Add($"\"apiVersion\": {apiVersion}");
        }

        if (kind is not null)
        {
            members.Add($"\"kind\": {kind}");
        }

        var request = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["kind"] = """{"group":"lifecycle.keptn.sh","version":"v1beta1","kind":"KeptnTask"}""",
            ["resource"] = """{"group":"lifecycle.keptn.sh","version":"v1beta1","resource":"keptntasks"}""",
            ["subResource"] = "\"status\"",
            ["name"] = "\"helloworldtask-1\"",
            ["namespace"] = "\"podtato-kubectl\"",
            ["operation"] = "\"UPDATE\"",
            ["userInfo"] = """{"username":"kubernetes-admin"}""",
            ["object"] = @object,
            ["oldObject"] = oldObject,
            ["dryRun"] = "true",
        };
        if (uid is not null)
        {
            request["uid"] = uid;
        }

        if (extra is not null)
        {
            using var overrides = JsonDocument.Parse("{" + extra + "}");
            foreach (var member in overrides.RootElement.EnumerateObject())
            {
                request[member.Name] = member.Value.GetRawText();
            }
        }

        members.Add("\"request\": {" + string.Join(", ", request.Select(member => $"\"{member.Key}\": {member.Value}")) + "}");
        return "{" + string.Join(", ", members) + "}";
    }

    private static AdmissionRequest? Read(string body)
    {
        var root = Requests.Json(body);
        var request = AdmissionReviewReader.Read(root, out var error);
        Assert.True(request is not null, $"the reader refused the review: {error}");
        Assert.Null(error);
        return request;
    }

    private static void AssertRefused(string body, string expectedError)
    {
        var request = AdmissionReviewReader.Read(Requests.Json(body), out var error);

        Assert.Null(request);
        Assert.Equal(expectedError, error);
    }
}
