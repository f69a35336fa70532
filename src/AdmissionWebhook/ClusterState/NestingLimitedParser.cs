using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace AdmissionWebhook.ClusterState;

/// <summary>
/// Hands on YamlDotNet's parser events and refuses a collection nested deeper than a limit the moment it opens.
/// YamlDotNet's <see cref="Parser"/> is a state machine and never recurses, but what consumes its events does (the
/// RepresentationModel's node loading, the deserializer): about 40,000 levels overflow the stack, which no catch can
/// stop, so the depth must be refused here, before the consumer descends, not after the document is built. Counting
/// events rather than brackets in the text also covers nesting that needs neither brackets nor indentation
/// (<c>- - - x</c>) and never mistakes a '[' in a quoted or block scalar for nesting.
/// </summary>
internal sealed class NestingLimitedParser(IParser inner, int maxDepth) : IParser
{
    private int _open;

    public ParsingEvent? Current => inner.Current;

    public bool MoveNext()
    {
        if (!inner.MoveNext())
        {
            return false;
        }

        switch (inner.Current)
        {
            case MappingStart or SequenceStart:
                // The root collection is depth 0, so maxDepth + 1 open collections put one at maxDepth + 1.
                if (++_open > maxDepth + 1)
                {
                    throw new FormatException($"nested deeper than {maxDepth} levels");
                }

                break;
            case MappingEnd or SequenceEnd:
                _open--;
                break;
        }

        return true;
    }
}
