namespace LumieraVault.Benchmarks;

/// <summary>
/// The fast path must not allocate: bytes allocated on this thread around many hits of both frame sizes,
/// through both <see cref="Vault.TryGetFrameAt"/> and <see cref="Vault.GetFrameAtAsync"/>. Target: 0.
/// (BenchmarkDotNet's memory diagnoser reports the same for the full runs.)
/// </summary>
public static class HitAllocations
{
    private const int Hits = 100_000;

    /// <summary>The line <c>bytes-allocated hit</c>.</summary>
    public static IEnumerable<string> Quick(VaultFixture fixture)
    {
        var streams = HitVsRawMmap.Sizes.Select(s => new FrameStream(s.Size, VaultFixture.FileSize)).ToArray();
        // Once untimed, so that lease pools, statics and the JIT have done their one-time allocations.
        Run(fixture, streams, 1000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(fixture, streams, Hits);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Console.Error.WriteLine($"  bytes-allocated hit: {allocated} bytes over {4 * Hits} fast-path hits");
        yield return $"bytes-allocated hit {allocated}";
    }

    private static void Run(VaultFixture fixture, FrameStream[] streams, int hits)
    {
        ulong sum = 0;
        for (int i = 0; i < hits; i++)
        {
            foreach (var stream in streams)
            {
                sum ^= fixture.ReadHit(stream);
                sum ^= fixture.ReadHitAsync(stream);
            }
        }
        QuickHarness.Sink ^= sum;
    }
}
