using AdmissionWebhook.Admission;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.Tests.TestSupport;
using AdmissionWebhook.Validation;

namespace AdmissionWebhook.Tests.Validation;

/// <summary>
/// SPEC 3.2/3.3: the watch cache answers first; a name found in it and a definition missing from it are confirmed with
/// a live GET, and an unreachable API server is handled by the lookup-failure policy.
/// </summary>
public sealed class LiveLookupTests
{
    private const string Namespace = Requests.Namespace;

    private readonly FakeClusterState _cluster = new();

    public LiveLookupTests()
    {
        _cluster.Cache.AddTaskDefinition(Namespace, "check-entry-conditions");
    }

    [Fact]
    public async Task Create_NameInCacheButDeletedLive_IsAllowed()
    {
        _cluster.Cache.AddTask(Namespace, "helloworldtask-1");
        _cluster.LiveTask = (_, _) => Lookup.NotFound;

        var outcome = await ValidateCreateAsync("helloworldtask-1");

        Assert.True(outcome.Allowed);
        Assert.Equal([$"KeptnTask {Namespace}/helloworldtask-1"], _cluster.Confirmations);
    }

    [Fact]
    public async Task Create_NameInCacheAndLive_IsRefusedWith409()
    {
        _cluster.Cache.AddTask(Namespace, "helloworldtask-1");
        _cluster.LiveTask = (_, _) => Lookup.Found;

        var outcome = await ValidateCreateAsync("helloworldtask-1");

        Assert.False(outcome.Allowed);
        Assert.Equal(409, outcome.Status!.Code);
        Assert.Equal(StatusReasons.AlreadyExists, outcome.Status.Reason);
        Assert.Contains("create this one as \"helloworldtask-2\"", outcome.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_NewNameAndCachedDefinition_MakesNoLiveCall()
    {
        var outcome = await ValidateCreateAsync("helloworldtask-7");

        Assert.True(outcome.Allowed);
        Assert.Empty(_cluster.Confirmations);
    }

    [Fact]
    public async Task Create_NameLookupUnavailableUnderAllowPolicy_IsAllowedWithAWarning()
    {
        _cluster.Cache.AddTask(Namespace, "helloworldtask-1");
        _cluster.LiveTask = (_, _) => Lookup.Unavailable("timeout after 2s");

        var outcome = await ValidateCreateAsync("helloworldtask-1");

        Assert.True(outcome.Allowed);
        Assert.Equal(["name \"helloworldtask-1\" not checked: API server unavailable; allowed by policy"], outcome.Warnings);
    }

    [Fact]
    public async Task Create_NameLookupUnavailableUnderDenyPolicy_IsRefusedWith503()
    {
        _cluster.Cache.AddTask(Namespace, "helloworldtask-1");
        _cluster.LiveTask = (_, _) => Lookup.Unavailable("timeout after 2s");

        var outcome = await ValidateCreateAsync("helloworldtask-1", LookupFailurePolicy.Deny);

        Assert.False(outcome.Allowed);
        Assert.Equal(503, outcome.Status!.Code);
        Assert.Equal(StatusReasons.ServiceUnavailable, outcome.Status.Reason);
        Assert.Equal(
            "KeptnTask \"helloworldtask-1\" cannot be created: metadata.name: could not check name \"helloworldtask-1\": " +
            "the API server did not answer (timeout after 2s); try again in a moment",
            outcome.Status.Message);
    }

    [Fact]
    public async Task Create_DefinitionMissingFromCacheButFoundLiveInOwnNamespace_IsAllowed()
    {
        _cluster.LiveTaskDefinition = (ns, name) => ns == Namespace && name == "smoke-test" ? Lookup.Found : Lookup.NotFound;

        var outcome = await ValidateCreateAsync("smoke-test-1", definition: "smoke-test");

        Assert.True(outcome.Allowed);
        Assert.Equal([$"KeptnTaskDefinition {Namespace}/smoke-test"], _cluster.Confirmations);
    }

    [Fact]
    public async Task Create_DefinitionMissingFromCacheButFoundLiveInKeptnNamespace_IsAllowed()
    {
        _cluster.LiveTaskDefinition = (ns, _) => ns == "keptn-system" ? Lookup.Found : Lookup.NotFound;

        var outcome = await ValidateCreateAsync("smoke-test-1", definition: "smoke-test");

        Assert.True(outcome.Allowed);
        Assert.Equal([$"KeptnTaskDefinition {Namespace}/smoke-test", "KeptnTaskDefinition keptn-system/smoke-test"], _cluster.Confirmations);
    }

    [Fact]
    public async Task Create_DefinitionMissingFromCacheAndLive_IsRefusedWith422()
    {
        var outcome = await ValidateCreateAsync("smoke-test-1", definition: "smoke-test");

        Assert.False(outcome.Allowed);
        Assert.Equal(422, outcome.Status!.Code);
        Assert.Contains("no KeptnTaskDefinition \"smoke-test\" in namespace \"podtato-kubectl\" or in the Keptn namespace \"keptn-system\"", outcome.Status.Message, StringComparison.Ordinal);
        Assert.Equal(2, _cluster.Confirmations.Count);
    }

    [Fact]
    public async Task Create_InTheKeptnNamespace_ConfirmsTheDefinitionOnce()
    {
        var outcome = await ValidateCreateAsync("smoke-test-1", definition: "smoke-test", @namespace: "keptn-system");

        Assert.False(outcome.Allowed);
        Assert.Equal(["KeptnTaskDefinition keptn-system/smoke-test"], _cluster.Confirmations);
    }

    [Fact]
    public async Task Create_DefinitionLookupUnavailableUnderAllowPolicy_IsAllowedWithAWarning()
    {
        _cluster.LiveTaskDefinition = (_, _) => Lookup.Unavailable("connection refused");

        var outcome = await ValidateCreateAsync("smoke-test-1", definition: "smoke-test");

        Assert.True(outcome.Allowed);
        Assert.Equal(["KeptnTaskDefinition \"smoke-test\" not checked: API server unavailable; allowed by policy"], outcome.Warnings);
    }

    [Fact]
    public async Task Create_DefinitionLookupUnavailableUnderDenyPolicy_IsRefusedWith503()
    {
        _cluster.LiveTaskDefinition = (_, _) => Lookup.Unavailable("connection refused");

        var outcome = await ValidateCreateAsync("smoke-test-1", LookupFailurePolicy.Deny, definition: "smoke-test");

        Assert.False(outcome.Allowed);
        Assert.Equal(503, outcome.Status!.Code);
        Assert.Contains("spec.taskDefinition: could not check KeptnTaskDefinition \"smoke-test\": the API server did not answer (connection refused)", outcome.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_UnavailableLookupAndAnInvalidField_IsRefusedWith422ListingBoth()
    {
        _cluster.LiveTaskDefinition = (_, _) => Lookup.Unavailable("connection refused");
        var task = Requests.Task("smoke-test-1", "smoke-test").Replace("\"appVersion\": \"0.1.0\",", "\"appVersion\": 1,", StringComparison.Ordinal);

        var outcome = await ValidateAsync(Requests.KeptnTask("CREATE", task), LookupFailurePolicy.Deny);

        Assert.Equal(422, outcome.Status!.Code);
        Assert.Contains("2 problems: (1) spec.taskDefinition: could not check", outcome.Status.Message, StringComparison.Ordinal);
        Assert.Contains("(2) spec.context.appVersion: must be a string, not a number", outcome.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_OfATaskTheCacheDoesNotKnow_MakesNoLiveCall()
    {
        var task = Requests.Task("helloworldtask-1");

        var outcome = await ValidateAsync(Requests.KeptnTask("UPDATE", task, task));

        Assert.True(outcome.Allowed);
        Assert.Empty(_cluster.Confirmations);
    }

    private Task<AdmissionOutcome> ValidateCreateAsync(
        string name,
        LookupFailurePolicy policy = LookupFailurePolicy.Allow,
        string definition = "check-entry-conditions",
        string @namespace = Namespace) =>
        ValidateAsync(Requests.KeptnTask("CREATE", Requests.Task(name, definition), @namespace: @namespace), policy);

    private async Task<AdmissionOutcome> ValidateAsync(AdmissionRequest request, LookupFailurePolicy policy = LookupFailurePolicy.Allow)
    {
        var validator = new KeptnTaskValidator(_cluster, new WebhookOptions { LookupFailurePolicy = policy });
        using var timeout = TimeBox.NewToken();
        return await TimeBox.Within(validator.ValidateAsync(TaskUnderReview.From(request), new LookupDeadline(timeout.Token)));
    }
}
