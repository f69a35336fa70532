using AdmissionWebhook.Validation;

namespace AdmissionWebhook.Tests.Validation;

public sealed class DnsNamesTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("7")]
    [InlineData("my-task-1")]
    [InlineData("frontend.entry-check.7")]
    [InlineData("a--b")]
    public void SubdomainProblem_ValidName_IsNull(string name)
    {
        Assert.Null(DnsNames.SubdomainProblem(name));
        Assert.True(DnsNames.IsSubdomain(name));
    }

    [Fact]
    public void SubdomainProblem_Exactly253Characters_IsNull() => Assert.Null(DnsNames.SubdomainProblem(new string('a', 253)));

    [Fact]
    public void SubdomainProblem_254Characters_SaysTheLimitAndTheLength() =>
        Assert.Equal("must be no more than 253 characters (it has 254)", DnsNames.SubdomainProblem(new string('a', 254)));

    [Fact]
    public void SubdomainProblem_Empty_SaysItMustNotBeEmpty() => Assert.Equal("must not be empty", DnsNames.SubdomainProblem(string.Empty));

    [Theory]
    [InlineData("HelloWorld", "uppercase 'H' is not allowed; use only lowercase letters, digits, '-' and '.'")]
    [InlineData("hello_world", "'_' is not allowed; use only lowercase letters, digits, '-' and '.'")]
    [InlineData("hello world", "character U+0020 is not allowed; use only lowercase letters, digits, '-' and '.'")]
    [InlineData("t\u00e2che", "character U+00E2 is not allowed; use only lowercase letters, digits, '-' and '.'")]
    [InlineData("tab\there", "character U+0009 is not allowed; use only lowercase letters, digits, '-' and '.'")]
    [InlineData("nul\0", "character U+0000 is not allowed; use only lowercase letters, digits, '-' and '.'")]
    [InlineData("del\u007f", "character U+007F is not allowed; use only lowercase letters, digits, '-' and '.'")]
    [InlineData("a/b", "'/' is not allowed; use only lowercase letters, digits, '-' and '.'")]
    public void SubdomainProblem_ForbiddenCharacter_NamesTheFirstOne(string name, string problem) =>
        Assert.Equal(problem, DnsNames.SubdomainProblem(name));

    [Theory]
    [InlineData("-task")]
    [InlineData("task-")]
    [InlineData(".task")]
    [InlineData("task.")]
    [InlineData("-")]
    public void SubdomainProblem_NonAlphanumericEnd_SaysHowItMustStartAndEnd(string name) =>
        Assert.Equal("must start and end with a lowercase letter or digit", DnsNames.SubdomainProblem(name));

    [Theory]
    [InlineData("a..b")]
    [InlineData("a.-b")]
    [InlineData("a-.b")]
    public void SubdomainProblem_LabelNotAlphanumericAtItsEnds_IsAProblem(string name) => Assert.NotNull(DnsNames.SubdomainProblem(name));

    [Theory]
    [InlineData("frontend-check-")]
    [InlineData("frontend.check.")]
    [InlineData("a")]
    public void PrefixProblem_PrefixTheApiserverCanExtend_IsNull(string prefix) => Assert.Null(DnsNames.PrefixProblem(prefix));

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("-check-", "must start with a lowercase letter or digit")]
    [InlineData("Check-", "uppercase 'C' is not allowed; use only lowercase letters, digits, '-' and '.'")]
    [InlineData("check_", "'_' is not allowed; use only lowercase letters, digits, '-' and '.'")]
    public void PrefixProblem_InvalidPrefix_SaysWhy(string prefix, string problem) => Assert.Equal(problem, DnsNames.PrefixProblem(prefix));
}
