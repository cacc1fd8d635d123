using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LumieraVault.Statistics;

/// <summary>
/// A counter that many threads increment without fighting over one cache line: each processor adds to
/// its own padded cell, and a reader sums the cells. Reads are rare (metrics, reports); adds are hot.
/// </summary>
internal sealed class StripedCounter
{
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedLong
    {
        [FieldOffset(64)] public long Value;
    }

    private readonly PaddedLong[] _cells;
    private readonly int _mask;

    public StripedCounter()
    {
        int n = 1;
        while (n < Environment.ProcessorCount) n <<= 1;
        _cells = new PaddedLong[n];
        _mask = n - 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Increment() => Interlocked.Increment(ref _cells[Thread.GetCurrentProcessorId() & _mask].Value);

    public long Value
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _cells.Length; i++) sum += Volatile.Read(ref _cells[i].Value);
            return sum;
        }
    }
}

/// <summary>A level (now) with its high-water mark, changed atomically from any thread.</summary>
internal sealed class Gauge
{
    private long _value;
    private long _peak;

    public long Value => Volatile.Read(ref _value);

    public long Peak => Volatile.Read(ref _peak);

    public long Add(long delta)
    {
        long now = Interlocked.Add(ref _value, delta);
        long peak = Volatile.Read(ref _peak);
        while (now > peak)
        {
            long seen = Interlocked.CompareExchange(ref _peak, now, peak);
            if (seen == peak) break;
            peak = seen;
        }
        return now;
    }
}
