using AdmissionWebhook.Admission;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.KeptnTasks;
using AdmissionWebhook.Mutation;
using AdmissionWebhook.Tests.TestSupport;
using AdmissionWebhook.Validation;

namespace AdmissionWebhook.Tests.Admission;

/// <summary>
/// What the reviewer decides before the rules run (SPEC 2): which requests are left alone and which are malformed.
/// These check the decision itself; the rule fixtures check the same cases on the wire.
/// </summary>
public sealed class KeptnTaskReviewerTests
{
    private readonly KeptnTaskReviewer _reviewer;

    public KeptnTaskReviewerTests()
    {
        var state = ExampleCluster.Load();
        var options = new WebhookOptions();
        _reviewer = new KeptnTaskReviewer(new KeptnTaskValidator(state, options), new KeptnTaskMutator(state, options));
    }

    public static TheoryData<string> UntouchedRequestNames => new(Untouched.Keys);

    private static readonly Dictionary<string, AdmissionRequest> Untouched = new(StringComparer.Ordinal)
    {
        { "a DELETE", Requests.KeptnTask("DELETE", null, Requests.Task("helloworldtask-1")) },
        { "a CONNECT", Requests.KeptnTask("CONNECT", null) },
        { "an UPDATE of /status whose spec differs", Requests.KeptnTask("UPDATE", Requests.Task("helloworldtask-1", "post-deployment-loadtests"), Requests.Task("helloworldtask-1"), subResource: "status") },
        {
            "a Deployment with an invalid name",
            Requests.KeptnTask("CREATE", """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"Not_A_Task"}}""") with
            {
                Kind = new GroupVersionName("apps", "v1", "Deployment"),
                Resource = new GroupVersionName("apps", "v1", "deployments"),
            }
        },
        {
            "a KeptnTaskDefinition named like an existing task",
            Requests.KeptnTask("CREATE", """{"apiVersion":"lifecycle.keptn.sh/v1","kind":"KeptnTaskDefinition","metadata":{"name":"helloworldtask-1"}}""") with
            {
                Kind = new GroupVersionName(KeptnTaskVersion.Group, "v1", "KeptnTaskDefinition"),
                Resource = new GroupVersionName(KeptnTaskVersion.Group, "v1", "keptntaskdefinitions"),
            }
        },
        {
            "a hand-written review, without kind or resource, of a KeptnTask kind from another API group",
            Requests.KeptnTask("CREATE", """{"apiVersion":"apps/v1","kind":"KeptnTask","metadata":{"name":"Not_A_Task"}}""") with { Kind = default, Resource = default }
        },
    };

    [Theory]
    [MemberData(nameof(UntouchedRequestNames))]
    public async Task Validate_RequestTheRulesDoNotLookAt_IsAllowedWithoutStatus(string what)
    {
        using var timeout = TimeBox.NewToken();

        var outcome = await TimeBox.Within(_reviewer.ValidateAsync(Untouched[what], new LookupDeadline(timeout.Token)));

        Assert.True(outcome.Allowed, what);
        Assert.Null(outcome.Status);
        Assert.Empty(outcome.Patch);
        Assert.Empty(outcome.Warnings);
    }

    [Theory]
    [MemberData(nameof(UntouchedRequestNames))]
    public void Mutate_RequestTheRulesDoNotLookAt_IsNotPatched(string what)
    {
        var outcome = _reviewer.Mutate(Untouched[what]);

        Assert.True(outcome.Allowed, what);
        Assert.Empty(outcome.Patch);
        Assert.Empty(outcome.Warnings);
    }

    [Fact]
    public void Mutate_Update_IsNeverPatched()
    {
        var task = Requests.Task("helloworldtask-1");

        var outcome = _reviewer.Mutate(Requests.KeptnTask("UPDATE", task, task));

        Assert.True(outcome.Allowed);
        Assert.Empty(outcome.Patch);
    }

    [Fact]
    public void Mutate_Create_IsPatched()
    {
        var outcome = _reviewer.Mutate(Requests.KeptnTask("CREATE", Requests.Task("helloworldtask-9")));

        Assert.Equal(["/spec/retries", "/spec/timeout", "/spec/checkType", "/spec/context/taskType", "/spec/context/objectType"], outcome.Patch.Select(op => op.Path));
    }

    [Fact]
    public async Task Validate_HandWrittenReviewOfAKeptnTask_IsRecognisedByItsObject()
    {
        var request = Requests.KeptnTask("CREATE", Requests.Task("helloworldtask-1")) with { Kind = default, Resource = default };
        using var timeout = TimeBox.NewToken();

        var outcome = await TimeBox.Within(_reviewer.ValidateAsync(request, new LookupDeadline(timeout.Token)));

        Assert.Equal(409, outcome.Status?.Code);
    }

    [Fact]
    public async Task Validate_ResourceKeptnTasksWithoutKind_IsReviewed()
    {
        var request = Requests.KeptnTask("CREATE", Requests.Task("helloworldtask-1")) with { Kind = default };
        using var timeout = TimeBox.NewToken();

        var outcome = await TimeBox.Within(_reviewer.ValidateAsync(request, new LookupDeadline(timeout.Token)));

        Assert.Equal(409, outcome.Status?.Code);
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"helloworldtask-1"},"spec":{"taskDefinition":"x"}}""", """{"metadata":{"name":"helloworldtask-1"}}""", false)]
    [InlineData("""{"metadata":{"name":"helloworldtask-1"}}""", """{"metadata":{"name":"helloworldtask-1"},"spec":{"taskDefinition":"x"}}""", false)]
    [InlineData("""{"metadata":{"name":"helloworldtask-1"}}""", """{"metadata":{"name":"helloworldtask-1"}}""", true)]
    [InlineData("""{"metadata":{"name":"helloworldtask-1"},"spec":null}""", """{"metadata":{"name":"helloworldtask-1"}}""", true)]
    public async Task Validate_UpdateWhereASpecIsMissing_IsASpecChangeOnlyWhenTheOtherSideHasOne(string task, string storedTask, bool allowed)
    {
        var request = Requests.KeptnTask("UPDATE", task, storedTask);
        using var timeout = TimeBox.NewToken();

        var outcome = await TimeBox.Within(_reviewer.ValidateAsync(request, new LookupDeadline(timeout.Token)));

        Assert.Equal(allowed, outcome.Allowed);
        Assert.Equal(allowed ? null : 422, outcome.Status?.Code);
        Assert.Contains(allowed ? string.Empty : "the spec of an existing KeptnTask cannot be changed", outcome.Status?.Message ?? string.Empty, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CREATE", false, false, "request.object")]
    [InlineData("UPDATE", false, true, "request.object")]
    [InlineData("UPDATE", true, false, "request.oldObject")]
    public async Task Validate_ObjectMissing_IsABadRequestNamingTheField(string operation, bool withObject, bool withOldObject, string field)
    {
        var task = Requests.Task("helloworldtask-5");
        var request = Requests.KeptnTask(operation, withObject ? task : null, withOldObject ? task : null);
        using var timeout = TimeBox.NewToken();

        var outcome = await TimeBox.Within(_reviewer.ValidateAsync(request, new LookupDeadline(timeout.Token)));

        Assert.False(outcome.Allowed);
        Assert.Equal(400, outcome.Status!.Code);
        Assert.Equal(StatusReasons.BadRequest, outcome.Status.Reason);
        Assert.StartsWith("the AdmissionReview is malformed: ", outcome.Status.Message, StringComparison.Ordinal);
        Assert.EndsWith($"KeptnTask in {field}", outcome.Status.Message, StringComparison.Ordinal);
        Assert.Equal(outcome.Status, _reviewer.Mutate(request).Status);
    }

    [Fact]
    public async Task Validate_MalformedField_IsABadRequestEvenForAnotherResource()
    {
        var request = Requests.KeptnTask("DELETE", null) with
        {
            Resource = new GroupVersionName("apps", "v1", "deployments"),
            MalformedReason = "request.dryRun must be a boolean, not a string",
        };
        using var timeout = TimeBox.NewToken();

        var outcome = await TimeBox.Within(_reviewer.ValidateAsync(request, new LookupDeadline(timeout.Token)));

        Assert.Equal(new AdmissionStatus(400, StatusReasons.BadRequest, "the AdmissionReview is malformed: request.dryRun must be a boolean, not a string"), outcome.Status);
    }

    [Fact]
    public async Task Validate_DryRun_GetsTheSameAnswer()
    {
        var request = Requests.KeptnTask("CREATE", Requests.Task("helloworldtask-1"));
        using var timeout = TimeBox.NewToken();

        var real = await TimeBox.Within(_reviewer.ValidateAsync(request, new LookupDeadline(timeout.Token)));
        var dryRun = await TimeBox.Within(_reviewer.ValidateAsync(request with { DryRun = true }, new LookupDeadline(timeout.Token)));

        Assert.Equal(real.Status, dryRun.Status);
        Assert.Equal(409, dryRun.Status?.Code);
    }
}
