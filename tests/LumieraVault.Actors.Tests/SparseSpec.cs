using System.Buffers.Binary;
using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using Xunit;

namespace LumieraVault.Tests;

/// <summary>A file far larger than the budget, read at random: what the kernel says is mapped stays within the budget.</summary>
public sealed class SparseSpec : TestKit, IDisposable
{
    private const long Budget = 64L << 20;
    private const long FileSize = 64L << 30;
    // One page a frame, and only pages the spec wrote are read: a first touch of a hole is a major fault, and on
    // machines with a large read_ahead_kb (8 MiB here) each one zero-fills megabytes around it, which made this
    // spec take over a minute with 100 KB frames.
    private const int FrameSize = 4096;
    private readonly TempFolder _temp = new();

    public SparseSpec() : base(VaultProbe.Config("64 MiB", "4 MiB"))
    {
    }

    private Vault Vault => Vault.Get(Sys);

    [Fact]
    public async Task Random_reads_of_a_sparse_64_GiB_file_keep_its_mapped_bytes_within_a_64_MiB_budget()
    {
        var path = _temp.File("sparse.bin");
        var random = new Random(64);
        long frames = FileSize / FrameSize;
        var picks = new long[3000];
        for (int i = 0; i < picks.Length; i++) picks[i] = random.NextInt64(0, frames);
        // A sparse file of zeros, with each picked frame's number written at its start and end to prove the bytes are right.
        using (var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            fs.SetLength(FileSize);
            Span<byte> mark = stackalloc byte[8];
            foreach (long n in picks.Distinct())
            {
                BinaryPrimitives.WriteInt64LittleEndian(mark, n);
                fs.Position = n * FrameSize;
                fs.Write(mark);
                fs.Position = (n + 1) * FrameSize - 8;
                fs.Write(mark);
            }
        }
        var file = await Vault.OpenAsync(path, FileOpenMode.Read, FrameLayout.Fixed(FrameSize));
        Assert.Equal(frames, file.FrameCount);

        var held = new Queue<Frames.Frame>();
        long seenMapped = 0;
        foreach (long n in picks)
        {
            var frame = await Vault.GetFrameAsync(file, n).Answered();
            held.Enqueue(frame);
            if (held.Count > 4) held.Dequeue().Dispose();

            long mapped = ProcessProbe.MappedBytesOf(path);
            Assert.InRange(mapped, FrameSize, Budget);
            Assert.InRange(Vault.MappedBytes, FrameSize, Budget);
            seenMapped = Math.Max(seenMapped, mapped);

            Assert.Equal(n, BinaryPrimitives.ReadInt64LittleEndian(frame.Span));
            Assert.Equal(n, BinaryPrimitives.ReadInt64LittleEndian(frame.Span[^8..]));
            Assert.Equal(0, frame.Span[FrameSize / 2]);
        }
        while (held.Count > 0) held.Dequeue().Dispose();

        var stats = await Vault.GetStatisticsAsync();
        Assert.InRange(stats.MappedBytesPeak, Budget * 3 / 4, Budget);
        Assert.True(seenMapped > Budget / 2, $"the kernel never showed more than {seenMapped} bytes mapped");
        Assert.True(stats.WindowsUnmapped > 2000, $"only {stats.WindowsUnmapped} windows were unmapped");
        Assert.Equal(0, stats.Pins());
        await Vault.CloseAsync(file).Answered();
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}
