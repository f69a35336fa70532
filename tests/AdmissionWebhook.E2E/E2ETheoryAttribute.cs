namespace AdmissionWebhook.E2E;

/// <summary>The <see cref="E2EFactAttribute"/> of theories: runs only when <c>KEPTN_WEBHOOK_E2E=1</c>.</summary>
public sealed class E2ETheoryAttribute : TheoryAttribute
{
    public E2ETheoryAttribute()
    {
        if (!E2EFactAttribute.Enabled)
        {
            Skip = E2EFactAttribute.SkipReason;
        }
    }
}
