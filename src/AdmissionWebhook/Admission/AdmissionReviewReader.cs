using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using AdmissionWebhook.KeptnTasks;

namespace AdmissionWebhook.Admission;

/// <summary>
/// Decodes an AdmissionReview from its document without binding it to a model: the envelope fields, and of the objects
/// the fields the rules read.
/// </summary>
internal static class AdmissionReviewReader
{
    public const string V1ApiVersion = "admission.k8s.io/v1";
    public const string V1Beta1ApiVersion = "admission.k8s.io/v1beta1";

    public static ReadOnlySpan<byte> V1ApiVersionUtf8 => "admission.k8s.io/v1"u8;

    public static ReadOnlySpan<byte> V1Beta1ApiVersionUtf8 => "admission.k8s.io/v1beta1"u8;

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 256 };

    /// <summary>
    /// Reads the request of the review in <paramref name="root"/>. Returns null with <paramref name="error"/> set when the
    /// body is not an AdmissionReview at all (an HTTP 400); a review with a uid but mistyped fields comes back with
    /// <see cref="AdmissionRequest.MalformedReason"/> so the answer can still echo the uid.
    /// </summary>
    public static AdmissionRequest? Read(JsonElement root, out string? error)
    {
        error = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = $"the body is {root.Describe()}, not an AdmissionReview object";
            return null;
        }

        var apiVersion = root.Field("apiVersion"u8);
        AdmissionReviewVersion version;
        if (apiVersion.ValueKind == JsonValueKind.String && apiVersion.ValueEquals(V1ApiVersion))
        {
            version = AdmissionReviewVersion.V1;
        }
        else if (apiVersion.ValueKind == JsonValueKind.String && apiVersion.ValueEquals(V1Beta1ApiVersion))
        {
            version = AdmissionReviewVersion.V1Beta1;
        }
        else
        {
            error = apiVersion.ValueKind == JsonValueKind.String
                ? $"apiVersion \"{Shorten(apiVersion.GetString()!)}\" is not supported; send {V1ApiVersion} or {V1Beta1ApiVersion}"
                : $"apiVersion is {apiVersion.Describe()}; an AdmissionReview has apiVersion {V1ApiVersion} or {V1Beta1ApiVersion}";
            return null;
        }

        var kind = root.Field("kind"u8);
        if (!kind.IsAbsent() && !(kind.ValueKind == JsonValueKind.String && kind.ValueEquals("AdmissionReview")))
        {
            error = $"kind must be AdmissionReview, not {DescribeValue(kind)}";
            return null;
        }

        var request = root.Field("request"u8);
        if (request.ValueKind != JsonValueKind.Object)
        {
            error = $"request is {request.Describe()}; an AdmissionReview sent to a webhook carries a request object";
            return null;
        }

        var members = RequestMembers.Of(request);
        var uid = members.Uid;
        if (uid.ValueKind != JsonValueKind.String || uid.ValueEquals(string.Empty))
        {
            error = $"request.uid is {(uid.ValueKind == JsonValueKind.String ? "empty" : uid.Describe())}; it must be the non-empty string the answer echoes";
            return null;
        }

        var problems = new FieldTypeProblems();
        var answer = new AdmissionRequest
        {
            Uid = uid.GetString()!,
            ReviewVersion = version,
            Operation = problems.String(members.Operation, "operation"u8),
            Kind = ReadGroupVersion(members.Kind, "kind", "kind"u8, problems),
            Resource = ReadGroupVersion(members.Resource, "resource", "resource"u8, problems),
            SubResource = problems.String(members.SubResource, "subResource"u8),
            Namespace = problems.String(members.Namespace, "namespace"u8),
            Name = problems.String(members.Name, "name"u8),
            DryRun = problems.Boolean(members.DryRun, "dryRun"u8),
            Object = TaskFields(problems.Object(members.Object, "object"u8)),
            OldObject = TaskFields(problems.Object(members.OldObject, "oldObject"u8)),
        };

        return problems.First is null ? answer : answer with { MalformedReason = problems.First };
    }

    private static KeptnTaskFields? TaskFields(JsonElement value) =>
        value.ValueKind == JsonValueKind.Object ? KeptnTaskFields.From(value) : null;

    /// <summary>request.kind or request.resource (named <paramref name="field"/>, whose name field has the same name).</summary>
    private static GroupVersionName ReadGroupVersion(JsonElement value, string field, ReadOnlySpan<byte> utf8Field, FieldTypeProblems problems)
    {
        var element = problems.Object(value, utf8Field);
        if (element.ValueKind != JsonValueKind.Object)
        {
            return default;
        }

        return new GroupVersionName(
            problems.String(element.Field("group"u8), "group"u8, field),
            problems.String(element.Field("version"u8), "version"u8, field),
            problems.String(element.Field(utf8Field), utf8Field, field));
    }

    /// <summary>
    /// The members of request the answer needs, found in one walk over it instead of a lookup each (the request holds a
    /// dozen members, the object among them); a repeated name is read as its last occurrence, as a lookup reads it.
    /// </summary>
    private struct RequestMembers
    {
        public JsonElement Uid, Operation, Kind, Resource, SubResource, Namespace, Name, DryRun, Object, OldObject;

        public static RequestMembers Of(JsonElement request)
        {
            var members = default(RequestMembers);
            foreach (var member in request.EnumerateObject())
            {
                var name = JsonMarshal.GetRawUtf8PropertyName(member);
                if (name.Contains((byte)'\\'))
                {
                    // An escaped name ("n\u0061me") means the same member; no apiserver writes one, so it takes the slow way. A
                    // lone surrogate escape throws from System.Text.Json here, as a lookup did: the endpoint answers 400.
                    name = Encoding.UTF8.GetBytes(member.Name);
                }

                members.Set(name, member.Value);
            }

            return members;
        }

        private void Set(ReadOnlySpan<byte> name, JsonElement value)
        {
            switch (name.Length)
            {
                case 3 when name.SequenceEqual("uid"u8): Uid = value; break;
                case 4 when name.SequenceEqual("kind"u8): Kind = value; break;
                case 4 when name.SequenceEqual("name"u8): Name = value; break;
                case 6 when name.SequenceEqual("object"u8): Object = value; break;
                case 6 when name.SequenceEqual("dryRun"u8): DryRun = value; break;
                case 8 when name.SequenceEqual("resource"u8): Resource = value; break;
                case 9 when name.SequenceEqual("operation"u8): Operation = value; break;
                case 9 when name.SequenceEqual("namespace"u8): Namespace = value; break;
                case 9 when name.SequenceEqual("oldObject"u8): OldObject = value; break;
                case 11 when name.SequenceEqual("subResource"u8): SubResource = value; break;
            }
        }
    }

    private static string DescribeValue(JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? $"\"{Shorten(element.GetString()!)}\"" : element.Describe();

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..61] + "...";

    /// <summary>Collects the first field (named for the message) whose JSON type is wrong, reading the rest as absent.</summary>
    private sealed class FieldTypeProblems
    {
        public string? First { get; private set; }

        public string? String(JsonElement value, ReadOnlySpan<byte> name, string? parentPath = null)
        {
            if (value.ValueKind == JsonValueKind.String)
            {
                return value.GetString();
            }

            Expect(value, parentPath, name, "a string");
            return null;
        }

        public bool Boolean(JsonElement value, ReadOnlySpan<byte> name)
        {
            if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                return value.GetBoolean();
            }

            Expect(value, null, name, "a boolean");
            return false;
        }

        public JsonElement Object(JsonElement value, ReadOnlySpan<byte> name)
        {
            if (value.ValueKind == JsonValueKind.Object)
            {
                return value;
            }

            Expect(value, null, name, "an object");
            return default;
        }

        private void Expect(JsonElement value, string? parentPath, ReadOnlySpan<byte> name, string expected)
        {
            if (!value.IsAbsent() && First is null)
            {
                First = $"request.{(parentPath is null ? string.Empty : parentPath + ".")}{Encoding.UTF8.GetString(name)} must be {expected}, not {value.Describe()}";
            }
        }
    }
}
