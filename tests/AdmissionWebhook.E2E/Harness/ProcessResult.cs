namespace AdmissionWebhook.E2E.Harness;

/// <summary>What a finished command printed and how it ended.</summary>
public sealed record ProcessResult(string CommandLine, int ExitCode, string StdOut, string StdErr)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Both streams, for assertions on what a user would see in the terminal.</summary>
    public string Output => StdOut + StdErr;

    public override string ToString() => $"`{CommandLine}` exited with {ExitCode}\n--- stdout:\n{StdOut}\n--- stderr:\n{StdErr}";
}
