using System.Buffers;
using System.Text.Json;
using AdmissionWebhook.Admission;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Configuration;
using AdmissionWebhook.Mutation;
using AdmissionWebhook.Observability;
using AdmissionWebhook.Validation;
using BenchmarkDotNet.Attributes;

namespace Micro;

/// <summary>
/// The steps of a denied review (the duplicate-name body), each alone: where <see cref="ReviewBenchmarks"/>' total goes,
/// and the review line, which runs after the answer is sent. <c>Parse</c> and <c>Read</c> are the document reader the
/// decoder falls back to; <c>Decode</c> is what the endpoints run.
/// </summary>
[MemoryDiagnoser]
public class ReviewStepBenchmarks
{
    private readonly ArrayBufferWriter<byte> _answer = new(64 * 1024);
    private readonly ArrayBufferWriter<byte> _line = new(4096);
    private KeptnTaskReviewer _reviewer = null!;
    private byte[] _body = [];
    private JsonDocument _document = null!;
    private AdmissionRequest _request = null!;
    private AdmissionOutcome _outcome = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        var root = ReviewBenchmarks.FindRoot();
        var state = ManifestClusterState.Load([Path.Combine(root, "examples", "cluster")]);
        var options = new WebhookOptions();
        _reviewer = new KeptnTaskReviewer(new KeptnTaskValidator(state, options), new KeptnTaskMutator(state, options));
        _body = File.ReadAllBytes(Path.Combine(root, "bench", "bodies", "create-duplicate.json"));
        _document = JsonDocument.Parse(_body, AdmissionReviewReader.DocumentOptions);
        _request = AdmissionReviewReader.Read(_document.RootElement, out _)!;
        _outcome = await _reviewer.ValidateAsync(_request, LookupDeadline.None);
    }

    [GlobalCleanup]
    public void Cleanup() => _document.Dispose();

    [Benchmark]
    public int Decode()
    {
        using var decoded = AdmissionReviewDecoder.Decode(new ReadOnlySequence<byte>(_body));
        return decoded.Request!.Uid.Length;
    }

    [Benchmark]
    public int Parse()
    {
        using var document = JsonDocument.Parse(new ReadOnlySequence<byte>(_body), AdmissionReviewReader.DocumentOptions);
        return (int)document.RootElement.ValueKind;
    }

    [Benchmark]
    public int Read() => AdmissionReviewReader.Read(_document.RootElement, out _)!.Uid.Length;

    [Benchmark]
    public async ValueTask<bool> Validate() => (await _reviewer.ValidateAsync(_request, LookupDeadline.None)).Allowed;

    [Benchmark]
    public int WriteAnswer()
    {
        _answer.ResetWrittenCount();
        AdmissionReviewWriter.Write(_answer, _request.ReviewVersion, _request.Uid, _outcome);
        return _answer.WrittenCount;
    }

    /// <summary>The review line as a pod writes it (rendered compact JSON), from values already at hand.</summary>
    [Benchmark]
    public int WriteLine()
    {
        _line.ResetWrittenCount();
        var reason = new ReviewReason(_outcome.Status!.Code, _outcome.Status.Message);
        new ReviewLine(DateTimeOffset.Now, "validate", "CREATE", _request.Namespace!, _request.Name!, _request.Uid, _outcome.Decision, reason, false, TimeSpan.FromTicks(505))
            .WriteJson(_line);
        return _line.WrittenCount;
    }
}
