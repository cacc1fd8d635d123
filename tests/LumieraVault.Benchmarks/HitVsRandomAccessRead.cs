using System.Buffers;
using BenchmarkDotNet.Attributes;

namespace LumieraVault.Benchmarks;

/// <summary>
/// A frame from an already-mapped window against what a user would write without the vault:
/// <see cref="RandomAccess.Read(Microsoft.Win32.SafeHandles.SafeFileHandle, Span{byte}, long)"/> into a
/// buffer rented from <see cref="ArrayPool{T}.Shared"/>. Target: the vault is faster for both frame sizes.
/// </summary>
[MemoryDiagnoser]
public class HitVsRandomAccessRead
{
    private VaultFixture _fixture = null!;
    private FrameStream _read = null!;
    private FrameStream _vault = null!;

    [Params(2 << 10, 1 << 20)]
    public int FrameSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _fixture = VaultFixture.Start();
        _fixture.MapAllWindows();
        _read = new FrameStream(FrameSize, VaultFixture.FileSize);
        _vault = new FrameStream(FrameSize, VaultFixture.FileSize);
    }

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    [Benchmark(Baseline = true)]
    public ulong RandomAccessRead() => ReadPooled(_fixture, _read);

    [Benchmark]
    public ulong VaultTryGetFrameAt() => _fixture.ReadHit(_vault);

    /// <summary>The baseline: pread the next frame into a pooled buffer, then hand the buffer back.</summary>
    public static ulong ReadPooled(VaultFixture fixture, FrameStream stream)
    {
        long offset = stream.Next();
        var buffer = ArrayPool<byte>.Shared.Rent(stream.FrameSize);
        try
        {
            int read = RandomAccess.Read(fixture.Handle, buffer.AsSpan(0, stream.FrameSize), offset);
            return Consumer.Touch(buffer.AsSpan(0, read));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The lines <c>ratio hit-1MiB/random-access-read</c> and <c>ratio hit-2KiB/random-access-read</c>.</summary>
    public static IEnumerable<string> Quick(VaultFixture fixture)
    {
        foreach (var (size, label) in HitVsRawMmap.Sizes)
        {
            var read = new FrameStream(size, VaultFixture.FileSize);
            var vault = new FrameStream(size, VaultFixture.FileSize);
            double ratio = QuickHarness.ThroughputRatio($"hit-{label}/random-access-read",
                frames =>
                {
                    ulong sum = 0;
                    for (int i = 0; i < frames; i++) sum ^= ReadPooled(fixture, read);
                    return sum;
                },
                frames =>
                {
                    ulong sum = 0;
                    for (int i = 0; i < frames; i++) sum ^= fixture.ReadHit(vault);
                    return sum;
                });
            yield return $"ratio hit-{label}/random-access-read {ratio:F2}";
        }
    }
}
