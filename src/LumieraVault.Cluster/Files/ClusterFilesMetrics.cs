using System.Diagnostics.Metrics;
using LumieraVault.Statistics;

namespace LumieraVault.Cluster.Files;

/// <summary>
/// The statistics of frames that cross nodes, on the vault's meter (<c>LumieraVault</c>) like every other part's; every
/// instrument carries the tag <c>vault</c> with the actor system's name.
/// </summary>
public sealed class ClusterFilesMetrics : IDisposable
{
    private readonly Meter _meter = new(VaultMetrics.MeterName, "1.0");
    private readonly KeyValuePair<string, object?> _tag;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _failures;
    private readonly Histogram<double> _latency;
    private long _requestCount;
    private long _retryCount;
    private long _failureCount;

    internal ClusterFilesMetrics(string node)
    {
        _tag = new("vault", node);
        _requests = _meter.CreateCounter<long>("lumiera.cluster.frames.remote", "{request}", "frame requests sent to another node");
        _bytes = _meter.CreateCounter<long>("lumiera.cluster.frames.remote.bytes", "By", "bytes of frames received from other nodes");
        _retries = _meter.CreateCounter<long>("lumiera.cluster.frames.retries", "{request}", "remote requests sent again (no answer in time, or a node left)");
        _failures = _meter.CreateCounter<long>("lumiera.cluster.frames.failures", "{request}", "remote requests answered with a failure");
        _latency = _meter.CreateHistogram<double>("lumiera.cluster.frames.latency", "ms", "round trip of remote frame requests");
    }

    /// <summary>Remote requests sent (first attempts).</summary>
    public long Requests => Interlocked.Read(ref _requestCount);

    /// <summary>Remote requests sent again.</summary>
    public long Retries => Interlocked.Read(ref _retryCount);

    /// <summary>Remote requests answered with a failure.</summary>
    public long Failures => Interlocked.Read(ref _failureCount);

    internal void Requested()
    {
        Interlocked.Increment(ref _requestCount);
        _requests.Add(1, _tag);
    }

    internal void Retried()
    {
        Interlocked.Increment(ref _retryCount);
        _retries.Add(1, _tag);
    }

    internal void Failed()
    {
        Interlocked.Increment(ref _failureCount);
        _failures.Add(1, _tag);
    }

    internal void Received(int bytes, double milliseconds)
    {
        _bytes.Add(bytes, _tag);
        _latency.Record(milliseconds, _tag);
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
