using System.Text.Json;
using AdmissionWebhook.KeptnTasks;
using AdmissionWebhook.Tests.TestSupport;

namespace AdmissionWebhook.Tests.Rules;

/// <summary>
/// The fixtures themselves are well formed, including the skipped cases the runner never reads: a mistyped key
/// would otherwise silently drop an expectation.
/// </summary>
public sealed class RuleFixtureFormatTests
{
    [Fact]
    public void Files_EveryFixtureInTheFolderIsListedAndHasCases()
    {
        var onDisk = Directory.EnumerateFiles(TestAssets.PathOf("rules"), "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(RuleFixtures.Files.Order(StringComparer.Ordinal), onDisk);
        Assert.All(RuleFixtures.Files, file => Assert.NotEmpty(RuleFixtures.Cases(file)));
    }

    [Fact]
    public void CaseNames_AreUniqueAcrossAllFixtures()
    {
        var duplicates = AllCases()
            .GroupBy(entry => entry.Case.Field("name").StringOrNull(), StringComparer.Ordinal)
            .Where(group => group.Count() > 1)
            .Select(group => $"\"{group.Key}\" in {string.Join(", ", group.Select(entry => entry.Where))}")
            .ToList();

        Assert.Empty(duplicates);
    }

    [Fact]
    public void Cases_UseOnlyKnownKeysAndSaySomethingToCheck()
    {
        var problems = new List<string>();
        foreach (var (where, definition) in AllCases())
        {
            Unknown(definition, RuleCaseRunner.CaseKeys, where, problems);
            if (definition.Field("name").StringOrNull() is not { Length: > 0 })
            {
                problems.Add($"{where}: no name");
            }

            if (definition.Field("endpoint").StringOrNull() is not ("validate" or "mutate"))
            {
                problems.Add($"{where}: endpoint must be validate or mutate");
            }

            if (definition.Field("skip").StringOrNull() is { } skip && !skip.StartsWith("BUG: ", StringComparison.Ordinal))
            {
                problems.Add($"{where}: a skip names the bug it waits for (\"BUG: ...\")");
            }

            var expect = definition.Field("expect");
            if (expect.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{where}: no expect mapping");
                continue;
            }

            Unknown(expect, RuleCaseRunner.ExpectKeys, where + " expect", problems);
            if (expect.Field("allowed").ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                problems.Add($"{where}: expect.allowed must be true or false");
            }

            if (definition.Field("endpoint").StringOrNull() == "validate" && !expect.Field("patch").IsAbsent())
            {
                problems.Add($"{where}: /validate never patches; expect.patch is for mutate cases");
            }

            if (expect.Field("allowed").ValueKind == JsonValueKind.False && expect.Field("readError").IsAbsent() && expect.Field("code").ValueKind != JsonValueKind.Number)
            {
                problems.Add($"{where}: a denial states its expected status code");
            }
        }

        Assert.Empty(problems);
    }

    private static IEnumerable<(string Where, JsonElement Case)> AllCases() =>
        RuleFixtures.Files.SelectMany(file => RuleFixtures.Cases(file).Select((definition, index) => ($"{file} #{index + 1}", definition)));

    private static void Unknown(JsonElement mapping, string[] known, string where, List<string> problems)
    {
        foreach (var member in mapping.EnumerateObject().Where(member => !known.Contains(member.Name, StringComparer.Ordinal)))
        {
            problems.Add($"{where}: unknown key \"{member.Name}\"");
        }
    }
}
