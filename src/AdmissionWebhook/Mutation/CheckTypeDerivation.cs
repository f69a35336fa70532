using System.Text.Json;
using AdmissionWebhook.Admission;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.KeptnTasks;
using AdmissionWebhook.Validation;

namespace AdmissionWebhook.Mutation;

/// <summary>
/// Fills an empty <c>spec.checkType</c> from where the task's definition is listed: the pre/post/promotion task lists
/// of the task's KeptnWorkload, KeptnApp and KeptnAppContext. Also fills <c>context.taskType</c> and
/// <c>context.objectType</c> when they are empty.
/// </summary>
internal sealed class CheckTypeDerivation(IClusterState state)
{
    private const int MaxSourcesShown = 3;

    private static readonly KeptnOwnerKind[] AppKinds = [KeptnOwnerKind.KeptnApp, KeptnOwnerKind.KeptnAppContext];
    private static readonly string CheckTypePath = JsonPointer.Of("spec", "checkType");
    private static readonly string TaskTypePath = JsonPointer.Of("spec", "context", "taskType");
    private static readonly string ObjectTypePath = JsonPointer.Of("spec", "context", "objectType");

    public void Apply(TaskUnderReview task, MutationPlan plan)
    {
        var fields = task.Fields;
        var checkType = fields.CheckType;
        if (fields.Spec.Kind != JsonValueKind.Object || !checkType.IsUnsetString ||
            fields.TaskDefinition.StringOrNull() is not { Length: > 0 } definition)
        {
            return;
        }

        var objectType = fields.ObjectType;
        if (!objectType.IsUnsetString && objectType.StringOrNull() is not ("Workload" or "App"))
        {
            // An objectType Keptn does not know is the validating webhook's to refuse, not this one's to guess.
            return;
        }

        var appName = NonEmpty(fields.AppName) ?? NonEmpty(fields.App);
        var workloadName = NonEmpty(fields.WorkloadName) ?? NonEmpty(fields.Workload);
        var searched = new List<Searched>(2);
        var match = objectType.StringOrNull() switch
        {
            null or "" => FindInWorkload(task.Namespace, appName, workloadName, definition, searched) ?? FindInApp(task.Namespace, appName, definition, searched),
            "Workload" => FindInWorkload(task.Namespace, appName, workloadName, definition, searched),
            _ => FindInApp(task.Namespace, appName, definition, searched),
        };

        if (match is not { Phase: { } phase, Owner: { } owner, Source: { } source })
        {
            // One warning per fact, so the 120-character limit of a warning never cuts off what was looked at.
            if (match?.Conflict is { } conflict)
            {
                plan.Warn($"spec.checkType not derived: \"{definition}\" is listed for several phases ({conflict})");
                foreach (var listing in match.Listings)
                {
                    plan.Warn($"\"{definition}\" is a {listing.Phase} task in {listing.Source} of {listing.Owner}");
                }
            }
            else if (searched.Count == 0)
            {
                plan.Warn($"spec.checkType not derived: \"{definition}\": the task names no workload or app");
            }
            else
            {
                for (var i = 0; i < searched.Count && i < MaxSourcesShown; i++)
                {
                    plan.Warn($"spec.checkType not derived: \"{definition}\" is not listed by {searched[i]}");
                }
            }

            return;
        }

        var value = phase.ToCheckType();
        plan.Set(!checkType.IsAbsent, CheckTypePath, value);
        if (fields.Context.Kind == JsonValueKind.Object)
        {
            var taskType = fields.TaskType;
            if (taskType.IsUnsetString)
            {
                plan.Set(!taskType.IsAbsent, TaskTypePath, value);
            }

            if (objectType.IsUnsetString)
            {
                plan.Set(!objectType.IsAbsent, ObjectTypePath, owner.Kind == KeptnOwnerKind.KeptnWorkload ? "Workload" : "App");
            }
        }

        // Written in one go, without the owner's "Kind namespace/name" as a string of its own first.
        plan.Audit("checktype", $"{value}: \"{definition}\" is in {source} of {KindName(owner.Kind)} {owner.Namespace}/{owner.Name}");
    }

    /// <summary>The workload named in the context, else the operator's <c>&lt;app&gt;-&lt;workload&gt;</c> name for it.</summary>
    private Match? FindInWorkload(string @namespace, string? appName, string? workloadName, string definition, List<Searched> searched)
    {
        if (workloadName is null)
        {
            return null;
        }

        var workload = state.FindOwner(KeptnOwnerKind.KeptnWorkload, @namespace, workloadName);
        if (workload is null && appName is not null)
        {
            workload = state.FindOwner(KeptnOwnerKind.KeptnWorkload, @namespace, $"{appName}-{workloadName}");
        }

        if (workload is null)
        {
            searched.Add(new Searched("KeptnWorkload", workloadName, Missing: true));
            return null;
        }

        searched.Add(new Searched(workload.Kind, workload.Name));
        return Find([workload], definition);
    }

    private Match? FindInApp(string @namespace, string? appName, string definition, List<Searched> searched)
    {
        if (appName is null)
        {
            return null;
        }

        var app = state.FindOwner(AppKinds[0], @namespace, appName);
        var appContext = state.FindOwner(AppKinds[1], @namespace, appName);
        foreach (var owner in (ReadOnlySpan<TaskListOwner?>)[app, appContext])
        {
            if (owner is not null)
            {
                searched.Add(new Searched(owner.Kind, owner.Name));
            }
        }

        if (app is null && appContext is null)
        {
            searched.Add(new Searched("KeptnApp", appName, Missing: true));
            return null;
        }

        return app is null ? Find([appContext!], definition) : appContext is null ? Find([app], definition) : Find([app, appContext], definition);
    }

    /// <summary>The one phase the definition is listed for, a conflict when it is listed for several, or null when for none.</summary>
    /// <remarks>The common answer (one phase) allocates only the match; the conflict's details are gathered only for a conflict.</remarks>
    private static Match? Find(ReadOnlySpan<TaskListOwner> owners, string definition)
    {
        Match? found = null;
        var phases = 0;
        foreach (var owner in owners)
        {
            // Indexed: a foreach over the IReadOnlyList would box its enumerator, once per owner and review.
            for (var i = 0; i < owner.Lists.Count; i++)
            {
                var list = owner.Lists[i];
                if (list.TaskDefinitions.Contains(definition))
                {
                    phases |= 1 << (int)list.Phase;
                    found ??= new Match(list.Phase, owner, list.Source, null);
                }
            }
        }

        if (phases == 0)
        {
            return null;
        }

        if ((phases & (phases - 1)) == 0)
        {
            return found;
        }

        var names = new SortedSet<string>(StringComparer.Ordinal);
        var listings = new List<Listing>();
        foreach (var owner in owners)
        {
            foreach (var list in owner.Lists)
            {
                if (list.TaskDefinitions.Contains(definition))
                {
                    names.Add(list.Phase.ToCheckType());
                    listings.Add(new Listing(list.Phase.ToCheckType(), list.Source, $"{owner.Kind} {owner.Name}"));
                }
            }
        }

        return Match.None with { Conflict = string.Join(", ", names), Listings = listings };
    }

    // Not kind.ToString(): that formats the enum through reflection's tables, once per owner named in every review.
    private static string KindName(KeptnOwnerKind kind) => kind switch
    {
        KeptnOwnerKind.KeptnWorkload => nameof(KeptnOwnerKind.KeptnWorkload),
        KeptnOwnerKind.KeptnApp => nameof(KeptnOwnerKind.KeptnApp),
        _ => nameof(KeptnOwnerKind.KeptnAppContext),
    };

    private static string? NonEmpty(FieldValue value) => value.StringOrNull() is { Length: > 0 } text ? text : null;

    private sealed record Match(TaskPhase? Phase, TaskListOwner? Owner, string? Source, string? Conflict)
    {
        public static readonly Match None = new(null, null, null, null);

        public IReadOnlyList<Listing> Listings { get; init; } = [];
    }

    private sealed record Listing(string Phase, string Source, string Owner);

    /// <summary>A place that was looked at, formatted only when a warning names it.</summary>
    private readonly record struct Searched(string Kind, string Name, bool Missing = false)
    {
        public Searched(KeptnOwnerKind kind, string name)
            : this(KindName(kind), name)
        {
        }

        public override string ToString() => Missing ? $"{Kind} {Name} (missing)" : $"{Kind} {Name}";
    }
}
