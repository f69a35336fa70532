using System.Buffers;
using System.Text;
using System.Text.Json;
using AdmissionWebhook.KeptnTasks;

namespace AdmissionWebhook.Admission;

/// <summary>
/// Bytes to <see cref="AdmissionRequest"/>. A well-formed review — what an apiserver sends — is read in one forward
/// pass of <see cref="SpanJsonReader"/>: the envelope's values straight from the reader, and of the object and
/// oldObject only what the rules read (apiVersion, kind, spec and four metadata fields) copied into a small document.
/// That skips building a document of the whole body, most of which is managedFields and the last-applied annotation
/// (a review's largest cost, docs/performance.md). Anything else — text that is not JSON, a wrong type, a missing uid,
/// an escaped or repeated member name, an envelope value that is escaped or not ASCII, an unsupported apiVersion — is
/// read again by <see cref="AdmissionReviewReader"/> over the whole document, so every refusal and every "malformed"
/// answer comes from the one reader that words them.
/// </summary>
internal static class AdmissionReviewDecoder
{
    /// <summary>
    /// Bodies beyond this (a task with a large inline parameter map) are parsed once as a document: the pass would read
    /// their spec twice, once to skip it and once into the small document (a 1 MB review took half as long again).
    /// </summary>
    private const int OnePassLimitBytes = 64 * 1024;

    /// <summary>
    /// Decodes <paramref name="body"/>. Throws <see cref="JsonException"/> when it is not JSON, and
    /// <see cref="InvalidOperationException"/> from System.Text.Json when a string it reads is not valid Unicode.
    /// </summary>
    public static DecodedReview Decode(ReadOnlySequence<byte> body)
    {
        if (body.Length <= OnePassLimitBytes && TryReadInOnePass(body, out var request, out var objects))
        {
            return new DecodedReview(request, error: null, objects, readInOnePass: true);
        }

        // Not JSON, or a review the pass does not read: the document reader decides and words the answer.
        var document = JsonDocument.Parse(body, AdmissionReviewReader.DocumentOptions);
        try
        {
            var read = AdmissionReviewReader.Read(document.RootElement, out var error);
            return new DecodedReview(read, error, new ObjectsDocument(document, rented: null), readInOnePass: false);
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    /// <summary>The pass needs the body in one piece: a review split across the connection's buffers is copied first.</summary>
    private static bool TryReadInOnePass(ReadOnlySequence<byte> body, out AdmissionRequest request, out ObjectsDocument? objects)
    {
        if (body.IsSingleSegment)
        {
            return FastPath.TryRead(body.FirstSpan, out request, out objects);
        }

        var copy = ArrayPool<byte>.Shared.Rent((int)body.Length);
        try
        {
            body.CopyTo(copy);
            return FastPath.TryRead(copy.AsSpan(0, (int)body.Length), out request, out objects);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <summary>The pass over a well-formed review; false as soon as the review is anything else.</summary>
    private ref struct FastPath
    {
        private SpanJsonReader _reader;
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
        private ObjectParts _object;
        private ObjectParts _oldObject;

        public static bool TryRead(ReadOnlySpan<byte> body, out AdmissionRequest request, out ObjectsDocument? objects)
        {
            request = null!;
            objects = null;
            var pass = new FastPath { _reader = new SpanJsonReader(body) };
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

            objects = ObjectsDocument.From(body, pass._object, pass._oldObject);
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
                Object = objects?.Root.Field("o"u8) ?? default,
                OldObject = objects?.Root.Field("p"u8) ?? default,
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
                    Member.Object => !_object.Seen && Object(ref _object),
                    Member.OldObject => !_oldObject.Seen && Object(ref _oldObject),
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

        private bool Object(ref ObjectParts parts)
        {
            parts.Seen = true;
            if (!ObjectOrNull(out var isObject))
            {
                return false;
            }

            parts.Present = isObject;
            return !isObject || Members(ref parts, inMetadata: false);
        }

        /// <summary>Reads the next value: false unless it is an object or null, with <paramref name="isObject"/> saying which.</summary>
        private bool ObjectOrNull(out bool isObject)
        {
            var read = _reader.Read();
            isObject = read && _reader.TokenType == JsonTokenType.StartObject;
            return isObject || (read && _reader.TokenType == JsonTokenType.Null);
        }

        private bool Metadata(ref ObjectParts parts)
        {
            if (!_reader.Read())
            {
                return false;
            }

            if (_reader.TokenType != JsonTokenType.StartObject)
            {
                return RawCurrent(out parts.Metadata);
            }

            parts.MetadataIsObject = true;
            return Members(ref parts, inMetadata: true);
        }

        /// <summary>The members of an object (or of its metadata) that the rules read; false for a repeated metadata.</summary>
        private bool Members(ref ObjectParts parts, bool inMetadata)
        {
            while (NextMember(out var member))
            {
                var read = (inMetadata, member) switch
                {
                    (false, Member.ApiVersion) => Keep(out parts.ApiVersion),
                    (false, Member.Kind) => Keep(out parts.Kind),
                    (false, Member.Spec) => Keep(out parts.Spec),
                    (false, Member.Metadata) => !parts.MetadataSeen && (parts.MetadataSeen = true) && Metadata(ref parts),
                    (true, Member.Name) => Keep(out parts.Name),
                    (true, Member.GenerateName) => Keep(out parts.GenerateName),
                    (true, Member.Namespace) => Keep(out parts.Namespace),
                    (true, Member.DeletionTimestamp) => Keep(out parts.DeletionTimestamp),
                    (_, Member.Unreadable) => false,
                    _ => SkipValue(),
                };
                if (!read)
                {
                    return false;
                }
            }

            return true;
        }

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
            4 when name.SequenceEqual("spec"u8) => Member.Spec,
            5 when name.SequenceEqual("group"u8) => Member.Group,
            6 when name.SequenceEqual("object"u8) => Member.Object,
            6 when name.SequenceEqual("dryRun"u8) => Member.DryRun,
            7 when name.SequenceEqual("request"u8) => Member.Request,
            7 when name.SequenceEqual("version"u8) => Member.Version,
            8 when name.SequenceEqual("resource"u8) => Member.Resource,
            8 when name.SequenceEqual("metadata"u8) => Member.Metadata,
            9 when name.SequenceEqual("operation"u8) => Member.Operation,
            9 when name.SequenceEqual("namespace"u8) => Member.Namespace,
            9 when name.SequenceEqual("oldObject"u8) => Member.OldObject,
            10 when name.SequenceEqual("apiVersion"u8) => Member.ApiVersion,
            11 when name.SequenceEqual("subResource"u8) => Member.SubResource,
            12 when name.SequenceEqual("generateName"u8) => Member.GenerateName,
            17 when name.SequenceEqual("deletionTimestamp"u8) => Member.DeletionTimestamp,
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

                value = KnownValue(_reader.ValueSpan) ?? Encoding.ASCII.GetString(_reader.ValueSpan);
                return true;
            }

            return _reader.TokenType == JsonTokenType.Null;
        }

        /// <summary>The values every KeptnTask review repeats, as constants instead of a new string each time.</summary>
        private static string? KnownValue(ReadOnlySpan<byte> value) => value.Length switch
        {
            2 when value.SequenceEqual("v1"u8) => "v1",
            6 when value.SequenceEqual("CREATE"u8) => "CREATE",
            6 when value.SequenceEqual("UPDATE"u8) => "UPDATE",
            6 when value.SequenceEqual("DELETE"u8) => "DELETE",
            7 when value.SequenceEqual("v1beta1"u8) => "v1beta1",
            8 when value.SequenceEqual("v1alpha1"u8) => "v1alpha1",
            8 when value.SequenceEqual("v1alpha2"u8) => "v1alpha2",
            8 when value.SequenceEqual("v1alpha3"u8) => "v1alpha3",
            9 when value.SequenceEqual("KeptnTask"u8) => KeptnTaskVersion.Kind,
            10 when value.SequenceEqual("keptntasks"u8) => KeptnTaskVersion.Resource,
            18 when value.SequenceEqual("lifecycle.keptn.sh"u8) => KeptnTaskVersion.Group,
            _ => null,
        };

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

        /// <summary>Where the next value lies, to copy it into the small document.</summary>
        private bool Keep(out RawRange range)
        {
            range = default;
            return _reader.Read() && RawCurrent(out range);
        }

        private bool RawCurrent(out RawRange range)
        {
            var start = _reader.TokenStartIndex;
            var skipped = _reader.Skip();
            range = new RawRange(start, _reader.BytesConsumed);
            return skipped;
        }
    }

    private enum Member
    {
        Other,
        Unreadable,
        Uid,
        Kind,
        Name,
        Spec,
        Group,
        Object,
        DryRun,
        Request,
        Version,
        Resource,
        Metadata,
        Operation,
        Namespace,
        OldObject,
        ApiVersion,
        SubResource,
        GenerateName,
        DeletionTimestamp,
    }

    /// <summary>Where a value lies in the body; empty when the member was absent.</summary>
    internal readonly record struct RawRange(int Start, int End)
    {
        public bool IsPresent => End > Start;

        public int Length => End - Start;
    }

    /// <summary>The members of request.object (or oldObject) the rules read, as ranges of the body.</summary>
    internal struct ObjectParts
    {
        public bool Seen;
        public bool Present;
        public bool MetadataSeen;
        public bool MetadataIsObject;
        public RawRange ApiVersion, Kind, Spec, Metadata, Name, GenerateName, Namespace, DeletionTimestamp;

        public readonly int MaxLength =>
            64 + ApiVersion.Length + Kind.Length + Spec.Length + Metadata.Length + 64 + Name.Length + GenerateName.Length + Namespace.Length + DeletionTimestamp.Length;
    }

    /// <summary>
    /// The document the request's objects point into, and the pooled buffer under it. Small for a review read in one
    /// pass (<c>{"o":{…},"p":{…}}</c>), the whole body's document otherwise.
    /// </summary>
    internal sealed class ObjectsDocument : IDisposable
    {
        private readonly JsonDocument _document;
        private byte[]? _rented;

        public ObjectsDocument(JsonDocument document, byte[]? rented)
        {
            _document = document;
            _rented = rented;
        }

        public JsonElement Root => _document.RootElement;

        internal static ObjectsDocument? From(ReadOnlySpan<byte> body, in ObjectParts @object, in ObjectParts oldObject)
        {
            if (!@object.Present && !oldObject.Present)
            {
                return null;
            }

            var rented = ArrayPool<byte>.Shared.Rent(16 + @object.MaxLength + oldObject.MaxLength);
            var writer = new RawWriter(rented, body);
            writer.Write("{"u8);
            var first = true;
            writer.Member(ref first, "\"o\":"u8, @object);
            writer.Member(ref first, "\"p\":"u8, oldObject);
            writer.Write("}"u8);
            try
            {
                return new ObjectsDocument(JsonDocument.Parse(rented.AsMemory(0, writer.Length), AdmissionReviewReader.DocumentOptions), rented);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(rented);
                throw;
            }
        }

        public void Dispose()
        {
            _document.Dispose();
            if (_rented is { } rented)
            {
                _rented = null;
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Writes the small document from ranges of the body.</summary>
    private ref struct RawWriter(byte[] buffer, ReadOnlySpan<byte> body)
    {
        private readonly ReadOnlySpan<byte> _body = body;

        public int Length { get; private set; }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(buffer.AsSpan(Length));
            Length += bytes.Length;
        }

        public void Member(ref bool first, ReadOnlySpan<byte> name, in ObjectParts parts)
        {
            if (!parts.Present)
            {
                return;
            }

            Separator(ref first);
            Write(name);
            Write("{"u8);
            var inner = true;
            Member(ref inner, "\"apiVersion\":"u8, parts.ApiVersion);
            Member(ref inner, "\"kind\":"u8, parts.Kind);
            if (parts.MetadataIsObject)
            {
                Separator(ref inner);
                Write("\"metadata\":{"u8);
                var field = true;
                Member(ref field, "\"name\":"u8, parts.Name);
                Member(ref field, "\"generateName\":"u8, parts.GenerateName);
                Member(ref field, "\"namespace\":"u8, parts.Namespace);
                Member(ref field, "\"deletionTimestamp\":"u8, parts.DeletionTimestamp);
                Write("}"u8);
            }
            else
            {
                Member(ref inner, "\"metadata\":"u8, parts.Metadata);
            }

            Member(ref inner, "\"spec\":"u8, parts.Spec);
            Write("}"u8);
        }

        private void Member(ref bool first, ReadOnlySpan<byte> name, RawRange value)
        {
            if (!value.IsPresent)
            {
                return;
            }

            Separator(ref first);
            Write(name);
            _body.Slice(value.Start, value.Length).CopyTo(buffer.AsSpan(Length));
            Length += value.Length;
        }

        private void Separator(ref bool first)
        {
            if (!first)
            {
                Write(","u8);
            }

            first = false;
        }
    }
}

/// <summary>A decoded review: the request (null with <see cref="Error"/> when the body is no AdmissionReview) and the document its objects point into.</summary>
internal sealed class DecodedReview(AdmissionRequest? request, string? error, AdmissionReviewDecoder.ObjectsDocument? objects, bool readInOnePass) : IDisposable
{
    public AdmissionRequest? Request { get; } = request;

    public string? Error { get; } = error;

    /// <summary>Whether the one-pass reading took it (tests hold the apiserver's reviews to it: it is the fast way).</summary>
    public bool ReadInOnePass { get; } = readInOnePass;

    public void Dispose() => objects?.Dispose();
}
