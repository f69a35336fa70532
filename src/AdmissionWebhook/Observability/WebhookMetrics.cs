using System.Collections.Concurrent;
using AdmissionWebhook.ClusterState;
using AdmissionWebhook.Hosting;
using Prometheus;

namespace AdmissionWebhook.Observability;

/// <summary>
/// The webhook's Prometheus metrics, in a registry of its own (so several hosts in one test process do not share
/// counters). Cache and certificate gauges are read at scrape time rather than kept up to date on the hot path.
/// </summary>
internal sealed class WebhookMetrics
{
    private readonly Counter _reviews;
    private readonly Histogram _duration;
    private readonly Gauge _inFlight;
    private readonly Counter _rejectedBodies;
    private readonly Counter _lookups;
    private readonly Counter _logLinesDropped;

    // The label children a review touches, found without building a label array per review.
    private readonly ConcurrentDictionary<(string Endpoint, string Operation, string Decision), Counter.Child> _reviewChildren = new();
    private readonly ConcurrentDictionary<string, Histogram.Child> _durationChildren = new(StringComparer.Ordinal);

    public WebhookMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);

        // Nothing here traces requests, and looking for a trace context on every observation cost a review a microsecond.
        factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        _reviews = factory.CreateCounter("keptn_webhook_reviews_total", "AdmissionReviews answered, by endpoint, operation and decision (allowed, patched, denied).", "endpoint", "operation", "decision");
        _duration = factory.CreateHistogram("keptn_webhook_review_duration_seconds", "Time from reading the body to writing the answer.", new HistogramConfiguration
        {
            LabelNames = ["endpoint"],
            Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16),
        });
        _inFlight = factory.CreateGauge("keptn_webhook_reviews_in_flight", "Reviews being answered right now.");
        _rejectedBodies = factory.CreateCounter("keptn_webhook_rejected_bodies_total", "Requests that were not AdmissionReviews, by endpoint and HTTP status.", "endpoint", "status");
        _lookups = factory.CreateCounter("keptn_webhook_lookups_total", "Confirming GETs to the API server, by kind and result (found, not_found, unavailable).", "kind", "result");
        _logLinesDropped = factory.CreateCounter("keptn_webhook_log_lines_dropped_total", "Log lines dropped because stdout had not taken the ones before them (a stuck log pipe); reviews never wait for the log.");
        CacheObjects = factory.CreateGauge("keptn_webhook_cache_objects", "Objects held in the cluster-state cache, by kind.", "kind");
        CacheSynced = factory.CreateGauge("keptn_webhook_cache_synced", "1 when the kind's cache has completed its first list.", "kind");
        CertificateExpiry = factory.CreateGauge("keptn_webhook_certificate_expiry_seconds", "Seconds until the serving certificate expires.");
    }

    public CollectorRegistry Registry { get; }

    internal Gauge CacheObjects { get; }

    internal Gauge CacheSynced { get; }

    internal Gauge CertificateExpiry { get; }

    /// <summary>Marks a review as started; dispose the result when the answer is written.</summary>
    public InFlight Start() => new(_inFlight);

    public void Reviewed(string endpoint, string operation, string decision, TimeSpan duration)
    {
        // Operations come from the request: anything but the four Kubernetes ones is folded, so labels stay bounded.
        var knownOperation = operation is "CREATE" or "UPDATE" or "DELETE" or "CONNECT" ? operation : "other";
        _reviewChildren.GetOrAdd((endpoint, knownOperation, decision), static (labels, reviews) => reviews.WithLabels(labels.Endpoint, labels.Operation, labels.Decision), _reviews).Inc();
        _durationChildren.GetOrAdd(endpoint, static (label, durations) => durations.WithLabels(label), _duration).Observe(duration.TotalSeconds);
    }

    public void Rejected(string endpoint, int status) => _rejectedBodies.WithLabels(endpoint, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();

    public void Lookup(string kind, LookupResult result) => _lookups.WithLabels(kind, result switch
    {
        LookupResult.Found => "found",
        LookupResult.NotFound => "not_found",
        _ => "unavailable",
    }).Inc();

    /// <summary>Reads cache, certificate and log state at every scrape.</summary>
    public void ObserveAtScrape(IClusterState state, ServingCertificate certificate, TimeProvider time, ReviewLineOutput logs)
    {
        Registry.AddBeforeCollectCallback(() =>
        {
            _logLinesDropped.IncTo(logs.Stdout?.Dropped ?? 0);
            foreach (var cache in state.CacheStates)
            {
                CacheObjects.WithLabels(cache.Kind).Set(cache.Objects);
                CacheSynced.WithLabels(cache.Kind).Set(cache.Synced ? 1 : 0);
            }

            if (certificate.Certificate is { } served)
            {
                CertificateExpiry.Set((served.NotAfter.ToUniversalTime() - time.GetUtcNow().UtcDateTime).TotalSeconds);
            }
        });
    }

    internal readonly struct InFlight : IDisposable
    {
        private readonly Gauge _gauge;

        public InFlight(Gauge gauge)
        {
            _gauge = gauge;
            _gauge.Inc();
        }

        public void Dispose() => _gauge.Dec();
    }
}
