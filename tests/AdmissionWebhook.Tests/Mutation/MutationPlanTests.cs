using AdmissionWebhook.Admission;
using AdmissionWebhook.Mutation;

namespace AdmissionWebhook.Tests.Mutation;

public sealed class MutationPlanTests
{
    [Fact]
    public void Set_MissingMember_IsAnAdd()
    {
        var plan = new MutationPlan();

        plan.Set(exists: false, "/spec/retries", 10);

        Assert.Equal([new PatchOperation("add", "/spec/retries", 10)], plan.Operations);
    }

    [Fact]
    public void Set_ExistingMember_IsAReplace()
    {
        var plan = new MutationPlan();

        plan.Set(exists: true, "/spec/timeout", "300s");

        Assert.Equal([new PatchOperation("replace", "/spec/timeout", "300s")], plan.Operations);
    }

    [Fact]
    public void ToOutcome_NothingPlanned_IsAllowedWithoutPatch()
    {
        var outcome = new MutationPlan().ToOutcome();

        Assert.True(outcome.Allowed);
        Assert.Empty(outcome.Patch);
        Assert.Empty(outcome.Warnings);
        Assert.Empty(outcome.AuditAnnotations);
        Assert.Equal("allowed", outcome.Decision);
    }

    [Fact]
    public void ToOutcome_KeepsOperationsInOrderWithWarningsAndAnnotations()
    {
        var plan = new MutationPlan();
        plan.Set(false, "/spec/retries", 10);
        plan.Set(false, "/spec/timeout", "5m");
        plan.Warn("spec.timeout 300 has no unit");
        plan.Audit("retries", "defaulted to 10");

        var outcome = plan.ToOutcome();

        Assert.Equal(["/spec/retries", "/spec/timeout"], outcome.Patch.Select(op => op.Path));
        Assert.Equal(["spec.timeout 300 has no unit"], outcome.Warnings);
        Assert.Equal("defaulted to 10", outcome.AuditAnnotations["retries"]);
        Assert.Equal("patched", outcome.Decision);
    }

    [Fact]
    public void ToOutcome_LongWarning_IsCutTo120Characters()
    {
        var plan = new MutationPlan();
        plan.Warn(new string('w', 300));

        Assert.Equal(Warnings.MaxLength, Assert.Single(plan.ToOutcome().Warnings).Length);
    }

    [Fact]
    public void Audit_SameKeyTwice_KeepsTheLastValue()
    {
        var plan = new MutationPlan();
        plan.Audit("timeout", "first");
        plan.Audit("timeout", "second");

        Assert.Equal("second", Assert.Single(plan.ToOutcome().AuditAnnotations).Value);
    }
}
