using System.Diagnostics;

namespace LumieraVault.Benchmarks;

/// <summary>
/// A small in-process stand-in for BenchmarkDotNet, for the one-command comparison run: it warms both
/// variants until the JIT has settled, sizes batches to a few tens of milliseconds, then times several
/// rounds in which baseline and vault take turns (the order alternating between rounds, so drift in
/// the machine's speed hits both alike), and reports the median of the per-round ratios.
/// </summary>
public static class QuickHarness
{
    private const int Rounds = 31;
    private static readonly TimeSpan WarmUp = TimeSpan.FromMilliseconds(600);
    private static readonly TimeSpan BatchTarget = TimeSpan.FromMilliseconds(12);

    /// <summary>A variant: reads the given number of frames and returns what it folded from them.</summary>
    public delegate ulong Batch(int frames);

    /// <summary>Keeps the folded values alive so no variant's work can be optimized away.</summary>
    public static ulong Sink;

    /// <summary>The vault's throughput over the baseline's (same frames, same work): above 1 means the vault is faster.</summary>
    public static double ThroughputRatio(string name, Batch baseline, Batch vault)
    {
        var clock = Stopwatch.StartNew();
        int frames = 1;
        while (clock.Elapsed < WarmUp)
        {
            // Many short calls first, so tiered compilation promotes both loops before anything counts.
            double slower = Math.Max(Time(baseline, frames), Time(vault, frames));
            if (clock.Elapsed > WarmUp / 2 && slower < BatchTarget.TotalNanoseconds / 8) frames *= 2;
        }
        frames = Calibrate(baseline, vault);

        var ratios = new double[Rounds];
        var baselineTimes = new double[Rounds];
        var vaultTimes = new double[Rounds];
        for (int round = 0; round < Rounds; round++)
        {
            double b, v;
            if (round % 2 == 0)
            {
                b = Time(baseline, frames);
                v = Time(vault, frames);
            }
            else
            {
                v = Time(vault, frames);
                b = Time(baseline, frames);
            }
            baselineTimes[round] = b;
            vaultTimes[round] = v;
            ratios[round] = b / v;
        }
        double ratio = Median(ratios);
        Console.Error.WriteLine(
            $"  {name}: {frames} frames a batch, {Rounds} rounds; ns/frame baseline median {Median(baselineTimes) / frames:F1}, " +
            $"vault median {Median(vaultTimes) / frames:F1}; round ratios {Min(ratios):F3}..{Max(ratios):F3}");
        return ratio;
    }

    private static int Calibrate(Batch baseline, Batch vault)
    {
        int frames = 16;
        while (true)
        {
            // The fastest of three, so that one stall of the machine does not shrink every batch.
            double slower = Math.Max(Fastest(baseline, frames), Fastest(vault, frames));
            if (slower >= BatchTarget.TotalNanoseconds / 4 || frames >= 1 << 26)
                return (int)Math.Clamp(frames * (BatchTarget.TotalNanoseconds / slower), 1, int.MaxValue);
            frames *= 2;
        }
    }

    private static double Fastest(Batch batch, int frames) => Math.Min(Time(batch, frames), Math.Min(Time(batch, frames), Time(batch, frames)));

    /// <summary>Nanoseconds one batch takes.</summary>
    private static double Time(Batch batch, int frames)
    {
        long start = Stopwatch.GetTimestamp();
        Sink ^= batch(frames);
        return Stopwatch.GetElapsedTime(start).TotalNanoseconds;
    }

    public static double Median(double[] values) => Percentile(values, 50);

    /// <summary>The nearest-rank percentile (0..100).</summary>
    public static double Percentile(double[] values, double percentile)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        int rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private static double Min(double[] values) => values.Min();

    private static double Max(double[] values) => values.Max();
}
