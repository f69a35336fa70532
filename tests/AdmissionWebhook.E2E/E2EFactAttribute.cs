namespace AdmissionWebhook.E2E;

/// <summary>
/// A fact that runs only when <c>KEPTN_WEBHOOK_E2E=1</c>: it needs a real etcd and kube-apiserver (see
/// tests/e2e/README.md). Otherwise it is skipped with a message that says how to enable it; CI enables it and fails on
/// any skip.
/// </summary>
public sealed class E2EFactAttribute : FactAttribute
{
    public const string Variable = "KEPTN_WEBHOOK_E2E";

    public const string SkipReason =
        "end-to-end test against a real kube-apiserver: run it with `KEPTN_WEBHOOK_E2E=1 dotnet test tests/AdmissionWebhook.E2E` (tests/e2e/README.md)";

    public E2EFactAttribute()
    {
        if (!Enabled)
        {
            Skip = SkipReason;
        }
    }

    public static bool Enabled => Environment.GetEnvironmentVariable(Variable) == "1";
}
