namespace LumieraVault.Statistics;

/// <summary>The most recent latencies (a ring written from any thread), for the median and p99 of the report.</summary>
internal sealed class LatencySamples(int capacity)
{
    private readonly double[] _ring = new double[capacity];
    private long _written;

    public void Add(double microseconds)
    {
        long i = Interlocked.Increment(ref _written) - 1;
        _ring[i % _ring.Length] = microseconds;
    }

    public long Count => Volatile.Read(ref _written);

    /// <summary>The given percentiles (0..100) of the samples held, or NaN when there are none.</summary>
    public double[] Percentiles(params double[] percentiles)
    {
        int n = (int)Math.Min(Count, _ring.Length);
        var sorted = _ring.AsSpan(0, n).ToArray();
        Array.Sort(sorted);
        var result = new double[percentiles.Length];
        for (int i = 0; i < percentiles.Length; i++)
            result[i] = n == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percentiles[i] / 100 * n) - 1, 0, n - 1)];
        return result;
    }
}
