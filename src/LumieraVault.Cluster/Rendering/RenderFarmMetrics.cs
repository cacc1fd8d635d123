using System.Diagnostics;
using System.Diagnostics.Metrics;
using LumieraVault.Statistics;

namespace LumieraVault.Cluster.Rendering;

/// <summary>
/// The render farm's instruments on the vault's meter (<c>LumieraVault</c>), tagged with the actor system's name
/// (<c>vault</c>); jobs sent and retried also with the address of the node concerned (<c>node</c>).
/// </summary>
public sealed class RenderFarmMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Histogram<double> _latency;

    internal RenderFarmMetrics(string vaultName, RenderFarm farm)
    {
        _meter = new Meter(VaultMetrics.MeterName, "1.0");
        Tag = new KeyValuePair<string, object?>("vault", vaultName);
        var tag = Tag;
        Sent = _meter.CreateCounter<long>("lumiera.cluster.render.jobs.sent", "{job}", "render jobs handed to a node (tag node), retries included");
        Retried = _meter.CreateCounter<long>("lumiera.cluster.render.jobs.retried", "{job}", "render jobs taken from a node that did not answer in time, failed to or left (tag node), to go to another");
        Failed = _meter.CreateCounter<long>("lumiera.cluster.render.jobs.failed", "{request}", "requests answered with an error");
        _meter.CreateObservableUpDownCounter("lumiera.cluster.render.jobs.in_flight", () => new Measurement<long>(farm.Pending, tag), "{request}", "requests not yet answered");
        _latency = _meter.CreateHistogram<double>("lumiera.cluster.render.latency", "ms", "time from a request to its frame");
    }

    internal KeyValuePair<string, object?> Tag { get; }

    internal Counter<long> Sent { get; }

    internal Counter<long> Retried { get; }

    internal Counter<long> Failed { get; }

    internal void Answered(FarmJob job) => _latency.Record(Stopwatch.GetElapsedTime(job.Started).TotalMilliseconds, Tag);

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
