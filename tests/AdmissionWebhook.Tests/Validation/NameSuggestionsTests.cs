using AdmissionWebhook.Validation;

namespace AdmissionWebhook.Tests.Validation;

public sealed class NameSuggestionsTests
{
    private static readonly Func<ISet<string>, string, bool> IsTaken = static (taken, candidate) => taken.Contains(candidate);

    private static readonly ISet<string> NothingTaken = new HashSet<string>();

    [Theory]
    [InlineData("helloworldtask-1", "helloworldtask-2")]
    [InlineData("pre-deploy-check-12345", "pre-deploy-check-12346")]
    [InlineData("task1", "task2")]
    [InlineData("run-9", "run-10")]
    [InlineData("run-99", "run-100")]
    [InlineData("run-009", "run-010")]
    [InlineData("run-0", "run-1")]
    [InlineData("v1.2.3", "v1.2.4")]
    [InlineData("run-999", "run-1000")]
    [InlineData("a-99999999999999999999999", "a-100000000000000000000000")]
    public void NextFreeName_TrailingNumber_IncrementsIt(string name, string expected) =>
        Assert.Equal(expected, NameSuggestions.NextFreeName(name, NothingTaken, IsTaken));

    [Theory]
    [InlineData("check", "check-2")]
    [InlineData("nightly-check", "nightly-check-2")]
    [InlineData("check-", "check--2")]
    [InlineData("12345", "12345-2")]
    public void NextFreeName_NoTrailingNumber_AppendsDashTwo(string name, string expected) =>
        Assert.Equal(expected, NameSuggestions.NextFreeName(name, NothingTaken, IsTaken));

    [Fact]
    public void NextFreeName_TakenCandidates_AreSkipped()
    {
        var taken = new HashSet<string>(StringComparer.Ordinal) { "helloworldtask-2", "helloworldtask-3" };

        Assert.Equal("helloworldtask-4", NameSuggestions.NextFreeName("helloworldtask-1", taken, IsTaken));
    }

    [Fact]
    public void NextFreeName_TakenCandidatesAcrossACarry_AreSkipped()
    {
        var taken = new HashSet<string>(StringComparer.Ordinal) { "run-10", "run-11" };

        Assert.Equal("run-12", NameSuggestions.NextFreeName("run-9", taken, IsTaken));
    }

    [Fact]
    public void NextFreeName_TakenDashTwo_IsSkipped()
    {
        var taken = new HashSet<string>(StringComparer.Ordinal) { "check-2", "check-3" };

        Assert.Equal("check-4", NameSuggestions.NextFreeName("check", taken, IsTaken));
    }

    [Fact]
    public void NextFreeName_EveryCandidateTaken_GivesUpAfterAThousandLookups()
    {
        var lookups = 0;

        var suggestion = NameSuggestions.NextFreeName("check", 0, (_, _) => ++lookups > 0);

        Assert.Equal(1000, lookups);
        Assert.Equal("check-1002", suggestion);
    }

    [Theory]
    [InlineData("podtato-head-frontend-entry-conditions-check-for-run-abcd")]
    [InlineData("podtato-head-frontend-entry-conditions-check-for-runs-999")]
    public void NextFreeName_NameAtTheLengthLimit_SuggestsANameWithinIt(string name)
    {
        Assert.Equal(NameRule.MaxTaskNameLength, name.Length);

        Assert.InRange(NameSuggestions.NextFreeName(name, NothingTaken, IsTaken).Length, 1, NameRule.MaxTaskNameLength);
    }

    [Fact]
    public void Closest_OneEditAway_IsSuggested() =>
        Assert.Equal(["check-entry-conditions"], NameSuggestions.Closest("check-entry-condition", ["check-entry-conditions", "notify-deployment"]));

    [Fact]
    public void Closest_TwoEditsAway_IsSuggested() =>
        Assert.Equal(["check-entry-conditions"], NameSuggestions.Closest("chek-entry-condition", ["check-entry-conditions"]));

    [Fact]
    public void Closest_ThreeEditsAway_IsNotSuggested() =>
        Assert.Empty(NameSuggestions.Closest("chk-entry-condition", ["check-entry-conditions"]));

    [Fact]
    public void Closest_TheNameItself_IsNotSuggested() =>
        Assert.Empty(NameSuggestions.Closest("notify-deployment", ["notify-deployment"]));

    [Fact]
    public void Closest_SeveralCandidates_ClosestFirstThenByName() =>
        Assert.Equal(
            ["notify-deployment", "notify-deployments", "notify-deploymentz"],
            NameSuggestions.Closest("notify-deploymen", ["notify-deployments", "notify-deploymentz", "slack-notification", "notify-deployment"]));

    [Fact]
    public void Closest_MoreThanTheLimit_ReturnsOnlyTheLimit() =>
        Assert.Equal(["task-a", "task-b"], NameSuggestions.Closest("task-x", ["task-d", "task-c", "task-b", "task-a"], limit: 2));

    [Fact]
    public void Closest_RepeatedCandidate_IsListedOnce() =>
        Assert.Equal(["slack-notification"], NameSuggestions.Closest("slack-notifications", ["slack-notification", "slack-notification"]));

    [Fact]
    public void Closest_NoCandidates_IsEmpty() => Assert.Empty(NameSuggestions.Closest("anything", []));

    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("abc", "", 3)]
    [InlineData("abc", "abc", 0)]
    [InlineData("ab", "ba", 2)]
    [InlineData("check-entry-condition", "check-entry-conditions", 1)]
    public void EditDistance_WithinTheBound_IsTheLevenshteinDistance(string a, string b, int distance) =>
        Assert.Equal(distance, NameSuggestions.EditDistance(a, b, 10));

    [Fact]
    public void EditDistance_BeyondTheBound_IsBoundPlusOne() => Assert.Equal(2, NameSuggestions.EditDistance("aaaa", "bbbb", 1));
}
