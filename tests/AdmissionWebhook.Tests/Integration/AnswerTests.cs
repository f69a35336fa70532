using System.Text.Json.Nodes;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>
/// The examples of examples/admission posted to the running server, in AdmissionReview v1 and v1beta1, and the answers
/// of examples/admission/README.md checked field by field; /mutate patches are applied with a real JSON Patch library.
/// </summary>
[Collection(SharedWebhookServer.Name)]
public sealed class AnswerTests(WebhookServer server)
{
    public static TheoryData<string> Versions => new(ReviewClient.V1, ReviewClient.V1Beta1);

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AValidCreateIsAllowedByValidateWithoutAPatch(string version)
    {
        var review = Examples.Review("create-valid.json", version);

        var answer = await server.Https.ReviewAsync("/validate", review);

        AssertEnvelope(answer, version, review);
        Assert.True(answer.Allowed, answer.Message);
        Assert.Null(answer.Response["status"]);
        Assert.False(answer.HasPatch);
        Assert.Null(answer.PatchType);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AValidCreateIsPatchedWithTheDefaultsAndTheCheckTypeDerivedFromItsWorkload(string version)
    {
        var review = Examples.Review("create-valid.json", version);

        var answer = await server.Https.ReviewAsync("/mutate", review);

        AssertEnvelope(answer, version, review);
        Assert.True(answer.Allowed);
        Assert.Equal("JSONPatch", answer.PatchType);
        AssertOperations(
            answer,
            ("add", "/spec/retries", 10),
            ("add", "/spec/timeout", "5m"),
            ("replace", "/spec/checkType", "pre"),
            ("replace", "/spec/context/taskType", "pre"),
            ("replace", "/spec/context/objectType", "Workload"));

        var patched = answer.ApplyPatchTo(RequestObject(review));
        var expected = RequestObject(review);
        var spec = expected["spec"]!.AsObject();
        spec["checkType"] = "pre";
        spec["context"]!["taskType"] = "pre";
        spec["context"]!["objectType"] = "Workload";
        spec["retries"] = 10;
        spec["timeout"] = "5m";
        AssertSameJson(expected, patched);

        var derivation = (string?)answer.AuditAnnotations["checktype"] ?? string.Empty;
        Assert.Contains("keptn.sh/pre-deployment-tasks", derivation, StringComparison.Ordinal);
        Assert.Contains("podtato-head-podtato-head-frontend", derivation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/validate")]
    [InlineData("/mutate")]
    public async Task TheV1beta1ExampleIsAnsweredInV1beta1WithTheSameDecisionAsV1(string endpoint)
    {
        var review = Examples.Review("create-v1beta1-review.json");
        var asV1 = Examples.Review("create-v1beta1-review.json", ReviewClient.V1);

        var answer = await server.Https.ReviewAsync(endpoint, review);
        var answerV1 = await server.Https.ReviewAsync(endpoint, asV1);

        AssertEnvelope(answer, ReviewClient.V1Beta1, review);
        AssertEnvelope(answerV1, ReviewClient.V1, asV1);
        AssertSameJson(answerV1.Response, answer.Response);
        Assert.True(answer.Allowed);
        Assert.Equal(endpoint == "/mutate", answer.HasPatch);
    }

    [Theory]
    [InlineData("create-dry-run.json", "/validate", ReviewClient.V1)]
    [InlineData("create-dry-run.json", "/mutate", ReviewClient.V1)]
    [InlineData("create-dry-run.json", "/mutate", ReviewClient.V1Beta1)]
    [InlineData("create-duplicate.json", "/validate", ReviewClient.V1)]
    [InlineData("create-missing-definition.json", "/validate", ReviewClient.V1Beta1)]
    public async Task ADryRunRequestGetsExactlyTheAnswerOfTheRealRequest(string file, string endpoint, string version)
    {
        var dryRun = Examples.Review(file, version);
        dryRun["request"]!["dryRun"] = true;
        var real = Examples.Review(file == "create-dry-run.json" ? "create-valid.json" : file, version);
        real["request"]!["dryRun"] = false;
        real["request"]!["uid"] = "5d4a3c2b-real-request";

        var dryAnswer = await server.Https.ReviewAsync(endpoint, dryRun);
        var realAnswer = await server.Https.ReviewAsync(endpoint, real);

        AssertEnvelope(dryAnswer, version, dryRun);
        AssertEnvelope(realAnswer, version, real);
        var dryResponse = dryAnswer.Response.DeepClone().AsObject();
        var realResponse = realAnswer.Response.DeepClone().AsObject();
        dryResponse.Remove("uid");
        realResponse.Remove("uid");
        AssertSameJson(realResponse, dryResponse);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ACreateUnderATakenNameIsRefusedWith409NamingTheTaskAndTheNextFreeName(string version)
    {
        var review = Examples.Review("create-duplicate.json", version);

        var answer = await server.Https.ReviewAsync("/validate", review);

        AssertEnvelope(answer, version, review);
        Assert.False(answer.Allowed);
        Assert.Equal(409, answer.Code);
        Assert.Equal("AlreadyExists", answer.Reason);
        Assert.Equal("Failure", (string?)answer.Response["status"]!["status"]);
        Assert.Contains("\"helloworldtask-1\"", answer.Message, StringComparison.Ordinal);
        Assert.Contains("\"helloworldtask-2\"", answer.Message, StringComparison.Ordinal);
        Assert.Contains("podtato-kubectl", answer.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AMissingTaskDefinitionIsRefusedWith422NamingBothNamespacesAndTheClosestName(string version)
    {
        var review = Examples.Review("create-missing-definition.json", version);

        var answer = await server.Https.ReviewAsync("/validate", review);

        AssertEnvelope(answer, version, review);
        Assert.False(answer.Allowed);
        Assert.Equal(422, answer.Code);
        Assert.Equal("Invalid", answer.Reason);
        Assert.Contains("spec.taskDefinition", answer.Message, StringComparison.Ordinal);
        Assert.Contains("\"check-entry-condition\"", answer.Message, StringComparison.Ordinal);
        Assert.Contains("\"podtato-kubectl\"", answer.Message, StringComparison.Ordinal);
        Assert.Contains("\"keptn-system\"", answer.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean \"check-entry-conditions\"", answer.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ANameThatIsNoDns1123SubdomainIsRefusedWith422(string version)
    {
        var review = Examples.Review("create-invalid-name.json", version);

        var answer = await server.Https.ReviewAsync("/validate", review);

        AssertEnvelope(answer, version, review);
        Assert.False(answer.Allowed);
        Assert.Equal(422, answer.Code);
        Assert.Equal("Invalid", answer.Reason);
        Assert.Contains("metadata.name", answer.Message, StringComparison.Ordinal);
        Assert.Contains("Frontend_Entry_Check-9", answer.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AnUpdateThatChangesTheSpecIsRefusedSuggestingANewName(string version)
    {
        var review = Examples.Review("update-spec-changed.json", version);

        var answer = await server.Https.ReviewAsync("/validate", review);

        AssertEnvelope(answer, version, review);
        Assert.False(answer.Allowed);
        // The refusal and its suggestion; the code and reason are the test below.
        Assert.InRange(answer.Code ?? 0, 400, 499);
        Assert.Contains("spec", answer.Message, StringComparison.Ordinal);
        Assert.Contains("\"helloworldtask-2\"", answer.Message, StringComparison.Ordinal);
    }

    // 422 Invalid, not 409: no other object holds the name; the stored task's spec is immutable, as Kubernetes' own
    // immutable fields are refused (examples/admission/README.md).
    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AnUpdateThatChangesTheSpecIsRefusedAsInvalidBecauseAStoredSpecIsImmutable(string version)
    {
        var review = Examples.Review("update-spec-changed.json", version);

        var answer = await server.Https.ReviewAsync("/validate", review);

        AssertEnvelope(answer, version, review);
        Assert.False(answer.Allowed);
        Assert.Equal(422, answer.Code);
        Assert.Equal("Invalid", answer.Reason);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AnUpdateThatChangesOnlyMetadataIsAllowedByValidate(string version)
    {
        var review = Examples.Review("update-metadata-only.json", version);

        var validated = await server.Https.ReviewAsync("/validate", review);

        AssertEnvelope(validated, version, review);
        Assert.True(validated.Allowed, validated.Message);
        Assert.False(validated.HasPatch);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AnUpdateThatChangesOnlyMetadataIsAllowedByMutateWithoutAPatch(string version)
    {
        var review = Examples.Review("update-metadata-only.json", version);

        var mutated = await server.Https.ReviewAsync("/mutate", review);

        AssertEnvelope(mutated, version, review);
        Assert.True(mutated.Allowed, mutated.Message);
        Assert.False(mutated.HasPatch);
    }

    [Theory]
    [InlineData("/validate", ReviewClient.V1)]
    [InlineData("/mutate", ReviewClient.V1)]
    [InlineData("/validate", ReviewClient.V1Beta1)]
    [InlineData("/mutate", ReviewClient.V1Beta1)]
    public async Task ADeleteIsAllowedUntouched(string endpoint, string version)
    {
        var review = Examples.Review("delete.json", version);

        var answer = await server.Https.ReviewAsync(endpoint, review);

        AssertEnvelope(answer, version, review);
        Assert.True(answer.Allowed);
        Assert.Equal(["uid", "allowed"], answer.Response.Select(member => member.Key));
    }

    [Theory]
    [InlineData("/validate", "a ConfigMap")]
    [InlineData("/mutate", "a ConfigMap")]
    [InlineData("/validate", "the status subresource")]
    [InlineData("/mutate", "the status subresource")]
    [InlineData("/validate", "a CONNECT")]
    public async Task AReviewOfAnythingButAKeptnTaskCreateOrUpdateIsAllowedUntouched(string endpoint, string what)
    {
        // Invalid as a KeptnTask on purpose (a name with '_'): the webhook must not look at it at all.
        var review = Examples.Review("create-invalid-name.json");
        var request = review["request"]!;
        switch (what)
        {
            case "a ConfigMap":
                request["kind"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["kind"] = "ConfigMap" };
                request["resource"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["resource"] = "configmaps" };
                request["object"] = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = "Not_A_Task" } };
                break;
            case "the status subresource":
                request["subResource"] = "status";
                request["operation"] = "UPDATE";
                request["oldObject"] = request["object"]!.DeepClone();
                break;
            default:
                request["operation"] = "CONNECT";
                break;
        }

        var answer = await server.Https.ReviewAsync(endpoint, review);

        AssertEnvelope(answer, ReviewClient.V1, review);
        Assert.True(answer.Allowed, answer.Message);
        Assert.False(answer.HasPatch);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task UnknownFieldsAndTheirOrderSurviveThePatch(string version)
    {
        var review = Examples.Review("create-unknown-fields.json", version);

        var validated = await server.Https.ReviewAsync("/validate", review);
        var mutated = await server.Https.ReviewAsync("/mutate", review);

        AssertEnvelope(validated, version, review);
        Assert.True(validated.Allowed, validated.Message);
        AssertEnvelope(mutated, version, review);
        Assert.True(mutated.Allowed);
        AssertOperations(
            mutated,
            ("add", "/spec/retries", 10),
            ("add", "/spec/timeout", "5m"),
            ("replace", "/spec/checkType", "pre"),
            ("replace", "/spec/context/taskType", "pre"),
            ("replace", "/spec/context/objectType", "Workload"));

        var patched = mutated.ApplyPatchTo(RequestObject(review));
        var expected = RequestObject(review);
        var spec = expected["spec"]!.AsObject();
        spec["checkType"] = "pre";
        spec["context"]!["taskType"] = "pre";
        spec["context"]!["objectType"] = "Workload";
        spec["retries"] = 10;
        spec["timeout"] = "5m";
        AssertSameJson(expected, patched);

        var patchedSpec = patched["spec"]!.AsObject();
        Assert.Equal(["context", "owner", "taskDefinition", "checkType", "notifications", "retries", "timeout"], patchedSpec.Select(member => member.Key));
        Assert.Equal(
            ["workloadVersion", "workloadName", "gitCommit", "appName", "appVersion", "objectType", "taskType"],
            patchedSpec["context"]!.AsObject().Select(member => member.Key));
        Assert.Equal("3f1c2b7", (string?)patchedSpec["context"]!["gitCommit"]);
        Assert.Equal("team-frontend", (string?)patchedSpec["owner"]);
        Assert.Equal("#podtato", (string?)patchedSpec["notifications"]!["slack/channel"]);
        Assert.True((bool)patchedSpec["notifications"]!["on~failure"]!);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task KeysWithSlashAndTildeAreLeftAloneWhileTheDefaultsAreAdded(string version)
    {
        // create-unknown-fields.json plus a spec key "time/out~" next to the missing "timeout": the patch must add
        // /spec/timeout and leave every key that needs ~1/~0 escaping exactly as sent.
        var review = Examples.Review("create-unknown-fields.json", version);
        var spec = RequestObject(review)["spec"]!.AsObject();
        Assert.False(spec.ContainsKey("timeout"));
        review["request"]!["object"]!["spec"]!["time/out~"] = "keep me";

        var mutated = await server.Https.ReviewAsync("/mutate", review);

        var patched = mutated.ApplyPatchTo(RequestObject(review));
        Assert.Equal("keep me", (string?)patched["spec"]!["time/out~"]);
        Assert.Equal("5m", (string?)patched["spec"]!["timeout"]);
        Assert.Equal("#podtato", (string?)patched["spec"]!["notifications"]!["slack/channel"]);
        Assert.All(mutated.PatchOperations, operation => Assert.StartsWith("/spec/", (string?)operation!["path"], StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ATimeoutInBareSecondsIsRewrittenWithExactlyOneOperation(string version)
    {
        var review = Examples.Review("create-timeout-seconds.json", version);

        var answer = await server.Https.ReviewAsync("/mutate", review);

        AssertEnvelope(answer, version, review);
        Assert.True(answer.Allowed);
        AssertOperations(answer, ("replace", "/spec/timeout", "300s"));
        var patched = answer.ApplyPatchTo(RequestObject(review));
        var expected = RequestObject(review);
        expected["spec"]!["timeout"] = "300s";
        AssertSameJson(expected, patched);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AV1alpha1TaskIsAllowedAndGetsNoFieldItsVersionLacks(string version)
    {
        var review = Examples.Review("create-v1alpha1-task.json", version);

        var validated = await server.Https.ReviewAsync("/validate", review);
        var mutated = await server.Https.ReviewAsync("/mutate", review);

        AssertEnvelope(validated, version, review);
        AssertEnvelope(mutated, version, review);
        Assert.True(validated.Allowed, validated.Message);
        Assert.True(mutated.Allowed);
        Assert.False(mutated.HasPatch);
    }

    [Theory]
    [InlineData("create-valid.json", ReviewClient.V1)]
    [InlineData("create-valid.json", ReviewClient.V1Beta1)]
    [InlineData("create-unknown-fields.json", ReviewClient.V1)]
    [InlineData("create-timeout-seconds.json", ReviewClient.V1)]
    [InlineData("create-v1beta1-review.json", ReviewClient.V1Beta1)]
    public async Task MutatingThePatchedObjectAgainChangesNothing(string file, string version)
    {
        var review = Examples.Review(file, version);
        var first = await server.Https.ReviewAsync("/mutate", review);
        Assert.True(first.HasPatch);
        review["request"]!["object"] = first.ApplyPatchTo(RequestObject(review));
        review["request"]!["uid"] = "0d1e2f30-second-invocation";

        var second = await server.Https.ReviewAsync("/mutate", review);

        AssertEnvelope(second, version, review);
        Assert.True(second.Allowed);
        Assert.False(second.HasPatch, second.HasPatch ? second.PatchText : null);
        Assert.Null(second.PatchType);

        var validated = await server.Https.ReviewAsync("/validate", review);
        Assert.True(validated.Allowed, validated.Message);
    }

    internal static JsonObject RequestObject(JsonObject review) => review["request"]!["object"]!.DeepClone().AsObject();

    /// <summary>apiVersion as asked, kind AdmissionReview, uid echoed, and only well-formed warnings.</summary>
    internal static void AssertEnvelope(ReviewAnswer answer, string version, JsonObject review)
    {
        Assert.Equal(version, answer.ApiVersion);
        Assert.Equal("AdmissionReview", answer.Kind);
        Assert.Equal((string?)review["request"]!["uid"], answer.Uid);
        Assert.All(answer.Warnings, warning => Assert.InRange(warning.Length, 1, 120));
        if (!answer.Allowed)
        {
            Assert.InRange(answer.Code ?? 0, 400, 599);
            Assert.False(string.IsNullOrWhiteSpace(answer.Message));
            Assert.False(answer.HasPatch);
        }
    }

    internal static void AssertOperations(ReviewAnswer answer, params (string Op, string Path, object Value)[] expected)
    {
        var expectedPatch = new JsonArray(expected.Select(operation => (JsonNode)new JsonObject
        {
            ["op"] = operation.Op,
            ["path"] = operation.Path,
            ["value"] = JsonValue.Create(operation.Value),
        }).ToArray());
        AssertSameJson(expectedPatch, answer.PatchOperations);
    }

    /// <summary>Equal as text, so member order counts too.</summary>
    internal static void AssertSameJson(JsonNode expected, JsonNode actual) =>
        Assert.Equal(expected.ToJsonString(), actual.ToJsonString());
}
