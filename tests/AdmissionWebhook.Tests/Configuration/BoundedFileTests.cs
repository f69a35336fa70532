using System.Text;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.Tests.Cli;

namespace AdmissionWebhook.Tests.Configuration;

public sealed class BoundedFileTests
{
    private const long Limit = 1024;

    [Fact]
    public void AFileOfExactlyTheLimitIsReadWhole()
    {
        using var folder = new TempFolder();
        var file = folder.Write("full.yaml", new string('x', (int)Limit));

        Assert.Equal(new string('x', (int)Limit), BoundedFile.ReadAllText(file, Limit, "a test file"));
    }

    [Fact]
    public void AFileOneByteOverTheLimitIsRefusedNamingTheFileAndTheLimit()
    {
        using var folder = new TempFolder();
        var file = folder.Write("over.yaml", new string('x', (int)Limit + 1));

        var error = Assert.Throws<IOException>(() => BoundedFile.ReadAllText(file, Limit, "a test file"));

        Assert.Equal($"{file} is larger than 1024 bytes, the limit for a test file", error.Message);
    }

    [Fact]
    public void AnEndlessDeviceThatReportsLengthZeroIsRefusedOnceItPassesTheLimit()
    {
        Assert.Equal(0, new FileInfo("/dev/zero").Length);

        var error = Assert.Throws<IOException>(() => BoundedFile.ReadAllText("/dev/zero", 1024 * 1024, "a PEM file"));

        Assert.Equal("/dev/zero is larger than 1 MiB, the limit for a PEM file", error.Message);
    }

    [Fact]
    public void AByteOrderMarkIsDecodedAsFileReadAllTextDecodesIt()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "utf16.yaml");
        File.WriteAllText(file, "kind: KeptnTask ✓\n", Encoding.Unicode);

        Assert.Equal(File.ReadAllText(file), BoundedFile.ReadAllText(file, Limit, "a test file"));
    }
}
