using System.Text.Json;
using System.Text.Json.Nodes;
using AdmissionWebhook.Admission;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.KeptnTasks;
using AdmissionWebhook.Mutation;
using AdmissionWebhook.Validation;

namespace AdmissionWebhook.Cli;

/// <summary>
/// <c>review</c>: runs the webhook's own mutation and validation over KeptnTask manifests, offline, for GitOps CI.
/// Each task is a CREATE in its own namespace, mutated then validated as the apiserver would, and an allowed task
/// joins the state, so a second task of the same name is a duplicate.
/// </summary>
internal static class ReviewCommand
{
    public const int ExitAllowed = 0;
    public const int ExitDenied = 1;
    public const int ExitUsage = 2;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var parsed = ReviewArguments.Parse(args);
        if (parsed.Error is { } usage)
        {
            await error.WriteLineAsync($"review: {usage}\n\n{CommandLine.Usage}");
            return ExitUsage;
        }

        ManifestClusterState state;
        var tasks = new List<ManifestObject>();
        try
        {
            state = ManifestClusterState.Load(parsed.StatePaths);
            foreach (var path in parsed.Paths)
            {
                foreach (var file in ManifestReader.Files(path))
                {
                    foreach (var item in ManifestReader.Read(file))
                    {
                        if (IsKeptnTask(item))
                        {
                            tasks.Add(item);
                        }
                        else
                        {
                            // Definitions, workloads and apps kept beside the tasks in a GitOps repo are cluster state too.
                            ManifestClusterState.AddIfKeptn(state.Store, item, "default");
                        }
                    }
                }
            }
        }
        catch (Exception e) when (e is FileNotFoundException or FormatException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"review: cannot read input: {e.Message}");
            return ExitUsage;
        }

        if (tasks.Count == 0)
        {
            // Not an error (a folder may hold no task yet), but a pipeline pointed at the wrong path, an AdmissionReview
            // or a file in another encoding would otherwise pass in silence.
            await error.WriteLineAsync("review: warning: no KeptnTask (kind KeptnTask, apiVersion lifecycle.keptn.sh/...) in the input; nothing was reviewed");
        }

        var options = new WebhookOptions { KeptnNamespace = parsed.KeptnNamespace };
        var reviewer = new KeptnTaskReviewer(new KeptnTaskValidator(state, options), new KeptnTaskMutator(state, options));
        var results = new List<ReviewResult>(tasks.Count);
        foreach (var task in tasks)
        {
            var result = await ReviewOneAsync(reviewer, task, results.Count);
            if (result.Outcome.Allowed && result.Name is { } name)
            {
                state.Store.AddTask(result.Namespace, name);
            }

            results.Add(result);
        }

        if (parsed.Json)
        {
            ReviewReport.WriteJson(output, results);
        }
        else
        {
            ReviewReport.WriteText(output, results, state.Description);
        }

        return results.Exists(result => !result.Outcome.Allowed) ? ExitDenied : ExitAllowed;
    }

    private static bool IsKeptnTask(ManifestObject item) =>
        item.Kind == KeptnTaskVersion.Kind && item.ApiVersion?.StartsWith(KeptnTaskVersion.Group + "/", StringComparison.Ordinal) == true;

    private static async Task<ReviewResult> ReviewOneAsync(KeptnTaskReviewer reviewer, ManifestObject task, int index)
    {
        var version = KeptnTaskVersion.VersionOf(task.ApiVersion);
        var @namespace = string.IsNullOrEmpty(task.Namespace) ? "default" : task.Namespace;
        var request = new AdmissionRequest
        {
            Uid = $"review-{index + 1}",
            ReviewVersion = AdmissionReviewVersion.V1,
            Operation = "CREATE",
            Kind = new GroupVersionName(KeptnTaskVersion.Group, version, KeptnTaskVersion.Kind),
            Resource = new GroupVersionName(KeptnTaskVersion.Group, version, KeptnTaskVersion.Resource),
            Namespace = @namespace,
            Name = task.Name,
            Object = KeptnTaskFields.From(task.Object),
        };

        var mutation = reviewer.Mutate(request);
        var mutated = PatchApplier.Apply(JsonNode.Parse(task.Object.GetRawText())!, mutation.Patch);
        using var mutatedDocument = JsonDocument.Parse(mutated.ToJsonString());
        var validation = await reviewer.ValidateAsync(request with { Object = KeptnTaskFields.From(mutatedDocument.RootElement) }, LookupDeadline.None);

        var outcome = validation with
        {
            Patch = mutation.Patch,
            Warnings = [.. mutation.Warnings, .. validation.Warnings],
            AuditAnnotations = mutation.AuditAnnotations,
        };
        return new ReviewResult(task.Location, @namespace, task.Name, outcome, mutated);
    }
}

/// <summary>The verdict on one task of a review run, and the task as the apiserver would store it.</summary>
internal sealed record ReviewResult(string File, string Namespace, string? Name, AdmissionOutcome Outcome, JsonNode MutatedObject);

/// <summary>The parsed <c>review</c> command line.</summary>
internal sealed record ReviewArguments(IReadOnlyList<string> StatePaths, IReadOnlyList<string> Paths, bool Json, string KeptnNamespace, string? Error)
{
    public static ReviewArguments Parse(IReadOnlyList<string> args)
    {
        var state = new List<string>();
        var paths = new List<string>();
        var json = false;
        var keptnNamespace = new WebhookOptions().KeptnNamespace;
        for (var i = 0; i < args.Count; i++)
        {
            var (flag, inline) = args[i].StartsWith("--", StringComparison.Ordinal) && args[i].Contains('=', StringComparison.Ordinal)
                ? (args[i][..args[i].IndexOf('=', StringComparison.Ordinal)], args[i][(args[i].IndexOf('=', StringComparison.Ordinal) + 1)..])
                : (args[i], null);
            string? Value() => inline ?? (i + 1 < args.Count ? args[++i] : null);
            switch (flag)
            {
                case "--state":
                    if (Value() is not { } stateDir)
                    {
                        return Fail("--state needs a folder or file");
                    }

                    state.Add(stateDir);
                    break;
                case "--output":
                    var format = Value();
                    if (format is not ("text" or "json"))
                    {
                        return Fail($"--output must be text or json, not {format ?? "nothing"}");
                    }

                    json = format == "json";
                    break;
                case "--keptn-namespace":
                    if (Value() is not { Length: > 0 } ns)
                    {
                        return Fail("--keptn-namespace needs a namespace");
                    }

                    keptnNamespace = ns;
                    break;
                case "--":
                    paths.AddRange(args.Skip(i + 1));
                    i = args.Count;
                    break;
                default:
                    if (flag.StartsWith('-'))
                    {
                        return Fail($"unknown option {flag}");
                    }

                    paths.Add(args[i]);
                    break;
            }
        }

        return paths.Count == 0
            ? Fail("give at least one KeptnTask file or folder to review")
            : new ReviewArguments(state, paths, json, keptnNamespace, null);

        ReviewArguments Fail(string error) => new([], [], false, keptnNamespace, error);
    }
}
