using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.Json;

namespace AdmissionWebhook.Admission;

/// <summary>
/// A forward-only JSON tokenizer over one span, for the one-pass review decoder. It accepts what
/// <see cref="Utf8JsonReader"/> with the document reader's options accepts (RFC 8259: no comments, no trailing commas,
/// control characters only escaped, one value, depth at most 64; like it, it does not check that the bytes inside a
/// string are UTF-8 — whoever decodes a string does), and stops, <see cref="Failed"/>, at anything else: the caller
/// then leaves the body to the document reader, which words the refusal. SpanJsonReaderTests hold the two readers to
/// the same tokens. Strings are scanned 16 bytes at a time, and <see cref="Skip"/> runs without making tokens: over a
/// captured review 1.3 µs against <see cref="Utf8JsonReader"/>'s 1.9-2.0 µs (docs/performance.md).
/// </summary>
internal ref struct SpanJsonReader
{
    public const int MaxDepth = 64;

    private readonly ReadOnlySpan<byte> _json;
    private int _position;
    private int _depth;

    // Bit d set: the container at depth d + 1 is an object.
    private ulong _objects;
    private Expect _expect;
    private int _valueStart;
    private int _valueLength;

    public SpanJsonReader(ReadOnlySpan<byte> json) => _json = json;

    private enum Expect : byte
    {
        Value,
        FirstMember,
        FirstItem,
        Separator,
        End,
    }

    public JsonTokenType TokenType { get; private set; }

    /// <summary>True once the reader met something it does not accept; every later <see cref="Read"/> is false.</summary>
    public bool Failed { get; private set; }

    /// <summary>A string's or property name's bytes between the quotes, a number's or literal's bytes, or the bracket.</summary>
    public readonly ReadOnlySpan<byte> ValueSpan => _json.Slice(_valueStart, _valueLength);

    /// <summary>Whether <see cref="ValueSpan"/> holds an escape sequence (a backslash).</summary>
    public bool ValueIsEscaped { get; private set; }

    /// <summary>Where the current token starts: a string's or property name's opening quote.</summary>
    public int TokenStartIndex { get; private set; }

    /// <summary>Bytes read so far: the end of the current token (after a property name, its colon).</summary>
    public readonly int BytesConsumed => _position;

    /// <summary>Moves to the next token; false at the end of the JSON or when <see cref="Failed"/>.</summary>
    public bool Read()
    {
        if (Failed)
        {
            return false;
        }

        // The span and position in locals: kept in registers, where fields of this ref struct would be read from memory.
        var json = _json;
        var p = SkipWhitespace(json, _position);
        switch (_expect)
        {
            case Expect.Value:
                return ReadValue(json, p);
            case Expect.FirstMember:
                return p < json.Length && json[p] == (byte)'}' ? Close(p, JsonTokenType.EndObject) : ReadPropertyName(json, p);
            case Expect.FirstItem:
                return p < json.Length && json[p] == (byte)']' ? Close(p, JsonTokenType.EndArray) : ReadValue(json, p);
            case Expect.Separator:
                return ReadAfterValue(json, p);
            default:
                // The one value is read; only whitespace may follow.
                return p == json.Length ? false : Fail();
        }
    }

    /// <summary>
    /// From a <see cref="JsonTokenType.StartObject"/> or <see cref="JsonTokenType.StartArray"/>, reads to its end; on
    /// any other token it stays. False when the JSON fails on the way. Most of a review is skipped (managedFields, the
    /// last-applied annotation), so this is <see cref="Read"/>'s grammar again as one loop over locals, without a token
    /// per step; SpanJsonReaderTests hold the two to the same answers.
    /// </summary>
    public bool Skip()
    {
        if (Failed || TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return !Failed;
        }

        var json = _json;
        var p = SkipWhitespace(json, _position);
        var (depth, objects, start) = (_depth, _objects, _depth);
        var inObject = TokenType == JsonTokenType.StartObject;
        if (p < json.Length && json[p] == Closer(inObject))
        {
            goto Close;
        }

    Next:
        if (inObject)
        {
            if ((p = AfterName(json, p, out _, out _)) < 0)
            {
                return Fail();
            }

            p = SkipWhitespace(json, p);
        }

        if (p >= json.Length)
        {
            return Fail();
        }

        if (json[p] is (byte)'{' or (byte)'[')
        {
            if (depth == MaxDepth)
            {
                return Fail();
            }

            inObject = json[p] == (byte)'{';
            objects = inObject ? objects | (1UL << depth) : objects & ~(1UL << depth);
            depth++;
            p = SkipWhitespace(json, p + 1);
            if (p < json.Length && json[p] == Closer(inObject))
            {
                goto Close;
            }

            goto Next;
        }

        if ((p = ScalarEnd(json, p, out _, out _)) < 0)
        {
            return Fail();
        }

    AfterValue:
        p = SkipWhitespace(json, p);
        if (p >= json.Length)
        {
            return Fail();
        }

        if (json[p] == (byte)',')
        {
            p = SkipWhitespace(json, p + 1);
            goto Next;
        }

        if (json[p] != Closer(inObject))
        {
            return Fail();
        }

    Close:
        depth--;
        p++;
        if (depth >= start)
        {
            inObject = (objects & (1UL << (depth - 1))) != 0;
            goto AfterValue;
        }

        (_depth, _objects) = (depth, objects);
        Token(p - 1, p - 1, 1, p, escaped: false);
        TokenType = inObject ? JsonTokenType.EndObject : JsonTokenType.EndArray;
        _expect = depth == 0 ? Expect.End : Expect.Separator;
        return true;
    }

    private bool ReadAfterValue(ReadOnlySpan<byte> json, int p)
    {
        if (p >= json.Length)
        {
            return Fail();
        }

        var inObject = (_objects & (1UL << (_depth - 1))) != 0;
        var next = json[p];
        if (next == (byte)',')
        {
            p = SkipWhitespace(json, p + 1);
            return inObject ? ReadPropertyName(json, p) : ReadValue(json, p);
        }

        return next == Closer(inObject)
            ? Close(p, inObject ? JsonTokenType.EndObject : JsonTokenType.EndArray)
            : Fail();
    }

    private bool Close(int p, JsonTokenType type)
    {
        _depth--;
        Token(p, p, 1, p + 1, escaped: false);
        TokenType = type;
        _expect = _depth == 0 ? Expect.End : Expect.Separator;
        return true;
    }

    private bool ReadPropertyName(ReadOnlySpan<byte> json, int p)
    {
        var valueStart = AfterName(json, p, out var end, out var escaped);
        if (valueStart < 0)
        {
            return Fail();
        }

        Token(p, p + 1, end - p - 2, valueStart, escaped);
        TokenType = JsonTokenType.PropertyName;
        _expect = Expect.Value;
        return true;
    }

    private bool ReadValue(ReadOnlySpan<byte> json, int p)
    {
        if (p >= json.Length)
        {
            return Fail();
        }

        if (json[p] is (byte)'{' or (byte)'[')
        {
            return Open(p, json[p] == (byte)'{' ? JsonTokenType.StartObject : JsonTokenType.StartArray);
        }

        var end = ScalarEnd(json, p, out var type, out var escaped);
        if (end < 0)
        {
            return Fail();
        }

        var quote = type == JsonTokenType.String ? 1 : 0;
        Token(p, p + quote, end - p - (2 * quote), end, escaped);
        TokenType = type;
        _expect = _depth == 0 ? Expect.End : Expect.Separator;
        return true;
    }

    private bool Open(int p, JsonTokenType type)
    {
        if (_depth == MaxDepth)
        {
            return Fail();
        }

        var bit = 1UL << _depth;
        _objects = type == JsonTokenType.StartObject ? _objects | bit : _objects & ~bit;
        _depth++;
        Token(p, p, 1, p + 1, escaped: false);
        TokenType = type;
        _expect = type == JsonTokenType.StartObject ? Expect.FirstMember : Expect.FirstItem;
        return true;
    }

    /// <summary>
    /// Where the member name whose quote is at <paramref name="p"/>, and the colon after it, end: where the member's
    /// value may start; -1 when there is no name and colon. <paramref name="nameEnd"/> is after the name's closing quote.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AfterName(ReadOnlySpan<byte> json, int p, out int nameEnd, out bool escaped)
    {
        (nameEnd, escaped) = (-1, false);
        if (p >= json.Length || json[p] != (byte)'"' || (nameEnd = StringEnd(json, p, out escaped)) < 0)
        {
            return -1;
        }

        var colon = SkipWhitespace(json, nameEnd);
        return colon < json.Length && json[colon] == (byte)':' ? colon + 1 : -1;
    }

    /// <summary>Where the string, number, true, false or null starting at <paramref name="p"/> ends; -1 when it is none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ScalarEnd(ReadOnlySpan<byte> json, int p, out JsonTokenType type, out bool escaped)
    {
        escaped = false;
        switch (json[p])
        {
            case (byte)'"':
                type = JsonTokenType.String;
                return StringEnd(json, p, out escaped);
            case (byte)'t':
                type = JsonTokenType.True;
                return json[p..].StartsWith("true"u8) ? p + 4 : -1;
            case (byte)'f':
                type = JsonTokenType.False;
                return json[p..].StartsWith("false"u8) ? p + 5 : -1;
            case (byte)'n':
                type = JsonTokenType.Null;
                return json[p..].StartsWith("null"u8) ? p + 4 : -1;
            default:
                type = JsonTokenType.Number;
                return NumberEnd(json, p);
        }
    }

    private static byte Closer(bool inObject) => inObject ? (byte)'}' : (byte)']';

    /// <summary>Where a JSON number starting at <paramref name="p"/> ends: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?; -1 when it is none.</summary>
    private static int NumberEnd(ReadOnlySpan<byte> json, int p)
    {
        if (json[p] == (byte)'-')
        {
            p++;
        }

        if (p < json.Length && json[p] == (byte)'0')
        {
            p++;
        }
        else if (!Digits(json, ref p))
        {
            return -1;
        }

        if (p < json.Length && json[p] == (byte)'.')
        {
            p++;
            if (!Digits(json, ref p))
            {
                return -1;
            }
        }

        if (p < json.Length && (json[p] | 0x20) == (byte)'e')
        {
            p++;
            if (p < json.Length && json[p] is (byte)'+' or (byte)'-')
            {
                p++;
            }

            if (!Digits(json, ref p))
            {
                return -1;
            }
        }

        return p;
    }

    /// <summary>One digit or more.</summary>
    private static bool Digits(ReadOnlySpan<byte> json, ref int p)
    {
        var start = p;
        while (p < json.Length && char.IsAsciiDigit((char)json[p]))
        {
            p++;
        }

        return p > start;
    }

    /// <summary>
    /// Where the string opening at <paramref name="quote"/> ends (after its closing quote); -1 at a control character, a
    /// bad escape or the end of the JSON. Inlined for the usual string, one without escapes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int StringEnd(ReadOnlySpan<byte> json, int quote, out bool escaped)
    {
        var p = quote + 1;
        p += CountPlain(json, p);
        escaped = false;
        return p < json.Length && json[p] == (byte)'"' ? p + 1 : EscapedStringEnd(json, p, out escaped);
    }

    /// <summary>The rest of a string from <paramref name="p"/>, where something other than plain text is.</summary>
    private static int EscapedStringEnd(ReadOnlySpan<byte> json, int p, out bool escaped)
    {
        escaped = false;
        while (true)
        {
            if (p >= json.Length)
            {
                return -1;
            }

            var c = json[p];
            if (c == (byte)'"')
            {
                return p + 1;
            }

            if (c != (byte)'\\' || p + 1 >= json.Length)
            {
                return -1;
            }

            escaped = true;
            switch (json[p + 1])
            {
                case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                    p += 2;
                    break;
                case (byte)'u' when p + 5 < json.Length &&
                    char.IsAsciiHexDigit((char)json[p + 2]) && char.IsAsciiHexDigit((char)json[p + 3]) &&
                    char.IsAsciiHexDigit((char)json[p + 4]) && char.IsAsciiHexDigit((char)json[p + 5]):
                    p += 6;
                    break;
                default:
                    return -1;
            }

            p += CountPlain(json, p);
        }
    }

    /// <summary>How many bytes from <paramref name="start"/> need no attention in a string: all but the quote, the backslash and control characters.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CountPlain(ReadOnlySpan<byte> json, int start)
    {
        var p = start;
        if (Vector128.IsHardwareAccelerated)
        {
            ref var first = ref MemoryMarshal.GetReference(json);
            while (json.Length - p >= Vector128<byte>.Count)
            {
                var block = Vector128.LoadUnsafe(ref first, (nuint)p);

                var special = Vector128.Equals(block, Vector128.Create((byte)'"')) |
                    Vector128.Equals(block, Vector128.Create((byte)'\\')) |
                    Vector128.LessThan(block, Vector128.Create((byte)0x20));
                var mask = special.ExtractMostSignificantBits();
                if (mask != 0)
                {
                    return p - start + BitOperations.TrailingZeroCount(mask);
                }

                p += Vector128<byte>.Count;
            }
        }

        while (p < json.Length && json[p] is >= 0x20 and not (byte)'"' and not (byte)'\\')
        {
            p++;
        }

        return p - start;
    }

    private void Token(int start, int valueStart, int valueLength, int end, bool escaped)
    {
        TokenStartIndex = start;
        _valueStart = valueStart;
        _valueLength = valueLength;
        _position = end;
        ValueIsEscaped = escaped;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipWhitespace(ReadOnlySpan<byte> json, int p)
    {
        while (p < json.Length && json[p] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            p++;
        }

        return p;
    }

    private bool Fail()
    {
        Failed = true;
        return false;
    }
}
