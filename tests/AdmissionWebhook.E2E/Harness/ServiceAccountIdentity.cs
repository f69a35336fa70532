namespace AdmissionWebhook.E2E.Harness;

/// <summary>A ServiceAccount's identity on the test control plane and a kubeconfig that authenticates as it.</summary>
public sealed record ServiceAccountIdentity(string Namespace, string Name, string UserName, string KubeconfigPath);
