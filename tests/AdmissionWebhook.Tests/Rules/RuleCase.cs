using System.Text.Json;
using AdmissionWebhook.KeptnTasks;
using Xunit.Abstractions;

namespace AdmissionWebhook.Tests.Rules;

/// <summary>
/// One case of a rule fixture (<c>testassets/rules/*.yaml</c>), named by file and position so xunit can list and
/// re-create it; the case itself is read from the fixture on demand.
/// </summary>
public sealed class RuleCase : IXunitSerializable
{
    /// <summary>For the xunit deserializer only.</summary>
    public RuleCase()
    {
        File = string.Empty;
    }

    internal RuleCase(string file, int index)
    {
        File = file;
        Index = index;
    }

    public string File { get; private set; }

    public int Index { get; private set; }

    internal JsonElement Definition => RuleFixtures.Cases(File)[Index];

    public string Name => Definition.Field("name").StringOrNull() ?? $"{File} case {Index + 1} (no name)";

    /// <summary>The reason a known bug keeps this case from passing yet ("BUG: ..."), or null.</summary>
    public string? Skip => Definition.Field("skip").StringOrNull();

    public void Deserialize(IXunitSerializationInfo info)
    {
        File = info.GetValue<string>(nameof(File));
        Index = info.GetValue<int>(nameof(Index));
    }

    public void Serialize(IXunitSerializationInfo info)
    {
        info.AddValue(nameof(File), File);
        info.AddValue(nameof(Index), Index);
    }

    public override string ToString() => Name;
}
