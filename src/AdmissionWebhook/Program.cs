using AdmissionWebhook.Cli;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.Hosting;
using Microsoft.Extensions.Options;

namespace AdmissionWebhook;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        switch (args)
        {
            case ["review", .. var rest]:
                return await ReviewCommand.RunAsync(rest, Console.Out, Console.Error);
            case ["help" or "--help" or "-h", ..]:
                Console.WriteLine(CommandLine.Usage);
                return 0;
            case ["serve", .. var rest]:
                return await ServeAsync(rest);
            case [var verb, ..] when !verb.StartsWith('-'):
                await Console.Error.WriteLineAsync($"unknown command \"{verb}\"\n\n{CommandLine.Usage}");
                return 2;
            default:
                return await ServeAsync(args);
        }
    }

    private static async Task<int> ServeAsync(string[] args)
    {
        if (CommandLine.FindUnknownServeFlag(args) is { } unknown)
        {
            await Console.Error.WriteLineAsync($"serve: unknown option \"{unknown}\"\n\n{CommandLine.Usage}");
            return 2;
        }

        try
        {
            var app = WebhookHost.Build(args);
            await app.RunAsync();
            return 0;
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync("The webhook cannot start; its configuration is invalid:\n  - " + string.Join("\n  - ", e.Failures));
            return 2;
        }
        catch (Exception e) when (e is InvalidOperationException { InnerException: FormatException } or NotSupportedException or FormatException or FileNotFoundException)
        {
            await Console.Error.WriteLineAsync($"The webhook cannot start: {e.Message}{(e.InnerException is { } inner ? " " + inner.Message : string.Empty)}");
            return 2;
        }
    }
}
