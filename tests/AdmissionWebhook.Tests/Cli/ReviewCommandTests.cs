using System.Text.Json;
using AdmissionWebhook.Cli;

namespace AdmissionWebhook.Tests.Cli;

/// <summary>The offline review command, run exactly as a GitOps pipeline would, on the repository's examples.</summary>
public sealed class ReviewCommandTests
{
    private static readonly string RepoRoot = FindRepoRoot();
    private static readonly string ClusterState = Path.Combine(RepoRoot, "examples", "cluster");
    private static readonly string TasksFolder = Path.Combine(RepoRoot, "examples", "tasks");

    public static TheoryData<string> ExampleTaskFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(TasksFolder, "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ExampleTaskFiles))]
    public async Task Review_ExampleTaskFile_GivesTheDecisionItsHeaderDocuments(string fileName)
    {
        var file = Path.Combine(TasksFolder, fileName);
        var expectation = Expectation.Read(file);

        var (exitCode, output, _) = await RunAsync("--state", ClusterState, "--output", "json", file);

        var results = JsonDocument.Parse(output).RootElement;
        var last = results[results.GetArrayLength() - 1];
        Assert.Equal(expectation.Allowed, last.GetProperty("allowed").GetBoolean());
        Assert.Equal(expectation.Allowed ? 0 : 1, exitCode);
        if (!expectation.Allowed)
        {
            Assert.Equal(expectation.Code, last.GetProperty("code").GetInt32());
            Assert.Contains(expectation.MessagePart!, last.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        foreach (var (path, value) in expectation.Set)
        {
            Assert.Equal(value, ValueAt(last.GetProperty("object"), path));
        }

        foreach (var path in expectation.Absent)
        {
            Assert.Null(ValueAt(last.GetProperty("object"), path));
        }
    }

    [Fact]
    public async Task Review_WholeExamplesFolder_ReportsEveryTaskAndExitsOneBecauseSomeAreDenied()
    {
        var (exitCode, output, _) = await RunAsync("--state", ClusterState, TasksFolder);

        Assert.Equal(ReviewCommand.ExitDenied, exitCode);
        var files = Directory.EnumerateFiles(TasksFolder, "*.yaml").ToList();
        var denied = files.Count(file => !Expectation.Read(file).Allowed);
        Assert.Contains($"{files.Count - denied} allowed, {denied} denied", output, StringComparison.Ordinal);
        Assert.Contains("DENIED (409 AlreadyExists)  podtato-kubectl/helloworldtask-1", output, StringComparison.Ordinal);
        Assert.Contains("create this one as \"helloworldtask-2\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Review_OnlyAllowedTasks_ExitsZeroAndPrintsThePatch()
    {
        var (exitCode, output, _) = await RunAsync("--state", ClusterState, Path.Combine(TasksFolder, "good-manual-task.yaml"));

        Assert.Equal(ReviewCommand.ExitAllowed, exitCode);
        Assert.Contains("ALLOWED  podtato-kubectl/frontend-entry-check-1", output, StringComparison.Ordinal);
        Assert.Contains("patch: add /spec/retries = 10", output, StringComparison.Ordinal);
        Assert.Contains("patch: replace /spec/checkType = \"pre\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Review_JsonOutput_HasOneElementPerTaskWithTheDocumentedFields()
    {
        var (_, output, _) = await RunAsync("--state", ClusterState, "--output", "json", Path.Combine(TasksFolder, "good-manual-task.yaml"), Path.Combine(TasksFolder, "bad-duplicate-name.yaml"));

        var results = JsonDocument.Parse(output).RootElement;
        Assert.Equal(2, results.GetArrayLength());
        foreach (var result in results.EnumerateArray())
        {
            Assert.Equal(
                ["file", "namespace", "name", "allowed", "code", "message", "warnings", "patch", "object"],
                result.EnumerateObject().Select(property => property.Name).ToArray());
        }

        Assert.Equal(JsonValueKind.Array, results[0].GetProperty("patch").ValueKind);
        Assert.Equal("add", results[0].GetProperty("patch")[0].GetProperty("op").GetString());
        Assert.Equal(JsonValueKind.Null, results[0].GetProperty("message").ValueKind);
        Assert.Equal(409, results[1].GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Review_TwoTasksOfTheSameNameInOneInput_RefusesTheSecondAsADuplicate()
    {
        using var folder = new TempFolder();
        var task = PodtatoTask("smoke-1");
        var file = folder.Write("tasks.yaml", task + "\n---\n" + task);

        var (exitCode, output, _) = await RunAsync("--state", ClusterState, "--output", "json", file);

        var results = JsonDocument.Parse(output).RootElement;
        Assert.Equal(ReviewCommand.ExitDenied, exitCode);
        Assert.True(results[0].GetProperty("allowed").GetBoolean());
        Assert.False(results[1].GetProperty("allowed").GetBoolean());
        Assert.Contains("\"smoke-2\"", results[1].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Review_TaskWhoseHostileNameIsTaken_IsToldTheNextNameWithItsControlCharactersVisible()
    {
        using var folder = new TempFolder();
        var task = PodtatoTask("\"bad\\nname\\e[2J-1\"");
        var existing = folder.Write("existing.yaml", task);
        var file = folder.Write("task.yaml", task);

        var (_, output, _) = await RunAsync("--state", ClusterState, "--state", existing, "--output", "json", file);

        var message = JsonDocument.Parse(output).RootElement[0].GetProperty("message").GetString()!;
        Assert.Contains("bad\\u000aname\\u001b[2J-2", message, StringComparison.Ordinal);
        Assert.DoesNotContain(message, char.IsControl);
    }

    [Fact]
    public async Task Review_InputWithoutAnyKeptnTask_ExitsZeroButWarnsThatNothingWasReviewed()
    {
        var (exitCode, output, error) = await RunAsync(Path.Combine(RepoRoot, "examples", "admission", "create-valid.json"));

        Assert.Equal(ReviewCommand.ExitAllowed, exitCode);
        Assert.Contains("Reviewed 0 KeptnTask(s)", output, StringComparison.Ordinal);
        Assert.Contains("no KeptnTask", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Review_DefinitionKeptBesideTheTask_CountsAsClusterState()
    {
        using var folder = new TempFolder();
        folder.Write("definition.yaml", """
            apiVersion: lifecycle.keptn.sh/v1
            kind: KeptnTaskDefinition
            metadata: {name: smoke-test, namespace: shop}
            spec: {container: {name: c, image: busybox}}
            """);
        folder.Write("task.yaml", """
            apiVersion: lifecycle.keptn.sh/v1
            kind: KeptnTask
            metadata: {name: smoke-test-1, namespace: shop}
            spec:
              taskDefinition: smoke-test
              context: {appName: shop, appVersion: "1", workloadName: api, workloadVersion: "1", objectType: "", taskType: ""}
            """);

        var (exitCode, _, _) = await RunAsync(folder.Path);

        Assert.Equal(ReviewCommand.ExitAllowed, exitCode);
    }

    [Fact]
    public async Task Review_TaskWithoutNamespace_IsReviewedInDefault()
    {
        using var folder = new TempFolder();
        var file = folder.Write("task.yaml", """
            apiVersion: lifecycle.keptn.sh/v1
            kind: KeptnTask
            metadata: {name: nowhere-1}
            spec: {taskDefinition: promote-to-prod, checkType: promotion, context: {appName: a, appVersion: "1", objectType: App, taskType: promotion}}
            """);

        var (exitCode, output, _) = await RunAsync("--state", ClusterState, "--output", "json", file);

        Assert.Equal(ReviewCommand.ExitAllowed, exitCode);
        Assert.Equal("default", JsonDocument.Parse(output).RootElement[0].GetProperty("namespace").GetString());
    }

    [Theory]
    [InlineData("no paths", new string[0], "give at least one")]
    [InlineData("unknown option", new[] { "--verbose", "x.yaml" }, "unknown option --verbose")]
    [InlineData("bad output format", new[] { "--output", "xml", "x.yaml" }, "--output must be text or json")]
    [InlineData("missing path", new[] { "/nonexistent/tasks" }, "no such file or folder")]
    public async Task Review_UsageError_ExitsTwoAndSaysWhy(string scenario, string[] args, string expected)
    {
        var (exitCode, _, error) = await RunAsync(args);

        Assert.True(exitCode == ReviewCommand.ExitUsage, scenario);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Review_UnreadableYaml_ExitsTwoNamingTheProblem()
    {
        using var folder = new TempFolder();
        var file = folder.Write("broken.yaml", "kind: KeptnTask\nmetadata: [unclosed\n");

        var (exitCode, _, error) = await RunAsync(file);

        Assert.Equal(ReviewCommand.ExitUsage, exitCode);
        Assert.Contains("not valid YAML", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Review_InputNestedFarDeeperThanTheStackHolds_ExitsTwoNamingTheFileAndTheLimit()
    {
        using var folder = new TempFolder();
        var file = folder.Write("deep.json", new string('[', 100_000) + new string(']', 100_000));

        var (exitCode, _, error) = await RunAsync(file);

        Assert.Equal(ReviewCommand.ExitUsage, exitCode);
        Assert.Equal($"review: cannot read input: {file}: nested deeper than 128 levels", error.TrimEnd());
    }

    [Fact]
    public async Task Review_StateFolderNestedFarDeeperThanTheStackHolds_ExitsTwoNamingTheFile()
    {
        using var state = new TempFolder();
        var file = state.Write("deep.yaml", "a: " + new string('[', 100_000) + new string(']', 100_000) + "\n");

        var (exitCode, _, error) = await RunAsync("--state", state.Path, Path.Combine(TasksFolder, "good-manual-task.yaml"));

        Assert.Equal(ReviewCommand.ExitUsage, exitCode);
        Assert.Equal($"review: cannot read input: {file}: nested deeper than 128 levels", error.TrimEnd());
    }

    [Fact]
    public async Task Review_EndlessInput_ExitsTwoNamingTheFileAndTheLimitInsteadOfRunningOutOfMemory()
    {
        var (exitCode, _, error) = await RunAsync("/dev/zero");

        Assert.Equal(ReviewCommand.ExitUsage, exitCode);
        Assert.Equal("review: cannot read input: /dev/zero is larger than 64 MiB, the limit for a manifest file", error.TrimEnd());
    }

    /// <summary>A KeptnTask of the example podtato-head workload, <paramref name="name"/> as YAML writes it.</summary>
    private static string PodtatoTask(string name) => $$"""
        apiVersion: lifecycle.keptn.sh/v1
        kind: KeptnTask
        metadata:
          name: {{name}}
          namespace: podtato-kubectl
        spec:
          taskDefinition: check-entry-conditions
          checkType: pre
          context: {appName: podtato-head, appVersion: 0.1.0, workloadName: podtato-head-frontend, workloadVersion: 0.1.0, objectType: "", taskType: ""}
        """;

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await ReviewCommand.RunAsync(args, output, error).WaitAsync(TimeSpan.FromSeconds(30));
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>The value at a dotted path, as the text the header uses; null when absent.</summary>
    private static string? ValueAt(JsonElement element, string path)
    {
        foreach (var segment in path.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(segment, out element))
            {
                return null;
            }
        }

        return element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText();
    }

    private static string FindRepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AdmissionWebhook.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("the tests run inside the repository: AdmissionWebhook.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The header lines of an example file: "# expect: ...", "# expect-set: ...", "# expect-absent: ...".</summary>
    private sealed record Expectation(bool Allowed, int Code, string? MessagePart, IReadOnlyList<(string Path, string Value)> Set, IReadOnlyList<string> Absent)
    {
        public static Expectation Read(string file)
        {
            var lines = File.ReadLines(file).TakeWhile(line => line.StartsWith('#')).ToList();
            var expect = lines.Single(line => line.StartsWith("# expect: ", StringComparison.Ordinal))["# expect: ".Length..].Trim();
            var set = lines.Where(line => line.StartsWith("# expect-set: ", StringComparison.Ordinal))
                .Select(line => line["# expect-set: ".Length..].Split('=', 2))
                .Select(parts => (parts[0].Trim(), parts[1].Trim()))
                .ToList();
            var absent = lines.Where(line => line.StartsWith("# expect-absent: ", StringComparison.Ordinal)).Select(line => line["# expect-absent: ".Length..].Trim()).ToList();
            if (expect == "allowed")
            {
                return new Expectation(true, 200, null, set, absent);
            }

            var parts = expect.Split(' ', 3);
            Assert.Equal("denied", parts[0]);
            return new Expectation(false, int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2], set, absent);
        }
    }
}
