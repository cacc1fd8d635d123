using System.Diagnostics.Metrics;

namespace LumieraVault.Statistics;

/// <summary>
/// The vault's statistics, published through <see cref="System.Diagnostics.Metrics"/> under the meter
/// <c>LumieraVault</c> (read them with <c>dotnet-counters monitor -n PROCESS --counters LumieraVault</c>
/// or any OpenTelemetry exporter). Every instrument carries the tag <c>vault</c> with the actor system's name.
/// </summary>
public sealed class VaultMetrics : IDisposable
{
    /// <summary>The name of the meter.</summary>
    public const string MeterName = "LumieraVault";

    private readonly Meter _meter;

    internal readonly Gauge HandlesOpen = new();
    internal readonly StripedCounter HandlesOpened = new();
    internal readonly StripedCounter HandlesClosed = new();
    internal readonly StripedCounter HandleWaits = new();
    internal readonly Gauge WindowsMapped = new();
    internal readonly StripedCounter WindowsMappedTotal = new();
    internal readonly StripedCounter WindowsUnmapped = new();
    internal readonly Gauge MappedBytes = new();
    internal readonly StripedCounter FrameRequests = new();
    internal readonly StripedCounter FastPathHits = new();
    internal readonly StripedCounter Misses = new();
    internal readonly StripedCounter Failures = new();
    internal readonly StripedCounter Dropped = new();
    internal readonly StripedCounter BudgetWaits = new();
    internal readonly StripedCounter BufferedReads = new();
    internal readonly Gauge FilesOpen = new();
    internal readonly Histogram<double> MissLatency;
    internal readonly LatencySamples MissSamples = new(4096);

    internal VaultMetrics(string vaultName)
    {
        _meter = new Meter(MeterName, "1.0");
        var tag = new KeyValuePair<string, object?>("vault", vaultName);
        KeyValuePair<string, object?>[] tags = [tag];
        _meter.CreateObservableUpDownCounter("lumiera.vault.handles.open", () => new Measurement<long>(HandlesOpen.Value, tags), "{handle}", "OS file handles open now");
        _meter.CreateObservableGauge("lumiera.vault.handles.peak", () => new Measurement<long>(HandlesOpen.Peak, tags), "{handle}", "most OS file handles open at once");
        _meter.CreateObservableCounter("lumiera.vault.handles.opened", () => new Measurement<long>(HandlesOpened.Value, tags), "{handle}", "OS file handles opened");
        _meter.CreateObservableCounter("lumiera.vault.handles.closed", () => new Measurement<long>(HandlesClosed.Value, tags), "{handle}", "OS file handles closed");
        _meter.CreateObservableCounter("lumiera.vault.handles.waits", () => new Measurement<long>(HandleWaits.Value, tags), "{request}", "handle requests that waited for a free handle");
        _meter.CreateObservableUpDownCounter("lumiera.vault.windows.mapped", () => new Measurement<long>(WindowsMapped.Value, tags), "{window}", "windows mapped now");
        _meter.CreateObservableGauge("lumiera.vault.windows.peak", () => new Measurement<long>(WindowsMapped.Peak, tags), "{window}", "most windows mapped at once");
        _meter.CreateObservableCounter("lumiera.vault.windows.mapped.total", () => new Measurement<long>(WindowsMappedTotal.Value, tags), "{window}", "windows mapped since start");
        _meter.CreateObservableCounter("lumiera.vault.windows.unmapped", () => new Measurement<long>(WindowsUnmapped.Value, tags), "{window}", "windows unmapped since start");
        _meter.CreateObservableUpDownCounter("lumiera.vault.mapped.bytes", () => new Measurement<long>(MappedBytes.Value, tags), "By", "bytes of address space mapped now");
        _meter.CreateObservableGauge("lumiera.vault.mapped.bytes.peak", () => new Measurement<long>(MappedBytes.Peak, tags), "By", "most bytes mapped at once");
        _meter.CreateObservableCounter("lumiera.vault.frames.requests", () => new Measurement<long>(FrameRequests.Value, tags), "{request}", "frame requests");
        _meter.CreateObservableCounter("lumiera.vault.frames.hits", () => new Measurement<long>(FastPathHits.Value, tags), "{request}", "frame requests served on the fast path");
        _meter.CreateObservableCounter("lumiera.vault.frames.misses", () => new Measurement<long>(Misses.Value, tags), "{request}", "frame requests that went to a file's actor");
        _meter.CreateObservableCounter("lumiera.vault.frames.failures", () => new Measurement<long>(Failures.Value, tags), "{request}", "frame requests answered with a failure");
        _meter.CreateObservableCounter("lumiera.vault.frames.dropped", () => new Measurement<long>(Dropped.Value, tags), "{request}", "droppable frame requests dropped");
        _meter.CreateObservableCounter("lumiera.vault.frames.waits", () => new Measurement<long>(BudgetWaits.Value, tags), "{request}", "frame requests that waited for the address-space budget");
        _meter.CreateObservableCounter("lumiera.vault.frames.buffered", () => new Measurement<long>(BufferedReads.Value, tags), "{request}", "frames read with pread into pooled buffers");
        _meter.CreateObservableUpDownCounter("lumiera.vault.files.open", () => new Measurement<long>(FilesOpen.Value, tags), "{file}", "files open in the vault");
        _meter.CreateObservableCounter("lumiera.vault.sigbus.caught", () => new Measurement<long>(Native.SigbusGuard.Faults, tags), "{fault}", "SIGBUS faults in vault windows caught by the guard, process-wide");
        MissLatency = _meter.CreateHistogram<double>("lumiera.vault.frames.miss.duration", "us", "time from request to answer of frames that missed the fast path", tags);
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
