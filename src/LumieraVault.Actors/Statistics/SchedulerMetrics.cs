using System.Diagnostics;
using System.Diagnostics.Metrics;
using LumieraVault.Rendering;

namespace LumieraVault.Statistics;

/// <summary>
/// The render scheduler's statistics, on the same meter as the vault's (<c>LumieraVault</c>), every instrument
/// tagged with the actor system's name (<c>vault</c>); render times also with the renderer's id (<c>renderer</c>).
/// </summary>
public sealed class SchedulerMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly KeyValuePair<string, object?> _vault;

    internal readonly StripedCounter Queued = new();
    internal readonly StripedCounter Started = new();
    internal readonly StripedCounter Merged = new();
    internal readonly StripedCounter Dropped = new();
    internal readonly StripedCounter Late = new();
    internal readonly StripedCounter Failed = new();
    internal readonly StripedCounter TimedOut = new();
    internal readonly StripedCounter CommitsFailed = new();
    internal readonly Level QueueLength = new();
    internal readonly Histogram<double> Ready;
    internal readonly LatencySamples ReadySamples = new(4096);
    private readonly Histogram<double> _renderTime;

    internal SchedulerMetrics(string vaultName)
    {
        _meter = new Meter(VaultMetrics.MeterName, "1.0");
        _vault = new KeyValuePair<string, object?>("vault", vaultName);
        KeyValuePair<string, object?>[] tags = [_vault];
        _meter.CreateObservableCounter("lumiera.vault.render.jobs.queued", () => new Measurement<long>(Queued.Value, tags), "{job}", "render jobs queued (requests for a frame no job was rendering, prefetches and following frames)");
        _meter.CreateObservableCounter("lumiera.vault.render.jobs.started", () => new Measurement<long>(Started.Value, tags), "{job}", "render jobs given to a worker");
        _meter.CreateObservableCounter("lumiera.vault.render.jobs.merged", () => new Measurement<long>(Merged.Value, tags), "{request}", "requests merged into a job already queued or running for the same frame");
        _meter.CreateObservableCounter("lumiera.vault.render.jobs.dropped", () => new Measurement<long>(Dropped.Value, tags), "{request}", "droppable requests answered dropped (late, or superseded)");
        _meter.CreateObservableCounter("lumiera.vault.render.jobs.late", () => new Measurement<long>(Late.Value, tags), "{job}", "jobs delivered after a non-droppable requester's deadline");
        _meter.CreateObservableCounter("lumiera.vault.render.jobs.failed", () => new Measurement<long>(Failed.Value, tags), "{job}", "jobs whose renderer or store failed, and dependency cycles refused");
        _meter.CreateObservableCounter("lumiera.vault.render.jobs.timedout", () => new Measurement<long>(TimedOut.Value, tags), "{job}", "jobs abandoned at the job time limit");
        _meter.CreateObservableCounter("lumiera.vault.render.commits.failed", () => new Measurement<long>(CommitsFailed.Value, tags), "{batch}", "batches whose rendered frames could not be committed to the store (delivered, not cached)");
        _meter.CreateObservableUpDownCounter("lumiera.vault.render.queue.length", () => new Measurement<long>(QueueLength.Value, tags), "{job}", "render jobs waiting for a worker");
        Ready = _meter.CreateHistogram<double>("lumiera.vault.render.ready.duration", "us", "time from a render request to its frame");
        _renderTime = _meter.CreateHistogram<double>("lumiera.vault.render.duration", "ms", "time a renderer took per frame (tag renderer)");
    }

    internal void ReadyTime(long requestedAt)
    {
        double us = Stopwatch.GetElapsedTime(requestedAt).TotalMicroseconds;
        Ready.Record(us, _vault);
        ReadySamples.Add(us);
    }

    internal void RecordRenderTime(double milliseconds, KeyValuePair<string, object?> renderer) => _renderTime.Record(milliseconds, _vault, renderer);

    internal SchedulerStatistics Snapshot(int queued, int busy, RenderService service)
    {
        var p = ReadySamples.Percentiles(50, 99);
        return new SchedulerStatistics
        {
            Vault = _vault.Value as string ?? "",
            Workers = service.Settings.Workers,
            Busy = busy,
            QueueLength = queued,
            Queued = Queued.Value,
            Started = Started.Value,
            Merged = Merged.Value,
            Dropped = Dropped.Value,
            Late = Late.Value,
            Failed = Failed.Value,
            TimedOut = TimedOut.Value,
            CommitsFailed = CommitsFailed.Value,
            ReadyMedianMicroseconds = p[0],
            ReadyP99Microseconds = p[1],
            Renderers = service.Nodes.Select(n => new RendererStatistics(n.Id, n.Rendered, n.Rendered == 0 ? 0 : n.RenderTime.TotalMilliseconds / n.Rendered)).ToList(),
        };
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}

/// <summary>A level one thread sets and any thread reads.</summary>
internal sealed class Level
{
    private long _value;

    public long Value => Volatile.Read(ref _value);

    public void Set(long value) => Volatile.Write(ref _value, value);
}
