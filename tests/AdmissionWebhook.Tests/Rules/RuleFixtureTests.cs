namespace AdmissionWebhook.Tests.Rules;

/// <summary>The table-driven rule tests: one theory per fixture file, one test per case, named by the case.</summary>
public sealed class RuleFixtureTests
{
    public static TheoryData<RuleCase> Names => RuleFixtures.TheoryData("names.yaml");

    public static TheoryData<RuleCase> Duplicates => RuleFixtures.TheoryData("duplicates.yaml");

    public static TheoryData<RuleCase> TaskDefinition => RuleFixtures.TheoryData("taskdefinition.yaml");

    public static TheoryData<RuleCase> SpecShape => RuleFixtures.TheoryData("specshape.yaml");

    public static TheoryData<RuleCase> Defaults => RuleFixtures.TheoryData("defaults.yaml");

    public static TheoryData<RuleCase> CheckType => RuleFixtures.TheoryData("checktype.yaml");

    public static TheoryData<RuleCase> Versions => RuleFixtures.TheoryData("versions.yaml");

    public static TheoryData<RuleCase> Envelope => RuleFixtures.TheoryData("envelope.yaml");

    [RuleCaseTheory]
    [MemberData(nameof(Names))]
    public Task NameRules(RuleCase ruleCase) => RuleCaseRunner.RunAsync(ruleCase);

    [RuleCaseTheory]
    [MemberData(nameof(Duplicates))]
    public Task DuplicateNameRules(RuleCase ruleCase) => RuleCaseRunner.RunAsync(ruleCase);

    [RuleCaseTheory]
    [MemberData(nameof(TaskDefinition))]
    public Task TaskDefinitionRules(RuleCase ruleCase) => RuleCaseRunner.RunAsync(ruleCase);

    [RuleCaseTheory]
    [MemberData(nameof(SpecShape))]
    public Task SpecShapeRules(RuleCase ruleCase) => RuleCaseRunner.RunAsync(ruleCase);

    [RuleCaseTheory]
    [MemberData(nameof(Defaults))]
    public Task DefaultsMutation(RuleCase ruleCase) => RuleCaseRunner.RunAsync(ruleCase);

    [RuleCaseTheory]
    [MemberData(nameof(CheckType))]
    public Task CheckTypeDerivation(RuleCase ruleCase) => RuleCaseRunner.RunAsync(ruleCase);

    [RuleCaseTheory]
    [MemberData(nameof(Versions))]
    public Task KeptnTaskVersions(RuleCase ruleCase) => RuleCaseRunner.RunAsync(ruleCase);

    [RuleCaseTheory]
    [MemberData(nameof(Envelope))]
    public Task AdmissionEnvelope(RuleCase ruleCase) => RuleCaseRunner.RunAsync(ruleCase);
}
