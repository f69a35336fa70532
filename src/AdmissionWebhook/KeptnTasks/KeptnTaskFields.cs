using System.Runtime.InteropServices;
using System.Text.Json;
using AdmissionWebhook.Admission;

namespace AdmissionWebhook.KeptnTasks;

/// <summary>
/// What the rules and the mutation read of a KeptnTask object (request.object or request.oldObject), each field typed
/// as it was sent. The decoder's pass fills it while it reads the body, so a review needs no document of the object;
/// a review read the slow way fills it from its document (<see cref="From"/>). A field under a parent that is no object
/// is absent, as a lookup would find it. Where a member is repeated, the last one counts, as in a document lookup.
/// </summary>
internal sealed class KeptnTaskFields
{
    public FieldValue ApiVersion { get; set; }

    public FieldValue Kind { get; set; }

    public FieldValue Metadata { get; set; }

    public FieldValue Name { get; set; }

    public FieldValue GenerateName { get; set; }

    public FieldValue Namespace { get; set; }

    public FieldValue DeletionTimestamp { get; set; }

    public FieldValue Spec { get; set; }

    /// <summary>
    /// The spec's raw JSON, for an UPDATE's comparison with the stored spec; empty when spec is absent. The pass gives a
    /// slice of the body; the slow way the spec's element in the review's document (<see cref="From"/>), not a copy:
    /// the spec is where a large review is large.
    /// </summary>
    public ReadOnlySpan<byte> SpecJson => _specElement.ValueKind != JsonValueKind.Undefined ? JsonMarshal.GetRawUtf8Value(_specElement) : _specJson.Span;

    private ReadOnlyMemory<byte> _specJson;
    private JsonElement _specElement;

    public FieldValue TaskDefinition { get; set; }

    public FieldValue CheckType { get; set; }

    public FieldValue Retries { get; set; }

    public FieldValue Timeout { get; set; }

    /// <summary>spec.app and spec.workload: v1alpha names the context's appName and workloadName fall back to.</summary>
    public FieldValue App { get; set; }

    public FieldValue Workload { get; set; }

    public FieldValue Context { get; set; }

    public FieldValue AppName { get; set; }

    public FieldValue AppVersion { get; set; }

    public FieldValue WorkloadName { get; set; }

    public FieldValue WorkloadVersion { get; set; }

    public FieldValue ObjectType { get; set; }

    public FieldValue TaskType { get; set; }

    public FieldValue SecureParameters { get; set; }

    public FieldValue Secret { get; set; }

    /// <summary>The fields of a KeptnTask object read from its document (the slow way, the offline review command).</summary>
    public static KeptnTaskFields From(JsonElement task)
    {
        var fields = new KeptnTaskFields();
        fields.Read(task, KeptnTaskMember.OfTask);
        return fields;
    }

    /// <summary>
    /// Whether the spec equals <paramref name="other"/>'s, member order aside, as the apiserver's own comparison of stored
    /// objects goes: an UPDATE that leaves the spec alone. A missing spec and a null one are the same (the apiserver
    /// stores neither). Only UPDATEs ask, so only they parse the two specs.
    /// </summary>
    public bool SpecEquals(KeptnTaskFields other)
    {
        if (Spec.IsAbsent || other.Spec.IsAbsent)
        {
            return Spec.IsAbsent && other.Spec.IsAbsent;
        }

        using var mine = SpecDocument();
        using var theirs = other.SpecDocument();
        return JsonElement.DeepEquals(mine?.RootElement ?? _specElement, theirs?.RootElement ?? other._specElement);
    }

    /// <summary>The pass saw where the spec lies in the body: <paramref name="json"/> stays valid while the request is reviewed.</summary>
    public void SetSpecJson(ReadOnlyMemory<byte> json) => _specJson = json;

    /// <summary>A document of the spec the pass read, or null when the spec is an element already.</summary>
    private JsonDocument? SpecDocument() =>
        _specElement.ValueKind == JsonValueKind.Undefined ? JsonDocument.Parse(_specJson, AdmissionReviewReader.DocumentOptions) : null;

    /// <summary>
    /// The members of <paramref name="parent"/> the rules read, each by its last occurrence as a lookup finds it. Names are
    /// compared here, not looked up: a lookup unescapes every escaped name on the way and throws at one that is not valid
    /// Unicode, which no rule would have read.
    /// </summary>
    private void Read(JsonElement parent, KeptnTaskMember[] members)
    {
        var values = new JsonElement[members.Length];
        if (parent.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in parent.EnumerateObject())
            {
                var index = IndexOf(members, property);
                if (index >= 0)
                {
                    values[index] = property.Value;
                }
            }
        }

        for (var i = 0; i < members.Length; i++)
        {
            var (member, value) = (members[i], values[i]);
            member.Set(this, Of(value));
            if (member.Members is { } inner && value.ValueKind == JsonValueKind.Object)
            {
                Read(value, inner);
            }

            if (member.KeepsJson)
            {
                _specElement = value;
            }
        }
    }

    private static int IndexOf(KeptnTaskMember[] members, JsonProperty property)
    {
        var name = JsonMarshal.GetRawUtf8PropertyName(property);
        var escaped = name.IndexOf((byte)'\\') >= 0;
        for (var i = 0; i < members.Length; i++)
        {
            if (escaped ? EscapedNameIs(property, members[i].Name) : name.SequenceEqual(members[i].Name))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool EscapedNameIs(JsonProperty property, byte[] name)
    {
        try
        {
            return property.NameEquals(name);
        }
        catch (InvalidOperationException)
        {
            // Not valid Unicode, so none of the names above.
            return false;
        }
    }

    private static FieldValue Of(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String or JsonValueKind.Number => FieldValue.Of(value.ValueKind, JsonMarshal.GetRawUtf8Value(value)),
        _ => FieldValue.OfKind(value.ValueKind),
    };
}
