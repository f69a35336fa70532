namespace AdmissionWebhook.E2E.Harness;

/// <summary>Every end-to-end test class shares one control plane, and the classes run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class ControlPlaneCollectionDefinition : ICollectionFixture<ControlPlane>
{
    public const string Name = "control plane";
}
