using BenchmarkDotNet.Attributes;

namespace LumieraVault.Benchmarks;

/// <summary>
/// A frame from an already-mapped window (the vault's fast path) against the same bytes read through one
/// raw mapping of the whole file: the cost of the vault's lookup, pin, lease and release over plain
/// pointer arithmetic. Targets: at least 0.9 of the raw throughput for 1 MiB frames, 0.5 for 2 KiB.
/// </summary>
[MemoryDiagnoser]
public class HitVsRawMmap
{
    private VaultFixture _fixture = null!;
    private FrameStream _raw = null!;
    private FrameStream _vault = null!;
    private FrameStream _vaultAsync = null!;

    [Params(2 << 10, 1 << 20)]
    public int FrameSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _fixture = VaultFixture.Start();
        _fixture.MapAllWindows();
        _raw = new FrameStream(FrameSize, VaultFixture.FileSize);
        _vault = new FrameStream(FrameSize, VaultFixture.FileSize);
        _vaultAsync = new FrameStream(FrameSize, VaultFixture.FileSize);
    }

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    [Benchmark(Baseline = true)]
    public ulong RawMmap() => ReadRaw(_fixture, _raw);

    [Benchmark]
    public ulong VaultTryGetFrameAt() => _fixture.ReadHit(_vault);

    [Benchmark]
    public ulong VaultGetFrameAtAsync() => _fixture.ReadHitAsync(_vaultAsync);

    /// <summary>The baseline: the next frame straight out of the whole-file mapping.</summary>
    public static unsafe ulong ReadRaw(VaultFixture fixture, FrameStream stream)
    {
        long offset = stream.Next();
        return Consumer.Touch(new ReadOnlySpan<byte>((byte*)fixture.RawMapping + offset, stream.FrameSize));
    }

    /// <summary>The lines <c>ratio hit-1MiB/raw-mmap</c> and <c>ratio hit-2KiB/raw-mmap</c>.</summary>
    public static IEnumerable<string> Quick(VaultFixture fixture)
    {
        foreach (var (size, label) in Sizes)
        {
            var raw = new FrameStream(size, VaultFixture.FileSize);
            var vault = new FrameStream(size, VaultFixture.FileSize);
            double ratio = QuickHarness.ThroughputRatio($"hit-{label}/raw-mmap",
                frames =>
                {
                    ulong sum = 0;
                    for (int i = 0; i < frames; i++) sum ^= ReadRaw(fixture, raw);
                    return sum;
                },
                frames =>
                {
                    ulong sum = 0;
                    for (int i = 0; i < frames; i++) sum ^= fixture.ReadHit(vault);
                    return sum;
                });
            yield return $"ratio hit-{label}/raw-mmap {ratio:F2}";
        }
    }

    internal static readonly (int Size, string Label)[] Sizes = [(1 << 20, "1MiB"), (2 << 10, "2KiB")];
}
