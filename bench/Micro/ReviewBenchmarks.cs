using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using AdmissionWebhook.Admission;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.Mutation;
using AdmissionWebhook.Validation;
using BenchmarkDotNet.Attributes;

namespace Micro;

/// <summary>
/// The in-process path of one review, as AdmissionEndpoints.HandleAsync runs it without HTTP: parse the body, read
/// the review, apply the rules, encode the answer (and the patch) into a reused buffer.
/// </summary>
[MemoryDiagnoser]
public class ReviewBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private KeptnTaskReviewer _reviewer = null!;
    private byte[] _valid = [];
    private byte[] _duplicate = [];
    private byte[] _v1Beta1 = [];
    private byte[] _undefaulted = [];
    private byte[] _large = [];

    [GlobalSetup]
    public void Setup()
    {
        var root = FindRoot();
        var state = ManifestClusterState.Load([Path.Combine(root, "examples", "cluster")]);
        var options = new WebhookOptions();
        _reviewer = new KeptnTaskReviewer(new KeptnTaskValidator(state, options), new KeptnTaskMutator(state, options));
        // The HTTP benchmark's bodies: reviews as a kube-apiserver sent them (bench/bodies/capture.sh).
        _valid = File.ReadAllBytes(Path.Combine(root, "bench", "bodies", "create-valid.json"));
        _undefaulted = File.ReadAllBytes(Path.Combine(root, "bench", "bodies", "create-valid-undefaulted.json"));
        _duplicate = File.ReadAllBytes(Path.Combine(root, "bench", "bodies", "create-duplicate.json"));
        _v1Beta1 = File.ReadAllBytes(Path.Combine(root, "bench", "bodies", "create-v1beta1-review.json"));
        _large = LargeReview(_undefaulted);
    }

    [Benchmark(Baseline = true)]
    public ValueTask<int> ValidateAllowed() => Validate(_valid);

    [Benchmark]
    public ValueTask<int> ValidateDenied() => Validate(_duplicate);

    [Benchmark]
    public ValueTask<int> Mutate() => Review(_undefaulted, mutate: true);

    [Benchmark]
    public ValueTask<int> ValidateV1Beta1() => Validate(_v1Beta1);

    [Benchmark]
    public ValueTask<int> Validate1MB() => Validate(_large);

    [Benchmark]
    public ValueTask<int> Mutate1MB() => Review(_large, mutate: true);

    private ValueTask<int> Validate(byte[] body) => Review(body, mutate: false);

    private async ValueTask<int> Review(byte[] body, bool mutate)
    {
        _output.ResetWrittenCount();
        using var decoded = AdmissionReviewDecoder.Decode(new ReadOnlySequence<byte>(body));
        var request = decoded.Request!;
        var outcome = mutate
            ? _reviewer.Mutate(request)
            : await _reviewer.ValidateAsync(request, LookupDeadline.None);
        AdmissionReviewWriter.Write(_output, request.ReviewVersion, request.Uid, outcome);
        return _output.WrittenCount;
    }

    /// <summary>The valid CREATE with ~1 MB of spec.parameters.map, as a task with a big inline parameter set would be.</summary>
    private static byte[] LargeReview(byte[] valid)
    {
        var review = JsonNode.Parse(valid)!;
        var map = new JsonObject();
        var value = new string('v', 100);
        // Each entry is about 120 bytes of JSON: "parameter-1234":"vvv…",
        for (var i = 0; i < 8_800; i++)
        {
            map[$"parameter-{i}"] = value;
        }

        review["request"]!["object"]!["spec"]!["parameters"] = new JsonObject { ["map"] = map };
        return Encoding.UTF8.GetBytes(review.ToJsonString());
    }

    internal static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AdmissionWebhook.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("run from inside the repository (AdmissionWebhook.sln not found above " + AppContext.BaseDirectory + ")");
    }
}
