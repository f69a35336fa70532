using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AdmissionWebhook.Admission;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.KeptnTasks;
using AdmissionWebhook.Mutation;
using AdmissionWebhook.Tests.TestSupport;
using AdmissionWebhook.Validation;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson;
using Xunit.Sdk;

namespace AdmissionWebhook.Tests.Rules;

/// <summary>
/// Runs one rule case: builds the AdmissionReview the apiserver would send, decodes it with the production reader,
/// reviews it against examples/cluster plus the case's state, encodes the answer with the production writer and
/// checks the answer on the wire against the case's <c>expect</c>.
/// </summary>
internal static class RuleCaseRunner
{
    public const string DefaultNamespace = "podtato-kubectl";
    public const string DefaultVersion = "v1";

    public static readonly string[] CaseKeys =
    [
        "name", "skip", "endpoint", "operation", "namespace", "version", "reviewVersion", "uid", "dryRun",
        "state", "options", "object", "oldObject", "request", "omit", "expect",
    ];

    public static readonly string[] ExpectKeys =
    [
        "allowed", "code", "reason", "message", "messageContains", "messageNotContains", "patch", "warnings",
        "warningsContain", "auditAnnotations", "readError",
    ];

    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly string[] OptionKeys = ["keptnNamespace", "defaultRetries", "defaultTimeout"];

    public static async Task RunAsync(RuleCase ruleCase)
    {
        var definition = ruleCase.Definition;
        RequireKnownKeys(definition, CaseKeys, "case");
        var expect = definition.Field("expect");
        if (expect.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"case \"{ruleCase.Name}\": expect is required and must be a mapping");
        }

        RequireKnownKeys(expect, ExpectKeys, "expect");
        var endpoint = definition.Field("endpoint").StringOrNull();
        if (endpoint is not ("validate" or "mutate"))
        {
            throw new FormatException($"case \"{ruleCase.Name}\": endpoint must be validate or mutate");
        }

        var state = BuildState(definition.Field("state"));
        var options = BuildOptions(definition.Field("options"));
        var reviewer = new KeptnTaskReviewer(new KeptnTaskValidator(state, options), new KeptnTaskMutator(state, options));
        var review = BuildReview(ruleCase);
        var exchange = await ExchangeAsync(reviewer, endpoint, review);

        var failures = new List<string>();
        CheckExpectations(expect, endpoint, review, exchange, failures);
        if (failures.Count == 0 && endpoint == "mutate" && exchange.Patch is { Count: > 0 } patch && review["request"]!["operation"]?.GetValue<string>() == "CREATE")
        {
            await CheckReinvocationAsync(reviewer, review, patch, failures);
        }

        if (failures.Count > 0)
        {
            throw new XunitException(
                $"case \"{ruleCase.Name}\" ({ruleCase.File} #{ruleCase.Index + 1}):\n  - " + string.Join("\n  - ", failures) +
                $"\nresponse: {exchange.Response?.ToJsonString(Readable) ?? "(none; the reader refused: " + exchange.ReadError + ")"}");
        }
    }

    /// <summary>The review as the kube-apiserver sends it for the case, with the case's <c>request</c> and <c>omit</c> applied.</summary>
    public static JsonObject BuildReview(RuleCase ruleCase)
    {
        var definition = ruleCase.Definition;
        var operation = definition.Field("operation").StringOrNull() ?? "CREATE";
        var version = definition.Field("version").StringOrNull() ?? DefaultVersion;
        var reviewVersion = definition.Field("reviewVersion").StringOrNull() ?? "v1";
        var @object = WithTypeMeta(definition.Field("object"), version);
        var oldObject = WithTypeMeta(definition.Field("oldObject"), version);
        var name = (@object ?? oldObject)?["metadata"]?["name"] is JsonValue nameValue && nameValue.TryGetValue<string>(out var text) ? text : null;

        var request = new JsonObject
        {
            ["uid"] = definition.Field("uid").StringOrNull() ?? UidOf(ruleCase),
            ["kind"] = new JsonObject { ["group"] = KeptnTaskVersion.Group, ["version"] = version, ["kind"] = KeptnTaskVersion.Kind },
            ["resource"] = new JsonObject { ["group"] = KeptnTaskVersion.Group, ["version"] = version, ["resource"] = KeptnTaskVersion.Resource },
            ["requestKind"] = new JsonObject { ["group"] = KeptnTaskVersion.Group, ["version"] = version, ["kind"] = KeptnTaskVersion.Kind },
            ["requestResource"] = new JsonObject { ["group"] = KeptnTaskVersion.Group, ["version"] = version, ["resource"] = KeptnTaskVersion.Resource },
        };
        if (!string.IsNullOrEmpty(name))
        {
            request["name"] = name;
        }

        request["namespace"] = definition.Field("namespace").StringOrNull() ?? DefaultNamespace;
        request["operation"] = operation;
        request["userInfo"] = new JsonObject { ["username"] = "kubernetes-admin", ["groups"] = new JsonArray("system:masters", "system:authenticated") };
        request["object"] = @object;
        request["oldObject"] = oldObject;
        request["dryRun"] = definition.Field("dryRun").ValueKind == JsonValueKind.True;
        if (OptionsKindOf(operation) is { } optionsKind)
        {
            request["options"] = new JsonObject { ["apiVersion"] = "meta.k8s.io/v1", ["kind"] = optionsKind };
        }

        var overrides = definition.Field("request");
        if (overrides.ValueKind == JsonValueKind.Object)
        {
            foreach (var member in overrides.EnumerateObject())
            {
                request[member.Name] = JsonNode.Parse(member.Value.GetRawText());
            }
        }

        var omit = definition.Field("omit");
        if (omit.ValueKind == JsonValueKind.Array)
        {
            foreach (var field in omit.EnumerateArray())
            {
                request.Remove(field.GetString()!);
            }
        }

        return new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/" + reviewVersion,
            ["kind"] = "AdmissionReview",
            ["request"] = request,
        };
    }

    /// <summary>examples/cluster plus the case's own Keptn objects.</summary>
    public static ManifestClusterState BuildState(JsonElement extra)
    {
        var state = ExampleCluster.Load();
        if (extra.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in extra.EnumerateArray())
            {
                var metadata = item.Field("metadata");
                var manifest = new ManifestObject(
                    "fixture state",
                    index++,
                    item.Field("kind").StringOrNull(),
                    item.Field("apiVersion").StringOrNull(),
                    metadata.Field("namespace").StringOrNull(),
                    metadata.Field("name").StringOrNull(),
                    item);
                if (!ManifestClusterState.AddIfKeptn(state.Store, manifest, DefaultNamespace))
                {
                    throw new FormatException($"state item {index} is not a Keptn object the state tracks: {item.GetRawText()}");
                }
            }
        }
        else if (!extra.IsAbsent())
        {
            throw new FormatException("state must be a list of Keptn objects");
        }

        return state;
    }

    public static WebhookOptions BuildOptions(JsonElement overrides)
    {
        var options = new WebhookOptions();
        if (overrides.ValueKind != JsonValueKind.Object)
        {
            return options;
        }

        RequireKnownKeys(overrides, OptionKeys, "options");
        if (overrides.Field("keptnNamespace").StringOrNull() is { } keptnNamespace)
        {
            options.KeptnNamespace = keptnNamespace;
        }

        if (overrides.Field("defaultRetries") is { ValueKind: JsonValueKind.Number } retries)
        {
            options.DefaultRetries = retries.GetInt32();
        }

        if (overrides.Field("defaultTimeout").StringOrNull() is { } timeout)
        {
            options.DefaultTimeout = timeout;
        }

        return options;
    }

    private static async Task<Exchange> ExchangeAsync(KeptnTaskReviewer reviewer, string endpoint, JsonObject review)
    {
        // Through the decoder the endpoints use, so every rule case also holds its one-pass reading of objects.
        using var decoded = AdmissionReviewDecoder.Decode(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(review.ToJsonString())));
        if (decoded.Request is not { } request)
        {
            return new Exchange(null, null, decoded.Error, null, null);
        }

        AdmissionOutcome outcome;
        if (endpoint == "validate")
        {
            using var timeout = TimeBox.NewToken();
            outcome = await TimeBox.Within(reviewer.ValidateAsync(request, new LookupDeadline(timeout.Token)));
        }
        else
        {
            outcome = reviewer.Mutate(request);
        }

        var buffer = new ArrayBufferWriter<byte>();
        AdmissionReviewWriter.Write(buffer, request.ReviewVersion, request.Uid, outcome);
        var response = JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
        JsonArray? patch = null;
        if (response["response"]?["patch"] is JsonValue encoded)
        {
            patch = JsonNode.Parse(Convert.FromBase64String(encoded.GetValue<string>()))!.AsArray();
        }

        return new Exchange(request, outcome, null, response, patch);
    }

    private static void CheckExpectations(JsonElement expect, string endpoint, JsonObject review, Exchange exchange, List<string> failures)
    {
        var requestUid = review["request"]?["uid"]?.ToJsonString();
        if (expect.Field("readError").StringOrNull() is { } readError)
        {
            if (exchange.Response is not null)
            {
                failures.Add($"the reader should refuse the review (\"{readError}\"), but it was read and answered");
            }
            else if (exchange.ReadError?.Contains(readError, StringComparison.Ordinal) != true)
            {
                failures.Add($"the reader's error should contain \"{readError}\", but it is \"{exchange.ReadError}\"");
            }

            return;
        }

        if (exchange.Response is not { } wire)
        {
            failures.Add($"the reader refused the review: {exchange.ReadError}");
            return;
        }

        // The envelope of every answer: version echoed, uid echoed.
        Same(failures, "apiVersion", review["apiVersion"]?.GetValue<string>(), wire["apiVersion"]?.GetValue<string>());
        Same(failures, "kind", "AdmissionReview", wire["kind"]?.GetValue<string>());
        var response = wire["response"]!.AsObject();
        Same(failures, "response.uid", requestUid, response["uid"]?.ToJsonString());

        var allowed = expect.Field("allowed");
        if (allowed.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new FormatException("expect.allowed is required (true or false)");
        }

        Same(failures, "response.allowed", allowed.GetBoolean(), response["allowed"]?.GetValue<bool>());
        var status = response["status"];
        if (allowed.GetBoolean())
        {
            if (status is not null)
            {
                failures.Add($"an allowed answer carries no status, but it has {status.ToJsonString()}");
            }
        }
        else if (status is null)
        {
            failures.Add("a denial carries a status with code and message, but there is none");
        }
        else
        {
            var code = status["code"]?.GetValue<int>() ?? 0;
            if (code < 400)
            {
                failures.Add($"a denial's status.code is never below 400, but it is {code}");
            }

            Same(failures, "status.status", "Failure", status["status"]?.GetValue<string>());
        }

        if (expect.Field("code") is { ValueKind: JsonValueKind.Number } expectedCode)
        {
            Same(failures, "status.code", expectedCode.GetInt32(), status?["code"]?.GetValue<int>());
        }

        if (expect.Field("reason").StringOrNull() is { } reason)
        {
            Same(failures, "status.reason", reason, status?["reason"]?.GetValue<string>());
        }

        var message = status?["message"]?.GetValue<string>();
        if (expect.Field("message").StringOrNull() is { } exactMessage)
        {
            Same(failures, "status.message", exactMessage, message);
        }

        foreach (var part in Strings(expect.Field("messageContains")))
        {
            if (message?.Contains(part, StringComparison.Ordinal) != true)
            {
                failures.Add($"status.message should contain \"{part}\", but it is {Show(message)}");
            }
        }

        foreach (var part in Strings(expect.Field("messageNotContains")))
        {
            if (message?.Contains(part, StringComparison.Ordinal) == true)
            {
                failures.Add($"status.message should not contain \"{part}\", but it is {Show(message)}");
            }
        }

        CheckPatch(expect, endpoint, response, exchange.Patch, failures);
        CheckWarnings(expect, response, failures);
        CheckAuditAnnotations(expect, response, failures);
    }

    private static void CheckPatch(JsonElement expect, string endpoint, JsonObject response, JsonArray? patch, List<string> failures)
    {
        var expected = expect.Field("patch");
        if (endpoint == "validate" && !expected.IsAbsent())
        {
            throw new FormatException("expect.patch is for mutate cases; /validate never patches");
        }

        var expectedOps = expected.ValueKind == JsonValueKind.Array ? expected.EnumerateArray().Select(op => Describe(JsonNode.Parse(op.GetRawText())!)).ToList() : [];
        var actualOps = patch?.Select(op => Describe(op!)).ToList() ?? [];
        if (!expectedOps.SequenceEqual(actualOps, StringComparer.Ordinal))
        {
            failures.Add($"patch should be [{string.Join(", ", expectedOps)}], but it is [{string.Join(", ", actualOps)}]");
        }

        var patchType = response["patchType"]?.GetValue<string>();
        if (patch is { Count: > 0 } ? patchType != "JSONPatch" : patchType is not null || response["patch"] is not null)
        {
            failures.Add($"patchType is \"JSONPatch\" exactly when there is a patch, but patchType is {Show(patchType)} with patch {patch?.ToJsonString() ?? "absent"}");
        }
    }

    private static void CheckWarnings(JsonElement expect, JsonObject response, List<string> failures)
    {
        var warnings = response["warnings"]?.AsArray().Select(warning => warning!.GetValue<string>()).ToList() ?? [];
        foreach (var warning in warnings.Where(warning => warning.Length > Warnings.MaxLength))
        {
            failures.Add($"a warning has at most {Warnings.MaxLength} characters, but \"{warning}\" has {warning.Length}");
        }

        if (expect.Field("warnings") is { ValueKind: JsonValueKind.Array } exact)
        {
            var expected = Strings(exact).ToList();
            if (!expected.SequenceEqual(warnings, StringComparer.Ordinal))
            {
                failures.Add($"warnings should be [{string.Join(" | ", expected)}], but they are [{string.Join(" | ", warnings)}]");
            }
        }

        foreach (var part in Strings(expect.Field("warningsContain")))
        {
            if (!warnings.Any(warning => warning.Contains(part, StringComparison.Ordinal)))
            {
                failures.Add($"a warning should contain \"{part}\", but the warnings are [{string.Join(" | ", warnings)}]");
            }
        }
    }

    private static void CheckAuditAnnotations(JsonElement expect, JsonObject response, List<string> failures)
    {
        var expected = expect.Field("auditAnnotations");
        if (expected.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var actual = response["auditAnnotations"]?.AsObject();
        foreach (var member in expected.EnumerateObject())
        {
            var value = actual?[member.Name]?.GetValue<string>();
            if (member.Value.ValueKind == JsonValueKind.Null)
            {
                if (value is not null)
                {
                    failures.Add($"audit annotation \"{member.Name}\" should be absent, but it is \"{value}\"");
                }
            }
            else if (value?.Contains(member.Value.GetString()!, StringComparison.Ordinal) != true)
            {
                failures.Add($"audit annotation \"{member.Name}\" should contain \"{member.Value.GetString()}\", but it is {Show(value)}");
            }
        }
    }

    /// <summary>reinvocationPolicy IfNeeded: the apiserver may call again with the patched object, which must then be left alone.</summary>
    private static async Task CheckReinvocationAsync(KeptnTaskReviewer reviewer, JsonObject review, JsonArray patch, List<string> failures)
    {
        var second = review.DeepClone().AsObject();
        var request = second["request"]!.AsObject();
        var patched = request["object"]!;
        var document = JsonSerializer.Deserialize<JsonPatchDocument>(patch.ToJsonString())!;
        string? applyError = null;
        document.ApplyTo(patched, error => applyError = error.ErrorMessage);
        if (applyError is not null)
        {
            failures.Add($"the patch does not apply to the object as RFC 6902 says: {applyError}");
            return;
        }

        var exchange = await ExchangeAsync(reviewer, "mutate", second);
        if (exchange.Outcome is not { Allowed: true, Patch.Count: 0 })
        {
            failures.Add($"a second /mutate of the patched object {patched.ToJsonString(Readable)} should change nothing, but it answered {exchange.Response?.ToJsonString(Readable)}");
        }
    }

    private static JsonNode? WithTypeMeta(JsonElement element, string version)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return element.ValueKind == JsonValueKind.Undefined ? null : JsonNode.Parse(element.GetRawText());
        }

        var source = JsonNode.Parse(element.GetRawText())!.AsObject();
        if (source.ContainsKey("apiVersion") || source.ContainsKey("kind"))
        {
            return source;
        }

        var result = new JsonObject
        {
            ["apiVersion"] = $"{KeptnTaskVersion.Group}/{version}",
            ["kind"] = KeptnTaskVersion.Kind,
        };
        foreach (var (key, value) in source.ToList())
        {
            source.Remove(key);
            result[key] = value;
        }

        return result;
    }

    private static string? OptionsKindOf(string operation) => operation switch
    {
        "CREATE" => "CreateOptions",
        "UPDATE" => "UpdateOptions",
        "DELETE" => "DeleteOptions",
        _ => null,
    };

    private static string UidOf(RuleCase ruleCase) =>
        string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileNameWithoutExtension(ruleCase.File)}-{ruleCase.Index + 1:D3}-0000-4000-8000-000000000000");

    private static string Describe(JsonNode op)
    {
        var builder = new StringBuilder();
        builder.Append(op["op"]?.ToJsonString()).Append(' ').Append(op["path"]?.ToJsonString()).Append(' ').Append(op["value"]?.ToJsonString() ?? "(no value)");
        foreach (var (key, value) in op.AsObject().Where(member => member.Key is not ("op" or "path" or "value")))
        {
            builder.Append(' ').Append(key).Append('=').Append(value?.ToJsonString());
        }

        return "{" + builder + "}";
    }

    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Array => element.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText()),
        _ => [],
    };

    private static void Same<T>(List<string> failures, string what, T expected, T actual)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            failures.Add($"{what} should be {Show(expected)}, but it is {Show(actual)}");
        }
    }

    private static string Show(object? value) => value switch
    {
        null => "absent",
        string text => $"\"{text}\"",
        bool flag => flag ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "?",
    };

    private static void RequireKnownKeys(JsonElement mapping, string[] known, string what)
    {
        if (mapping.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{what} must be a mapping");
        }

        foreach (var member in mapping.EnumerateObject())
        {
            if (!known.Contains(member.Name, StringComparer.Ordinal))
            {
                throw new FormatException($"{what} has an unknown key \"{member.Name}\"; known keys: {string.Join(", ", known)}");
            }
        }
    }

    private sealed record Exchange(AdmissionRequest? Request, AdmissionOutcome? Outcome, string? ReadError, JsonObject? Response, JsonArray? Patch);
}
