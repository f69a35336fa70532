using System.Text.Json.Nodes;

namespace AdmissionWebhook.Tests.Integration;

/// <summary>The example AdmissionReviews of the repository (examples/admission), read where they are, never copied.</summary>
internal static class Examples
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    public static string RepositoryRoot => Root.Value;

    public static string AdmissionFolder => Path.Combine(RepositoryRoot, "examples", "admission");

    /// <summary>The raw text of examples/admission/<paramref name="file"/>.</summary>
    public static string Text(string file) => File.ReadAllText(Path.Combine(AdmissionFolder, file));

    /// <summary>A fresh, mutable copy of the review in examples/admission/<paramref name="file"/>.</summary>
    public static JsonObject Review(string file) => JsonNode.Parse(Text(file))!.AsObject();

    /// <summary>The same review in another AdmissionReview version.</summary>
    public static JsonObject Review(string file, string apiVersion)
    {
        var review = Review(file);
        review["apiVersion"] = apiVersion;
        return review;
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "AdmissionWebhook.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds AdmissionWebhook.sln");
    }
}
