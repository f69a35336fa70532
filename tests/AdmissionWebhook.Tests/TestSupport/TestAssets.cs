namespace AdmissionWebhook.Tests.TestSupport;

/// <summary>Files under <c>testassets/</c>, copied to the output folder by the test project.</summary>
internal static class TestAssets
{
    public static string PathOf(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "testassets", .. parts]);
}
