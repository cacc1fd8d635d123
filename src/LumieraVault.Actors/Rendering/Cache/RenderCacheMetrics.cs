using System.Diagnostics.Metrics;
using LumieraVault.Statistics;

namespace LumieraVault.Rendering.Cache;

/// <summary>
/// The render cache's instruments, published under the vault's meter <c>LumieraVault</c> with the same <c>vault</c>
/// tag (the actor system's name): hits, misses, evictions, damaged frames, commits, bytes and entries.
/// </summary>
internal sealed class RenderCacheMetrics : IDisposable
{
    private readonly Meter _meter;

    public RenderCacheMetrics(string vaultName, Func<RenderCacheStatistics> snapshot)
    {
        _meter = new Meter(VaultMetrics.MeterName, "1.0");
        KeyValuePair<string, object?>[] tags = [new("vault", vaultName)];
        Measurement<long> M(Func<RenderCacheStatistics, long> pick) => new(pick(snapshot()), tags);
        _meter.CreateObservableCounter("lumiera.vault.render-cache.hits", () => M(s => s.Hits), "{request}", "render cache lookups answered with a frame");
        _meter.CreateObservableCounter("lumiera.vault.render-cache.misses", () => M(s => s.Misses), "{request}", "render cache lookups answered not cached");
        _meter.CreateObservableCounter("lumiera.vault.render-cache.evictions", () => M(s => s.Evictions), "{frame}", "rendered frames evicted to stay under the size limit");
        _meter.CreateObservableCounter("lumiera.vault.render-cache.damaged", () => M(s => s.Damaged), "{frame}", "rendered frames found damaged on disk and dropped");
        _meter.CreateObservableCounter("lumiera.vault.render-cache.commits", () => M(s => s.Commits), "{frame}", "rendered frames committed to the cache");
        _meter.CreateObservableUpDownCounter("lumiera.vault.render-cache.bytes", () => M(s => s.Bytes), "By", "bytes of rendered frames in the cache");
        _meter.CreateObservableUpDownCounter("lumiera.vault.render-cache.disk.bytes", () => M(s => s.DiskBytes), "By", "bytes the render cache's segment files take");
        _meter.CreateObservableUpDownCounter("lumiera.vault.render-cache.entries", () => M(s => s.Entries), "{frame}", "rendered frames in the cache");
    }

    public void Dispose() => _meter.Dispose();
}
