using System.Buffers;
using System.Text;
using System.Text.Json;
using AdmissionWebhook.KeptnTasks;

namespace AdmissionWebhook.Admission;

/// <summary>
/// Bytes to <see cref="AdmissionRequest"/>. A well-formed review — what an apiserver sends — is read in one forward
/// pass of <see cref="SpanJsonReader"/>: the envelope's values straight from the reader, and of the object and
/// oldObject the fields the rules read (<see cref="KeptnTaskFields"/>) as the reader meets them. No document is built:
/// most of a body is managedFields and the last-applied annotation, which the pass only checks and skips, and the rules
/// read typed fields instead of looking them up in one (docs/performance.md). Anything else — text that is not JSON, a wrong type, a missing uid,
/// an escaped or repeated member name, an envelope value that is escaped or not ASCII, an unsupported apiVersion — is
/// read again by <see cref="AdmissionReviewReader"/> over the whole document, so every refusal and every "malformed"
/// answer comes from the one reader that words them.
/// </summary>
internal static class AdmissionReviewDecoder
{
    /// <summary>
    /// Decodes <paramref name="body"/>. Throws <see cref="JsonException"/> when it is not JSON, and
    /// <see cref="InvalidOperationException"/> from System.Text.Json when a string it reads is not valid Unicode.
    /// </summary>
    public static DecodedReview Decode(ReadOnlySequence<byte> body)
    {
        // Any size: a large review is large in its spec's parameters, which the pass skips (1 MB: half a document's time).
        if (TryReadInOnePass(body, out var request, out var copy))
        {
            return new DecodedReview(request, error: null, copy is null ? null : new PooledCopy(copy), readInOnePass: true);
        }

        // Not JSON, or a review the pass does not read: the document reader decides and words the answer.
        var document = JsonDocument.Parse(body, AdmissionReviewReader.DocumentOptions);
        try
        {
            var read = AdmissionReviewReader.Read(document.RootElement, out var error);
            return new DecodedReview(read, error, document, readInOnePass: false);
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The pass needs the body in one piece: a review split across the connection's buffers is copied first, into a
    /// pooled buffer that the decoded review keeps (its spec points into it) until it is disposed.
    /// </summary>
    private static bool TryReadInOnePass(ReadOnlySequence<byte> body, out AdmissionRequest request, out byte[]? copy)
    {
        copy = null;
        if (body.IsSingleSegment)
        {
            return FastPath.TryRead(body.First, out request);
        }

        copy = ArrayPool<byte>.Shared.Rent((int)body.Length);
        body.CopyTo(copy);
        if (FastPath.TryRead(copy.AsMemory(0, (int)body.Length), out request))
        {
            return true;
        }

        ArrayPool<byte>.Shared.Return(copy);
        copy = null;
        return false;
    }

    /// <summary>The pass over a well-formed review; false as soon as the review is anything else.</summary>
    private ref struct FastPath
    {
        private ReadOnlyMemory<byte> _memory;
        private ReadOnlySpan<byte> _body;
        private SpanJsonReader _reader;
        private bool _escapedName;
        private AdmissionReviewVersion? _version;
        private bool _sawRequest;
        private bool _sawKind;
        private string? _uid;
        private string? _operation;
        private string? _subResource;
        private string? _namespace;
        private string? _name;
        private bool _dryRun;
        private GroupVersionName _kind;
        private GroupVersionName _resource;
        private bool _sawObject;
        private bool _sawOldObject;
        private KeptnTaskFields? _object;
        private KeptnTaskFields? _oldObject;

        public static bool TryRead(ReadOnlyMemory<byte> memory, out AdmissionRequest request)
        {
            request = null!;
            var body = memory.Span;
            var pass = new FastPath { _memory = memory, _body = body, _reader = new SpanJsonReader(body) };
            if (!pass.ReadRoot() || pass._version is not { } version || !pass._sawRequest || string.IsNullOrEmpty(pass._uid))
            {
                return false;
            }

            // The whole body is read: anything after the review fails it, as it fails a document parse.
            while (pass._reader.Read())
            {
            }

            if (pass._reader.Failed)
            {
                return false;
            }

            request = new AdmissionRequest
            {
                Uid = pass._uid,
                ReviewVersion = version,
                Operation = pass._operation,
                Kind = pass._kind,
                Resource = pass._resource,
                SubResource = pass._subResource,
                Namespace = pass._namespace,
                Name = pass._name,
                DryRun = pass._dryRun,
                Object = pass._object,
                OldObject = pass._oldObject,
            };
            return true;
        }

        private bool ReadRoot()
        {
            if (!_reader.Read() || _reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (NextMember(out var name))
            {
                switch (name)
                {
                    case Member.ApiVersion:
                        if (!Value(JsonTokenType.String))
                        {
                            return false;
                        }

                        _version = _reader.ValueSpan.SequenceEqual(AdmissionReviewReader.V1ApiVersionUtf8) ? AdmissionReviewVersion.V1
                            : _reader.ValueSpan.SequenceEqual(AdmissionReviewReader.V1Beta1ApiVersionUtf8) ? AdmissionReviewVersion.V1Beta1
                            : null;
                        if (_version is null)
                        {
                            return false;
                        }

                        break;
                    case Member.Kind:
                        if (_sawKind || !Value(JsonTokenType.String) || !_reader.ValueSpan.SequenceEqual("AdmissionReview"u8))
                        {
                            return false;
                        }

                        _sawKind = true;
                        break;
                    case Member.Request:
                        if (_sawRequest || !Value(JsonTokenType.StartObject) || !ReadRequest())
                        {
                            return false;
                        }

                        _sawRequest = true;
                        break;
                    case Member.Unreadable:
                        return false;
                    default:
                        SkipValue();
                        break;
                }
            }

            return _reader.TokenType == JsonTokenType.EndObject;
        }

        private bool ReadRequest()
        {
            var sawKind = false;
            var sawResource = false;
            while (NextMember(out var name))
            {
                var read = name switch
                {
                    Member.Uid => Value(JsonTokenType.String) && Set(out _uid),
                    Member.Operation => OptionalString(out _operation),
                    Member.SubResource => OptionalString(out _subResource),
                    Member.Namespace => OptionalString(out _namespace),
                    Member.Name => OptionalString(out _name),
                    Member.DryRun => DryRun(),
                    Member.Kind => !sawKind && (sawKind = true) && GroupVersion(Member.Kind, out _kind),
                    Member.Resource => !sawResource && (sawResource = true) && GroupVersion(Member.Resource, out _resource),
                    Member.Object => !_sawObject && (_sawObject = true) && Object(out _object),
                    Member.OldObject => !_sawOldObject && (_sawOldObject = true) && Object(out _oldObject),
                    Member.Unreadable => false,
                    _ => SkipValue(),
                };
                if (!read)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>request.kind or request.resource: an object of strings, or null.</summary>
        private bool GroupVersion(Member nameMember, out GroupVersionName value)
        {
            value = default;
            if (!ObjectOrNull(out var isObject))
            {
                return false;
            }

            if (!isObject)
            {
                return true;
            }

            string? group = null, version = null, name = null;
            while (NextMember(out var member))
            {
                var read = member switch
                {
                    Member.Group => OptionalString(out group),
                    Member.Version => OptionalString(out version),
                    _ when member == nameMember => OptionalString(out name),
                    Member.Unreadable => false,
                    _ => SkipValue(),
                };
                if (!read)
                {
                    return false;
                }
            }

            value = new GroupVersionName(group, version, name);
            return true;
        }

        private bool Object(out KeptnTaskFields? fields)
        {
            fields = null;
            if (!ObjectOrNull(out var isObject))
            {
                return false;
            }

            if (!isObject)
            {
                return true;
            }

            fields = new KeptnTaskFields();
            return TaskMembers(fields, KeptnTaskMember.OfTask);
        }

        /// <summary>Reads the next value: false unless it is an object or null, with <paramref name="isObject"/> saying which.</summary>
        private bool ObjectOrNull(out bool isObject)
        {
            var read = _reader.Read();
            isObject = read && _reader.TokenType == JsonTokenType.StartObject;
            return isObject || (read && _reader.TokenType == JsonTokenType.Null);
        }

        /// <summary>
        /// The members of a KeptnTask object (or of one of its objects) the rules read, into <paramref name="fields"/>. False
        /// for an escaped member name or a repeated metadata, spec, context or secureParameters: the document reader reads
        /// those (a repeated object's last occurrence counts there). A repeated field counts last, as in a lookup.
        /// </summary>
        private bool TaskMembers(KeptnTaskFields fields, KeptnTaskMember[] members)
        {
            var objectsSeen = 0;
            while (NextTaskMember())
            {
                var index = IndexOfCurrentName(members);
                if (index < 0)
                {
                    if (!SkipValue())
                    {
                        return false;
                    }

                    continue;
                }

                var member = members[index];
                if (member.Members is null)
                {
                    member.Set(fields, Value());
                    continue;
                }

                var bit = 1 << index;
                if ((objectsSeen & bit) != 0 || !NextField(out var value, out var isObject, out var start) || (isObject && !TaskMembers(fields, member.Members)))
                {
                    return false;
                }

                objectsSeen |= bit;
                member.Set(fields, value);
                if (member.KeepsJson)
                {
                    fields.SetSpecJson(_memory[start.._reader.BytesConsumed]);
                }
            }

            return !_escapedName && !_reader.Failed;
        }

        /// <summary>Moves to the next member's name in a KeptnTask object; false at the end, and for an escaped name.</summary>
        private bool NextTaskMember()
        {
            if (!_reader.Read() || _reader.TokenType != JsonTokenType.PropertyName)
            {
                return false;
            }

            _escapedName = _reader.ValueIsEscaped;
            return !_escapedName;
        }

        private readonly int IndexOfCurrentName(KeptnTaskMember[] members)
        {
            var name = _reader.ValueSpan;
            for (var i = 0; i < members.Length; i++)
            {
                if (name.SequenceEqual(members[i].Name))
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>The next value as a field; a default (absent) one where the body breaks off, which fails the pass.</summary>
        private FieldValue Value()
        {
            if (NextField(out var value, out var isObject, out _) && isObject)
            {
                _reader.Skip();
            }

            return value;
        }

        /// <summary>
        /// The next value as a field. At an object the reader stays on its start, for the caller to read its members or skip
        /// it; an array is skipped. <paramref name="start"/> is where the value begins.
        /// </summary>
        private bool NextField(out FieldValue value, out bool isObject, out int start)
        {
            value = default;
            isObject = false;
            start = 0;
            if (!_reader.Read())
            {
                return false;
            }

            start = _reader.TokenStartIndex;
            var kind = KindOf(_reader.TokenType);
            isObject = kind == JsonValueKind.Object;
            if (isObject || kind == JsonValueKind.Array)
            {
                value = FieldValue.OfKind(kind);
                return isObject || _reader.Skip();
            }

            value = FieldValue.Of(kind, _body[start.._reader.BytesConsumed]);
            return true;
        }

        private static JsonValueKind KindOf(JsonTokenType token) => token switch
        {
            JsonTokenType.StartObject => JsonValueKind.Object,
            JsonTokenType.StartArray => JsonValueKind.Array,
            JsonTokenType.String => JsonValueKind.String,
            JsonTokenType.Number => JsonValueKind.Number,
            JsonTokenType.True => JsonValueKind.True,
            JsonTokenType.False => JsonValueKind.False,
            JsonTokenType.Null => JsonValueKind.Null,
            _ => JsonValueKind.Undefined,
        };

        /// <summary>Moves to the next member's name; false at the end of the object.</summary>
        private bool NextMember(out Member member)
        {
            if (!_reader.Read() || _reader.TokenType != JsonTokenType.PropertyName)
            {
                member = Member.Other;
                return false;
            }

            // An escaped name ("n\u0061me") is read by the document reader.
            member = _reader.ValueIsEscaped ? Member.Unreadable : MemberOf(_reader.ValueSpan);
            return true;
        }

        private static Member MemberOf(ReadOnlySpan<byte> name) => name.Length switch
        {
            3 when name.SequenceEqual("uid"u8) => Member.Uid,
            4 when name.SequenceEqual("kind"u8) => Member.Kind,
            4 when name.SequenceEqual("name"u8) => Member.Name,
            5 when name.SequenceEqual("group"u8) => Member.Group,
            6 when name.SequenceEqual("object"u8) => Member.Object,
            6 when name.SequenceEqual("dryRun"u8) => Member.DryRun,
            7 when name.SequenceEqual("request"u8) => Member.Request,
            7 when name.SequenceEqual("version"u8) => Member.Version,
            8 when name.SequenceEqual("resource"u8) => Member.Resource,
            9 when name.SequenceEqual("operation"u8) => Member.Operation,
            9 when name.SequenceEqual("namespace"u8) => Member.Namespace,
            9 when name.SequenceEqual("oldObject"u8) => Member.OldObject,
            10 when name.SequenceEqual("apiVersion"u8) => Member.ApiVersion,
            11 when name.SequenceEqual("subResource"u8) => Member.SubResource,
            _ => Member.Other,
        };

        /// <summary>
        /// The next value, of the expected type; a string only when it is plain ASCII: escapes, and bytes that may not be
        /// UTF-8, are the document reader's to decode (and to refuse).
        /// </summary>
        private bool Value(JsonTokenType expected) =>
            _reader.Read() && _reader.TokenType == expected && (expected != JsonTokenType.String || IsPlainAscii());

        private bool IsPlainAscii() => !_reader.ValueIsEscaped && Ascii.IsValid(_reader.ValueSpan);

        private bool Set(out string? value)
        {
            value = Encoding.ASCII.GetString(_reader.ValueSpan);
            return true;
        }

        /// <summary>A string or null, as the document reader takes both without a complaint.</summary>
        private bool OptionalString(out string? value)
        {
            value = null;
            if (!_reader.Read())
            {
                return false;
            }

            if (_reader.TokenType == JsonTokenType.String)
            {
                if (!IsPlainAscii())
                {
                    return false;
                }

                value = KnownValues.Of(_reader.ValueSpan) ?? Encoding.ASCII.GetString(_reader.ValueSpan);
                return true;
            }

            return _reader.TokenType == JsonTokenType.Null;
        }

        private bool DryRun()
        {
            if (!_reader.Read())
            {
                return false;
            }

            _dryRun = _reader.TokenType == JsonTokenType.True;
            return _reader.TokenType is JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null;
        }

        private bool SkipValue() => _reader.Read() && _reader.Skip();
    }

    private enum Member
    {
        Other,
        Unreadable,
        Uid,
        Kind,
        Name,
        Group,
        Object,
        DryRun,
        Request,
        Version,
        Resource,
        Operation,
        Namespace,
        OldObject,
        ApiVersion,
        SubResource,
    }
}

/// <summary>
/// A decoded review: the request (null with <see cref="Error"/> when the body is no AdmissionReview), and what the
/// request's spec points into besides the body: the review's document, or the pooled copy of a body that came in
/// several buffers.
/// </summary>
internal sealed class DecodedReview(AdmissionRequest? request, string? error, IDisposable? specOwner, bool readInOnePass) : IDisposable
{

    public AdmissionRequest? Request { get; } = request;

    public string? Error { get; } = error;

    /// <summary>Whether the one-pass reading took it (tests hold the apiserver's reviews to it: it is the fast way).</summary>
    public bool ReadInOnePass { get; } = readInOnePass;

    public void Dispose() => specOwner?.Dispose();
}

/// <summary>A buffer rented from the shared pool, returned once.</summary>
internal sealed class PooledCopy(byte[] buffer) : IDisposable
{
    private byte[]? _buffer = buffer;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
