using AdmissionWebhook.Hosting;
using AdmissionWebhook.Observability;
using AdmissionWebhook.Tests.Integration;
using Microsoft.Extensions.DependencyInjection;

namespace AdmissionWebhook.Tests.Observability;

/// <summary>Which way the host's review line goes: straight to its stdout sink, or as a Serilog event when only that carries everything.</summary>
public sealed class ReviewLineOutputTests
{
    [Fact]
    public async Task TheHostsOwnLoggingTakesTheReviewLineStraightToItsStdoutSink()
    {
        var output = await ReviewLineOutputOf([]);

        Assert.NotNull(output.Sink);
        Assert.Same(output.Stdout, output.Sink);
    }

    [Theory]
    [InlineData("--Serilog:Properties:cluster", "prod")]
    [InlineData("--Serilog:Enrich:0", "FromLogContext")]
    public async Task PropertiesOrEnrichersFromConfigurationKeepTheReviewLineAnEventSoItCarriesThem(string key, string value)
    {
        var output = await ReviewLineOutputOf([key, value]);

        Assert.Null(output.Sink);
        Assert.NotNull(output.Stdout);
    }

    private static async Task<ReviewLineOutput> ReviewLineOutputOf(string[] extraArgs)
    {
        await using var app = WebhookHost.Build(["--state", WebhookServer.StateDirectory, .. extraArgs]);
        _ = app.Services.GetRequiredService<Serilog.ILogger>();
        return app.Services.GetRequiredService<ReviewLineOutput>();
    }
}
