using System.Text.Json.Nodes;
using AdmissionWebhook.Admission;
using AdmissionWebhook.Cli;

namespace AdmissionWebhook.Tests.Cli;

/// <summary>The review command's text report, as a person reads it in a terminal or a CI log.</summary>
public sealed class ReviewReportTests
{
    [Fact]
    public void ANameWithALineBreakOrTerminalEscapeCannotForgeOrHideALineOfTheTextReport()
    {
        var denied = new AdmissionOutcome { Allowed = false, Status = new AdmissionStatus(422, "Invalid", "metadata.name: not a valid name") };
        var result = new ReviewResult("task.yaml", "ns\u001b[2K", "evil\nALLOWED  prod/forged  [task.yaml]\u0000", denied, new JsonObject());
        using var output = new StringWriter();

        ReviewReport.WriteText(output, [result], "the examples");

        var lines = output.ToString().Split(Environment.NewLine);
        Assert.DoesNotContain(lines, line => line.StartsWith("ALLOWED", StringComparison.Ordinal));
        Assert.DoesNotContain(output.ToString().Replace(Environment.NewLine, string.Empty, StringComparison.Ordinal), char.IsControl);
        Assert.Contains(lines, line => line.StartsWith("DENIED (422 Invalid)  ns\\u001b[2K/evil\\u000aALLOWED", StringComparison.Ordinal));
    }
}
