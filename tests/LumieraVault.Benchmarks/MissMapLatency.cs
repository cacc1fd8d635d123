using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace LumieraVault.Benchmarks;

/// <summary>
/// A request that misses the fast path and maps a new window: the message to the file's actor, room from
/// the map cache (unmapping the least recently idle window, since the budget holds 8 of the file's 64
/// windows), the handle from the handle cache, the file's status check, mmap, and the answer back on the
/// caller's side. Frames are asked for window after window round the file, so every request maps.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Columns))]
public class MissMapLatency
{
    public const string SmallBudgetConfig = """
        lumiera.vault {
          map-cache {
            budget = 8 MiB
            window-size = 1 MiB
          }
        }
        """;

    private const int FrameSize = 2 << 10;

    private VaultFixture _fixture = null!;
    private long _window;

    [GlobalSetup]
    public void Setup() => _fixture = VaultFixture.Start(SmallBudgetConfig);

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    [Benchmark]
    public async Task<int> MissThatMapsAWindow() => await Miss(_fixture, _window++);

    private static async Task<int> Miss(VaultFixture fixture, long request)
    {
        long windowSize = fixture.Vault.Settings.WindowSize;
        long offset = request % (VaultFixture.FileSize / windowSize) * windowSize;
        using var frame = await fixture.Vault.GetFrameAtAsync(fixture.File, offset, FrameSize);
        return frame.Length;
    }

    /// <summary>The lines <c>us miss-map-p50</c> and <c>us miss-map-p99</c>.</summary>
    public static IEnumerable<string> Quick(VaultFixture fixture)
    {
        const int warmUp = 500;
        const int measured = 4000;
        var latencies = Measure(fixture, warmUp, measured).GetAwaiter().GetResult();
        Console.Error.WriteLine(
            $"  miss-map: {measured} misses, each mapping a window; min {latencies.Min():F1} us, " +
            $"p90 {QuickHarness.Percentile(latencies, 90):F1} us, max {latencies.Max():F1} us");
        yield return $"us miss-map-p50 {QuickHarness.Percentile(latencies, 50):F1}";
        yield return $"us miss-map-p99 {QuickHarness.Percentile(latencies, 99):F1}";
    }

    private static async Task<double[]> Measure(VaultFixture fixture, int warmUp, int measured)
    {
        var metrics = fixture.Vault.Metrics;
        long request = 0;
        for (int i = 0; i < warmUp; i++) await Miss(fixture, request++);
        long missesBefore = metrics.Misses.Value;
        long mapsBefore = metrics.WindowsMappedTotal.Value;
        var latencies = new double[measured];
        for (int i = 0; i < measured; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await Miss(fixture, request++);
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        long misses = metrics.Misses.Value - missesBefore;
        long maps = metrics.WindowsMappedTotal.Value - mapsBefore;
        if (misses != measured || maps != measured)
            throw new InvalidOperationException($"Expected every one of {measured} requests to miss and map a window; saw {misses} misses and {maps} maps.");
        return latencies;
    }

    private sealed class Columns : ManualConfig
    {
        public Columns() => AddColumn(StatisticColumn.Median, StatisticColumn.P95);
    }
}
