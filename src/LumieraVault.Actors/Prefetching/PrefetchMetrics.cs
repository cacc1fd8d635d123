using System.Diagnostics.Metrics;
using LumieraVault.Statistics;

namespace LumieraVault.Prefetching;

/// <summary>
/// The prefetcher's statistics, on the vault's meter (<c>LumieraVault</c>), every instrument tagged with the actor
/// system's name (<c>vault</c>). Only the prefetcher actor changes the counts; exporters read them from any thread.
/// </summary>
public sealed class PrefetchMetrics : IDisposable
{
    /// <summary>The upper bounds (milliseconds late) of the lateness histogram's buckets; a last bucket takes the rest.</summary>
    public static readonly double[] LatenessBounds = [0, 1, 4, 16, 64];

    private readonly Meter _meter;
    private readonly KeyValuePair<string, object?>[] _tags;

    internal long Requests;
    internal long Ready;
    internal long Prefetched;
    internal long Used;
    internal long Wasted;
    internal long Released;
    internal long Late;
    internal long Dropped;
    internal long Failed;
    internal long Supersedes;
    internal long Grown;
    internal long Shrunk;
    internal long RenderJobs;
    internal long Lost;
    internal readonly long[] Lateness = new long[LatenessBounds.Length + 1];
    internal readonly LatencySamples ReadySamples = new(4096);
    internal readonly Histogram<double> ReadyTime;
    internal readonly Histogram<double> LatenessTime;

    /// <summary>The look-ahead of each watched timeline (milliseconds), by playback id; written by the actor.</summary>
    internal volatile KeyValuePair<long, double>[] LookAheads = [];

    internal PrefetchMetrics(string vaultName)
    {
        _meter = new Meter(VaultMetrics.MeterName, "1.0");
        _tags = [new KeyValuePair<string, object?>("vault", vaultName)];
        Counter("requests", () => Volatile.Read(ref Requests), "{frame}", "frames asked for on watched timelines");
        Counter("ready", () => Volatile.Read(ref Ready), "{frame}", "frames asked for that were ready when asked (served on the fast path)");
        Counter("frames", () => Volatile.Read(ref Prefetched), "{frame}", "frames prefetched (advised to their file's actor, or queued for rendering)");
        Counter("used", () => Volatile.Read(ref Used), "{frame}", "prefetched frames asked for afterwards");
        Counter("wasted", () => Volatile.Read(ref Wasted), "{frame}", "prefetched frames released (passed, superseded, or the timeline stopped) without being asked for");
        Counter("released", () => Volatile.Read(ref Released), "{frame}", "frames released behind the play head or superseded");
        Counter("late", () => Volatile.Read(ref Late), "{frame}", "frames ready after their deadline");
        Counter("dropped", () => Volatile.Read(ref Dropped), "{frame}", "frames answered dropped");
        Counter("supersedes", () => Volatile.Read(ref Supersedes), "{seek}", "look-aheads superseded by a seek, a scrub or a change of direction");
        Counter("render.jobs", () => Volatile.Read(ref RenderJobs), "{job}", "background render jobs queued ahead of the play head");
        _meter.CreateObservableGauge("lumiera.vault.prefetch.hit.ratio", () => new Measurement<double>(Ratio(Ready, Requests), _tags), "1", "share of frames ready when asked");
        _meter.CreateObservableGauge("lumiera.vault.prefetch.accuracy", () => new Measurement<double>(Ratio(Used, Prefetched), _tags), "1", "share of prefetched frames asked for afterwards");
        _meter.CreateObservableGauge("lumiera.vault.prefetch.lookahead", ObserveLookAheads, "ms", "look-ahead of each watched timeline (tag playback)");
        ReadyTime = _meter.CreateHistogram<double>("lumiera.vault.prefetch.ready.duration", "us", "time from asking for a frame of a watched timeline to having it (0 when it was ready)");
        LatenessTime = _meter.CreateHistogram<double>("lumiera.vault.prefetch.lateness", "ms", "how long after its deadline a frame was ready (0 when in time)");
    }

    private void Counter(string name, Func<long> value, string unit, string description)
        => _meter.CreateObservableCounter("lumiera.vault.prefetch." + name, () => new Measurement<long>(value(), _tags), unit, description);

    private IEnumerable<Measurement<double>> ObserveLookAheads()
    {
        foreach (var (id, ms) in LookAheads)
            yield return new Measurement<double>(ms, [_tags[0], new KeyValuePair<string, object?>("playback", id)]);
    }

    internal static double Ratio(long part, long whole) => whole == 0 ? 0 : (double)part / whole;

    internal void Add(ref long counter, long n = 1) => Interlocked.Add(ref counter, n);

    /// <summary>A frame asked for was ready after <paramref name="readyMicroseconds"/>, <paramref name="lateMilliseconds"/> after its deadline (0 or less: in time).</summary>
    internal void RecordReady(double readyMicroseconds, double? lateMilliseconds)
    {
        ReadySamples.Add(readyMicroseconds);
        ReadyTime.Record(readyMicroseconds, _tags);
        if (lateMilliseconds is not { } late) return;
        double clamped = Math.Max(0, late);
        LatenessTime.Record(clamped, _tags);
        int bucket = 0;
        while (bucket < LatenessBounds.Length && clamped > LatenessBounds[bucket]) bucket++;
        Interlocked.Increment(ref Lateness[bucket]);
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
