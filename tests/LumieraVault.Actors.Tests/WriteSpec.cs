using System.Diagnostics;
using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Frames;
using Xunit;
using Xunit.Sdk;

namespace LumieraVault.Tests;

public sealed class WriteSpec : TestKit, IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempFolder _temp = new();
    private SmallDisk? _disk;

    public WriteSpec() : base(VaultProbe.Config("16 MiB", "1 MiB"))
    {
    }

    private Vault Vault => Vault.Get(Sys);

    [Fact]
    public async Task A_file_opened_for_reading_refuses_readwrite_frames_and_writable_spans()
    {
        var path = _temp.Make("r.bin", 100_000);
        var file = await Vault.OpenAsync(path, FileOpenMode.Read);
        Assert.False(file.IsWritable);

        await Vault.GetFrameAtAsync(file, 0, 100, access: FrameAccess.ReadWrite).FailsWith(VaultError.ReadOnlyFile);
        using var frame = await Vault.GetFrameAtAsync(file, 0, 100).Answered();
        // The window is mapped now; the fast path must refuse a writer all the same.
        Assert.False(Vault.TryGetFrameAt(file, 0, 100, out _, FrameAccess.ReadWrite));
        await Vault.GetFrameAtAsync(file, 0, 100, access: FrameAccess.ReadWrite).FailsWith(VaultError.ReadOnlyFile);
        var e = Assert.Throws<VaultException>(() => frame.WritableSpan.Length);
        Assert.Equal(VaultError.ReadOnlyFile, e.Error);
        Assert.Equal(1, (await Vault.GetStatisticsAsync()).Pins());
    }

    [Fact]
    public async Task A_readonly_frame_of_a_writable_file_refuses_its_writable_span()
    {
        var file = await Vault.OpenAsync(_temp.Make("w.bin", 100_000), FileOpenMode.ReadWrite);
        using var frame = await Vault.GetFrameAtAsync(file, 10, 100).Answered();
        Assert.Equal(VaultError.ReadOnlyFile, Assert.Throws<VaultException>(() => frame.WritableSpan.Length).Error);
    }

    [Fact]
    public async Task Bytes_written_through_a_readwrite_frame_are_in_the_file_after_flush_and_close()
    {
        var path = _temp.Make("w.bin", 200_000);
        var file = await Vault.OpenAsync(path, FileOpenMode.ReadWrite);
        const long offset = 70_001;
        using (var frame = await Vault.GetFrameAtAsync(file, offset, 5000, access: FrameAccess.ReadWrite).Answered())
        {
            Assert.Equal(FrameAccess.ReadWrite, frame.Access);
            TempFolder.AssertPattern(frame.Span, offset);
            Written(offset, 5000).CopyTo(frame.WritableSpan);
        }
        await Vault.FlushAsync(file).Answered();
        var onDisk = File.ReadAllBytes(path);
        Assert.Equal(Written(offset, 5000), onDisk.AsSpan((int)offset, 5000).ToArray());
        await Vault.CloseAsync(file).Answered();
        Assert.True(file.IsClosed);

        var again = await Vault.OpenAsync(path, FileOpenMode.Read);
        Assert.NotSame(file, again);
        using (var frame = await Vault.GetFrameAtAsync(again, offset - 10, 5020).Answered())
        {
            TempFolder.AssertPattern(frame.Span[..10], offset - 10);
            Assert.Equal(Written(offset, 5000), frame.Span.Slice(10, 5000).ToArray());
            TempFolder.AssertPattern(frame.Span[^10..], offset + 5000);
        }
        Assert.Equal(200_000, new FileInfo(path).Length);
    }

    [Fact]
    public async Task Writes_are_durable_when_the_file_is_closed_without_a_flush_and_read_by_another_vault()
    {
        var path = _temp.Make("w.bin", 3 * MiB);
        var file = await Vault.OpenAsync(path, FileOpenMode.ReadWrite);
        // Two grid windows and a frame of its own.
        (long Offset, int Length)[] writes = [(100, 1000), (MiB + 5, 300), (2 * MiB - 50, 100)];
        foreach (var (offset, length) in writes)
        {
            using var frame = await Vault.GetFrameAtAsync(file, offset, length, access: FrameAccess.ReadWrite).Answered();
            Written(offset, length).CopyTo(frame.WritableSpan);
        }
        await Vault.CloseAsync(file).Answered();

        using var other = new Akka.TestKit.Xunit2.TestKit(VaultProbe.Config("16 MiB", "1 MiB"));
        var otherVault = Vault.Get(other.Sys);
        var reopened = await otherVault.OpenAsync(path);
        foreach (var (offset, length) in writes)
        {
            using var frame = await otherVault.GetFrameAtAsync(reopened, offset, length).Answered();
            Assert.Equal(Written(offset, length), frame.Span.ToArray());
        }
    }

    [Fact]
    public async Task A_readwrite_frame_past_the_end_grows_the_file()
    {
        var path = _temp.File("grow/new.bin");
        var file = await Vault.OpenAsync(path, FileOpenMode.Create);
        Assert.Equal(0, file.Size);

        await WriteAt(file, 0, 10_000);
        Assert.Equal(10_000, file.Size);
        Assert.Equal(10_000, new FileInfo(path).Length);

        await WriteAt(file, 10_000, 10_000); // in the mapped window, past the reserved end
        Assert.Equal(20_000, file.Size);

        const long far = 3L * MiB + 17;
        await WriteAt(file, far, 5000);
        Assert.Equal(far + 5000, file.Size);
        Assert.Equal(far + 5000, new FileInfo(path).Length);

        // A readonly frame past the end is still out of range: only writers grow the file.
        await Vault.GetFrameAtAsync(file, far + 5000, 10).FailsWith(VaultError.OutOfRange);

        using (var frame = await Vault.GetFrameAtAsync(file, 0, 20_000).Answered())
            Assert.Equal(Written(0, 20_000), frame.Span.ToArray());
        await Vault.FlushAsync(file).Answered();
        await Vault.CloseAsync(file).Answered();

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(far + 5000, bytes.Length);
        Assert.Equal(Written(0, 20_000), bytes[..20_000]);
        Assert.All(bytes[20_000..(int)far], b => Assert.Equal(0, b));
        Assert.Equal(Written(far, 5000), bytes[(int)far..]);
    }

    [Fact]
    public async Task A_frame_has_one_writer_at_a_time()
    {
        var file = await Vault.OpenAsync(_temp.Make("w.bin", 100_000), FileOpenMode.ReadWrite);
        var writer = await Vault.GetFrameAtAsync(file, 4096, 100, access: FrameAccess.ReadWrite).Answered();

        await Vault.GetFrameAtAsync(file, 4096, 100, access: FrameAccess.ReadWrite).FailsWith(VaultError.WriterConflict);
        Assert.False(Vault.TryGetFrameAt(file, 4096, 100, out _, FrameAccess.ReadWrite));
        // Readers of the frame and writers of other frames are not held up.
        using (var reader = await Vault.GetFrameAtAsync(file, 4096, 100).Answered()) TempFolder.AssertPattern(reader.Span, 4096);
        using (var neighbour = await Vault.GetFrameAtAsync(file, 4196, 100, access: FrameAccess.ReadWrite).Answered())
            neighbour.WritableSpan[0] = 1;
        Assert.Equal(1, (await Vault.GetStatisticsAsync()).Pins());

        writer.Dispose();
        Assert.True(Vault.TryGetFrameAt(file, 4096, 100, out var second, FrameAccess.ReadWrite));
        second.WritableSpan.Fill(9);
        second.Dispose();
        using var third = await Vault.GetFrameAtAsync(file, 4096, 100, access: FrameAccess.ReadWrite).Answered();
        Assert.All(third.Span.ToArray(), b => Assert.Equal(9, b));
    }

    [Fact]
    public async Task A_full_disk_is_a_named_DiskFull_error_and_the_vault_keeps_working()
    {
        _disk = SmallDisk.Mount(_temp.File("small"), "2m");
        var path = Path.Combine(_disk.Path, "out.bin");
        var file = await Vault.OpenAsync(path, FileOpenMode.Create);

        // 1.5 MiB of the 2 MiB disk, in a window of its own, written to the last byte.
        var first = await Vault.GetFrameAtAsync(file, 0, 3 * MiB / 2, access: FrameAccess.ReadWrite).Answered();
        Written(0, 3 * MiB / 2).CopyTo(first.WritableSpan);

        // Another MiB does not fit: refused before it is mapped, so no write can hit a page the disk cannot hold.
        var e = await Vault.GetFrameAtAsync(file, 3 * MiB / 2, MiB, access: FrameAccess.ReadWrite).FailsWith(VaultError.DiskFull);
        Assert.Equal(path, e.Path);
        Assert.DoesNotContain(3L * MiB / 2, file.OwnWindows.Keys);
        Assert.Equal(Vault.MappedBytes, file.Cache.Reserved); // the failed window gave its budget back

        // What fits is still served, and the bytes already written are intact.
        using (var rest = await Vault.GetFrameAtAsync(file, 3 * MiB / 2, MiB / 4, access: FrameAccess.ReadWrite).Answered())
            Written(3 * MiB / 2, MiB / 4).CopyTo(rest.WritableSpan);
        TempFolder.AssertPattern(first.Span[..4096], 0, seed: 1);
        first.Dispose();
        await Vault.FlushAsync(file).Answered();
        await Vault.CloseAsync(file).Answered();

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(7 * MiB / 4, bytes.Length);
        Assert.Equal(Written(0, 7 * MiB / 4), bytes);
        Assert.Equal(0, (await Vault.GetStatisticsAsync()).Pins());
    }

    private async Task WriteAt(VaultFile file, long offset, int length)
    {
        using var frame = await Vault.GetFrameAtAsync(file, offset, length, access: FrameAccess.ReadWrite).Answered();
        Assert.All(frame.Span.ToArray(), b => Assert.Equal(0, b));
        Written(offset, length).CopyTo(frame.WritableSpan);
    }

    /// <summary>What the specs write: a pattern unlike the one <see cref="TempFolder.Make"/> leaves in the files.</summary>
    private static byte[] Written(long offset, int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = TempFolder.Pattern(offset + i, seed: 1);
        return bytes;
    }

    public new void Dispose()
    {
        base.Dispose();
        _disk?.Dispose();
        _temp.Dispose();
    }

    /// <summary>A tmpfs of a few MiB mounted for one test, so that "disk full" is real. Needs root (CAP_SYS_ADMIN).</summary>
    private sealed class SmallDisk : IDisposable
    {
        private SmallDisk(string path) => Path = path;

        public string Path { get; }

        public static SmallDisk Mount(string path, string size)
        {
            Directory.CreateDirectory(path);
            var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path);
            if (code != 0)
                throw new XunitException($"This spec needs a small real file system and could not mount one (mount -t tmpfs exited {code}: {output.Trim()}); run the tests as root.");
            return new SmallDisk(path);
        }

        public void Dispose() => Run("umount", "-l", Path);

        private static (int Code, string Output) Run(string command, params string[] args)
        {
            var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in args) start.ArgumentList.Add(a);
            using var p = Process.Start(start)!;
            string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output);
        }
    }
}
