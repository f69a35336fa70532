using System.Collections.Concurrent;
using System.Text.Json;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Tests.TestSupport;

namespace AdmissionWebhook.Tests.Rules;

/// <summary>Reads the rule fixtures with the production YAML reader; each file is one YAML list of cases.</summary>
internal static class RuleFixtures
{
    public static readonly string[] Files =
    [
        "names.yaml",
        "duplicates.yaml",
        "taskdefinition.yaml",
        "specshape.yaml",
        "defaults.yaml",
        "checktype.yaml",
        "versions.yaml",
        "envelope.yaml",
    ];

    private static readonly ConcurrentDictionary<string, IReadOnlyList<JsonElement>> Loaded = new(StringComparer.Ordinal);

    public static IReadOnlyList<JsonElement> Cases(string file) => Loaded.GetOrAdd(file, Read);

    public static TheoryData<RuleCase> TheoryData(string file)
    {
        var data = new TheoryData<RuleCase>();
        for (var index = 0; index < Cases(file).Count; index++)
        {
            data.Add(new RuleCase(file, index));
        }

        return data;
    }

    private static IReadOnlyList<JsonElement> Read(string file)
    {
        var path = TestAssets.PathOf("rules", file);
        var documents = YamlJson.ParseDocuments(File.ReadAllText(path));
        if (documents.Count != 1 || documents[0].RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"{path}: a rule fixture is one YAML document holding a list of cases");
        }

        // The documents live as long as the test run: cases point into them.
        return documents[0].RootElement.EnumerateArray().ToList();
    }
}
