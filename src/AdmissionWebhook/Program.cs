using AdmissionWebhook.Cli;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.Hosting;
using Microsoft.AspNetCore.Connections;
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
                return await ServeAsync(rest, Console.Error);
            case [var verb, ..] when !verb.StartsWith('-'):
                await Console.Error.WriteLineAsync($"unknown command \"{verb}\"\n\n{CommandLine.Usage}");
                return 2;
            default:
                return await ServeAsync(args, Console.Error);
        }
    }

    /// <summary>Runs the webhook until it is stopped; a start it cannot make is a message on <paramref name="error"/> and exit code 2.</summary>
    internal static async Task<int> ServeAsync(string[] args, TextWriter error, CancellationToken stopping = default)
    {
        if (CommandLine.FindServeUsageError(args) is { } usage)
        {
            await error.WriteLineAsync($"serve: {usage}\n\n{CommandLine.Usage}");
            return 2;
        }

        try
        {
            var app = WebhookHost.Build(args);
            await app.RunAsync(stopping);
            return 0;
        }
        catch (OptionsValidationException e)
        {
            await error.WriteLineAsync("The webhook cannot start; its configuration is invalid:\n  - " + string.Join("\n  - ", e.Failures));
            return 2;
        }
        // The configuration binder's InvalidOperationException names the setting and its value; the inner exception says
        // what was wrong with the value: FormatException, OverflowException, or ArgumentException (an enum name it does not
        // know, or any conversion that went through a TypeConverter). The last two ended the process with a core dump.
        catch (Exception e) when (e is InvalidOperationException { InnerException: FormatException or OverflowException or ArgumentException }
            or NotSupportedException or FormatException or FileNotFoundException)
        {
            await error.WriteLineAsync($"The webhook cannot start: {e.Message}{(e.InnerException is { } inner ? " " + inner.Message : string.Empty)}{AllowedValues(e)}");
            return 2;
        }
        catch (IOException e) when (e.InnerException is AddressInUseException)
        {
            // Kestrel's own message names the address; unhandled, it ended the process with a stack trace and a core dump.
            await error.WriteLineAsync(
                $"The webhook cannot start: {e.Message} Another process listens there (an older webhook still running?): " +
                "stop it, or choose other ports with --https-port and --health-port.");
            return 2;
        }
        catch (ListenerBindException e)
        {
            // An address this host does not have, an unknown IPv6 scope, a port it may not open: unhandled, each ended
            // the process with a stack trace and a core dump.
            await error.WriteLineAsync(
                $"The webhook cannot start: {e.Message} --bind-address must be an address of this host (\"*\" for every interface), " +
                "and --https-port and --health-port ports it may listen on.");
            return 2;
        }
    }

    /// <summary>
    /// " Allowed: Text, Json." when the binder could not convert a value to the enum of one of <see cref="WebhookOptions"/>'
    /// settings, which it names in its message; the enum's own exception says only that the name was not found.
    /// </summary>
    private static string AllowedValues(Exception e) =>
        e is InvalidOperationException
        && typeof(WebhookOptions).GetProperties().Select(setting => setting.PropertyType)
            .FirstOrDefault(type => type.IsEnum && e.Message.Contains($"'{type.FullName}'", StringComparison.Ordinal)) is { } choice
            ? WebhookOptionsValidator.AllowedNames(choice)
            : string.Empty;
}
