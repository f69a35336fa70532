using Xunit.Abstractions;
using Xunit.Sdk;

namespace AdmissionWebhook.Tests.Rules;

/// <summary>
/// A theory over <see cref="RuleCase"/> rows whose test cases are named by the case ("create of a name in use is
/// refused ...") and honour the case's <c>skip</c>, which a plain xunit 2 theory cannot do per row.
/// </summary>
[XunitTestCaseDiscoverer("AdmissionWebhook.Tests.Rules.RuleCaseTheoryDiscoverer", "AdmissionWebhook.Tests")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RuleCaseTheoryAttribute : TheoryAttribute;

/// <summary>Creates a <see cref="RuleCaseTestCase"/> for every data row.</summary>
public sealed class RuleCaseTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForDataRow(
        ITestFrameworkDiscoveryOptions discoveryOptions,
        ITestMethod testMethod,
        IAttributeInfo theoryAttribute,
        object[] dataRow) =>
        [
            new RuleCaseTestCase(
                DiagnosticMessageSink,
                discoveryOptions.MethodDisplayOrDefault(),
                discoveryOptions.MethodDisplayOptionsOrDefault(),
                testMethod,
                dataRow),
        ];
}

/// <summary>A test case displayed as the sentence that names its rule case, and skipped when the case says so.</summary>
public sealed class RuleCaseTestCase : XunitTestCase
{
    /// <summary>For the xunit deserializer only.</summary>
    [Obsolete("Called by the de-serializer only")]
    public RuleCaseTestCase()
    {
    }

    public RuleCaseTestCase(
        IMessageSink diagnosticMessageSink,
        TestMethodDisplay defaultMethodDisplay,
        TestMethodDisplayOptions defaultMethodDisplayOptions,
        ITestMethod testMethod,
        object[] testMethodArguments)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod, testMethodArguments)
    {
    }

    protected override string GetDisplayName(IAttributeInfo factAttribute, string displayName) =>
        TestMethodArguments is [RuleCase ruleCase] ? ruleCase.Name : base.GetDisplayName(factAttribute, displayName);

    /// <summary>Set to 1 to run the cases marked <c>skip: "BUG: ..."</c> anyway, to see whether a fix made them pass.</summary>
    public const string RunSkippedVariable = "RULES_RUN_SKIPPED";

    protected override string GetSkipReason(IAttributeInfo factAttribute) =>
        TestMethodArguments is [RuleCase { Skip: { } skip }] && Environment.GetEnvironmentVariable(RunSkippedVariable) != "1"
            ? skip
            : base.GetSkipReason(factAttribute);
}
