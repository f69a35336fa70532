using System.Buffers;
using System.Globalization;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AdmissionWebhook.ClusterState;

/// <summary>
/// Turns YAML (and therefore JSON, a subset of it) documents into JSON, resolving plain scalars the way kubectl's
/// YAML reader does, so a manifest means here what it means to <c>kubectl apply</c>.
/// </summary>
internal static class YamlJson
{
    /// <summary>The deepest YAML the webhook reads, manifests and kubeconfigs alike: far past any real one, far short of the stack's limit.</summary>
    internal const int MaxDepth = 128;

    // Guards against alias bombs in files handed to the review command.
    private const int MaxNodes = 2_000_000;

    private static readonly string[] TrueWords = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"];
    private static readonly string[] FalseWords = ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"];
    private static readonly string[] NullWords = ["", "~", "null", "Null", "NULL"];

    /// <summary>Parses every document of <paramref name="text"/>; empty documents are skipped.</summary>
    /// <exception cref="FormatException">The text is not YAML, or a document is too large or too deep.</exception>
    public static IReadOnlyList<JsonDocument> ParseDocuments(string text)
    {
        var stream = new YamlStream();
        var parser = new NestingLimitedParser(new Parser(new StringReader(text)), MaxDepth);
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            throw new FormatException($"not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet reports some malformed flow collections this way rather than as a YamlException, which says
            // nothing of where: the last event the parser read is the place to look.
            var where = parser.Current is { } last ? $" after line {last.End.Line}, column {last.End.Column}" : string.Empty;
            throw new FormatException($"not valid YAML{where} (a bracket or brace that does not match?): {e.Message}", e);
        }

        var documents = new List<JsonDocument>(stream.Documents.Count);
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlScalarNode { Style: ScalarStyle.Plain } scalar && NullWords.Contains(scalar.Value ?? string.Empty))
            {
                continue;
            }

            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                var nodes = 0;
                Write(writer, document.RootNode, 0, ref nodes);
            }

            documents.Add(JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = MaxDepth + 2 }));
        }

        return documents;
    }

    private static void Write(Utf8JsonWriter writer, YamlNode node, int depth, ref int nodes)
    {
        if (depth > MaxDepth)
        {
            throw new FormatException($"nested deeper than {MaxDepth} levels");
        }

        if (++nodes > MaxNodes)
        {
            throw new FormatException($"more than {MaxNodes} nodes (aliases expanding without bound?)");
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (key, value) in mapping.Children)
                {
                    var name = key is YamlScalarNode keyScalar ? keyScalar.Value ?? string.Empty : throw new FormatException($"line {key.Start.Line}: only plain keys are supported");
                    if (!seen.Add(name))
                    {
                        throw new FormatException($"line {key.Start.Line}: key \"{name}\" appears twice in the same mapping");
                    }

                    writer.WritePropertyName(name);
                    Write(writer, value, depth + 1, ref nodes);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(writer, item, depth + 1, ref nodes);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(writer, scalar);
                break;
            default:
                throw new FormatException($"line {node.Start.Line}: unsupported YAML node");
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (scalar.Style != ScalarStyle.Plain || tag is "tag:yaml.org,2002:str")
        {
            writer.WriteStringValue(value);
            return;
        }

        if (NullWords.Contains(value))
        {
            writer.WriteNullValue();
        }
        else if (TrueWords.Contains(value))
        {
            writer.WriteBooleanValue(true);
        }
        else if (FalseWords.Contains(value))
        {
            writer.WriteBooleanValue(false);
        }
        else if (IsInteger(value))
        {
            if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                writer.WriteNumberValue(number);
            }
            else
            {
                writer.WriteRawValue(value.TrimStart('+'), skipInputValidation: false);
            }
        }
        else if (IsFloat(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
        {
            writer.WriteNumberValue(real);
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    private static bool IsInteger(string value)
    {
        var digits = value.AsSpan(value.Length > 0 && value[0] is '-' or '+' ? 1 : 0);
        if (digits.Length == 0 || (digits.Length > 1 && digits[0] == '0'))
        {
            return false;
        }

        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsFloat(string value)
    {
        var sawDigit = false;
        var sawDot = false;
        var sawExponent = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsAsciiDigit(c))
            {
                sawDigit = true;
            }
            else if (c == '.' && !sawDot && !sawExponent)
            {
                sawDot = true;
            }
            else if (c is 'e' or 'E' && sawDigit && !sawExponent)
            {
                sawExponent = true;
                if (i + 1 < value.Length && value[i + 1] is '+' or '-')
                {
                    i++;
                }
            }
            else if (!(i == 0 && c is '+' or '-'))
            {
                return false;
            }
        }

        return sawDigit && (sawDot || sawExponent);
    }
}
