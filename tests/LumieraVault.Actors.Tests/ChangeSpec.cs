using Akka.TestKit;
using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Frames;
using Xunit;

namespace LumieraVault.Tests;

/// <summary>
/// Files that change underneath the vault while open. No spec here reads a mapped byte past a truncated end:
/// that would be SIGBUS and end the test host. Held frames of such windows are only disposed.
/// </summary>
public sealed class ChangeSpec : TestKit, IDisposable
{
    private const int KiB = 1024;

    private readonly TempFolder _temp = new();
    private readonly Vault _vault;

    // Under test here: the periodic check and the checks on a miss, so the kernel's notice (WatchSpec) is off.
    public ChangeSpec() : base(VaultProbe.VirtualTime +
        "lumiera.vault { map-cache { budget = 4 MiB\n window-size = 64 KiB }\n handle-cache.max-handles = 4\n files.change-check-interval = 1s\n files.watch-changes = off }")
    {
        _vault = Vault.Get(Sys);
    }

    [Fact]
    public async Task AFramePastTheNewEndOfATruncatedFileIsFileChangedAndTheFilesWindowsAreRetired()
    {
        var path = _temp.Make("clip.bin", 256 * KiB, seed: 1);
        var file = await _vault.OpenAsync(path);
        using (var first = await _vault.GetFrameAtAsync(file, 0, 1000)) AssertFrame(first, 0, seed: 1);
        var held = await _vault.GetFrameAtAsync(file, 100 * KiB, 1000); // window 1, past the end-to-be
        AssertFrame(held, 100 * KiB, seed: 1);
        await VaultProbe.SettleAsync(Sys, file);
        Assert.Equal(2, (await _vault.GetStatisticsAsync()).WindowsMapped);

        Truncate(path, 32 * KiB);
        var error = await Assert.ThrowsAsync<VaultException>(async () => await _vault.GetFrameAtAsync(file, 150 * KiB, 1000));
        Assert.True(error.Error == VaultError.FileChanged,
            "A frame in an unmapped window, within the 256 KiB the vault knew but past the new 32 KiB end, is FileChanged rather than " +
            $"OutOfRange: the file's actor sees the size drop below what it knew before it maps, so the file shrank while open. Got {error.Error}: {error.Message}");
        Assert.Contains("shrank", error.Message);
        Assert.Contains("shrank", file.ChangedReason);

        // Every window is retired at once, even those that still hold valid bytes: the fast path serves nothing more.
        Assert.False(_vault.TryGetFrameAt(file, 0, 1000, out _));
        Assert.False(_vault.TryGetFrameAt(file, 100 * KiB, 1000, out _));
        var again = await Assert.ThrowsAsync<VaultException>(async () => await _vault.GetFrameAtAsync(file, 0, 1000));
        Assert.Equal(VaultError.FileChanged, again.Error);

        await VaultProbe.SettleAsync(Sys, file);
        var stats = await _vault.GetStatisticsAsync();
        Assert.True(stats.WindowsMapped == 1, "the idle window goes at once, the held one stays mapped until its frame is disposed\n" + stats.ToReport());
        held.Dispose(); // never read: its pages lie past the new end
        await VaultProbe.SettleAsync(Sys, file);
        stats = await _vault.GetStatisticsAsync();
        Assert.True(stats.WindowsMapped == 0, stats.ToReport());
        Assert.Equal(2, stats.WindowsUnmapped);
        Assert.Empty(ProcessProbe.MappingsUnder(_temp.Path));

        // Opened again, the file is what it holds now: a frame past its end is simply out of range.
        await _vault.CloseAsync(file);
        var reopened = await _vault.OpenAsync(path);
        Assert.Equal(32 * KiB, reopened.Size);
        using (var frame = await _vault.GetFrameAtAsync(reopened, 31 * KiB, 1000)) AssertFrame(frame, 31 * KiB, seed: 1);
        var past = await Assert.ThrowsAsync<VaultException>(async () => await _vault.GetFrameAtAsync(reopened, 100 * KiB, 1000));
        Assert.True(past.Error == VaultError.OutOfRange, $"the reopened file did not shrink since it was opened: {past.Error}: {past.Message}");
    }

    [Fact]
    public async Task AFramePastTheOldEndOfATruncatedFileIsFileChangedNotOutOfRange()
    {
        var path = _temp.Make("clip.bin", 128 * KiB, seed: 2);
        var file = await _vault.OpenAsync(path);
        using (var first = await _vault.GetFrameAtAsync(file, 0, 1000)) AssertFrame(first, 0, seed: 2);
        Truncate(path, 10 * KiB);
        var error = await Assert.ThrowsAsync<VaultException>(async () => await _vault.GetFrameAtAsync(file, 200 * KiB, 1000));
        Assert.True(error.Error == VaultError.FileChanged,
            $"Past the end the vault knew, the file's actor looks at the path before answering OutOfRange and finds it shrank. Got {error.Error}: {error.Message}");
        await VaultProbe.SettleAsync(Sys, file);
        Assert.Empty(ProcessProbe.MappingsUnder(_temp.Path));
    }

    [Fact]
    public async Task ATruncationIsFoundByThePeriodicCheckBeforeAnyMappedFrameIsTouched()
    {
        var path = _temp.Make("clip.bin", 256 * KiB, seed: 3);
        var file = await _vault.OpenAsync(path);
        using (var frame = await _vault.GetFrameAtAsync(file, 100 * KiB, 1000)) AssertFrame(frame, 100 * KiB, seed: 3);
        Truncate(path, 32 * KiB);
        // Until the check, window 1 would still be served on the fast path, and reading it would be SIGBUS: so do not ask.
        ((TestScheduler)Sys.Scheduler).Advance(TimeSpan.FromSeconds(1));
        await VaultProbe.SettleAsync(Sys, file);
        Assert.NotNull(file.ChangedReason);
        Assert.Contains("shrank", file.ChangedReason);
        Assert.False(_vault.TryGetFrameAt(file, 100 * KiB, 1000, out _));
        var error = await Assert.ThrowsAsync<VaultException>(async () => await _vault.GetFrameAtAsync(file, 100 * KiB, 1000));
        Assert.Equal(VaultError.FileChanged, error.Error);
        Assert.Equal(0, (await _vault.GetStatisticsAsync()).WindowsMapped);
        Assert.Empty(ProcessProbe.MappingsUnder(_temp.Path));
    }

    [Fact]
    public async Task TheBufferedStrategyServesCopiesAndReportsATruncationByName()
    {
        var path = _temp.Make("clip.bin", 256 * KiB, seed: 4);
        var file = await _vault.OpenAsync(path, FileOpenMode.Read, FrameLayout.Fixed(1000), strategy: ReadStrategy.Buffered);
        using (var first = await _vault.GetFrameAsync(file, 0))
        {
            Assert.False(first.IsMapped);
            AssertFrame(first, 0, seed: 4);
        }
        var held = await _vault.GetFrameAsync(file, 100);
        Assert.False(held.IsMapped);
        Assert.False(_vault.TryGetFrame(file, 0, out _)); // nothing is mapped, so there is no fast path
        Assert.Empty(ProcessProbe.MappingsUnder(_temp.Path));

        Truncate(path, 32 * KiB);
        // A copy is safe to read whatever happens to the file.
        AssertFrame(held, 100_000, seed: 4);
        held.Dispose();
        var error = await Assert.ThrowsAsync<VaultException>(async () => await _vault.GetFrameAsync(file, 150));
        Assert.True(error.Error == VaultError.FileChanged,
            $"pread came back short within the size the vault knew, so the file shrank while open. Got {error.Error}: {error.Message}");
        Assert.Contains("shrank", error.Message);
        var again = await Assert.ThrowsAsync<VaultException>(async () => await _vault.GetFrameAsync(file, 0));
        Assert.Equal(VaultError.FileChanged, again.Error);

        var stats = await _vault.GetStatisticsAsync();
        Assert.Equal(2, stats.BufferedReads);
        Assert.Equal(0, stats.WindowsMappedTotal);
        Assert.Empty(ProcessProbe.MappingsUnder(_temp.Path));
    }

    [Fact]
    public async Task AFileThatGrewWhileOpenIsReadPastItsOldEnd()
    {
        var path = _temp.Make("growing.bin", 10_000, seed: 5);
        var file = await _vault.OpenAsync(path);
        using (var first = await _vault.GetFrameAtAsync(file, 9_000, 1000)) AssertFrame(first, 9_000, seed: 5);
        Append(path, 10_000, 150_000, seed: 5);

        // In the window mapped for the old size, and in windows past it.
        using (var grown = await _vault.GetFrameAtAsync(file, 15_000, 1000)) AssertFrame(grown, 15_000, seed: 5);
        using (var far = await _vault.GetFrameAtAsync(file, 140_000, 10_000)) AssertFrame(far, 140_000, seed: 5);
        Assert.Equal(150_000, file.Size);
        Assert.Null(file.ChangedReason);
        var past = await Assert.ThrowsAsync<VaultException>(async () => await _vault.GetFrameAtAsync(file, 149_500, 1000));
        Assert.Equal(VaultError.OutOfRange, past.Error);
    }

    private static void Truncate(string path, long size)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.SetLength(size);
    }

    private static void Append(string path, long from, long to, int seed)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write);
        var bytes = new byte[to - from];
        for (long i = 0; i < bytes.Length; i++) bytes[i] = TempFolder.Pattern(from + i, seed);
        stream.Write(bytes);
    }

    private static void AssertFrame(Frame frame, long offset, int seed)
    {
        Assert.Equal(offset, frame.Offset);
        var span = frame.Span;
        for (int i = 0; i < span.Length; i++)
        {
            if (span[i] != TempFolder.Pattern(offset + i, seed))
                Assert.Fail($"Byte {offset + i} of {frame.File.Path} is {span[i]}, expected {TempFolder.Pattern(offset + i, seed)}.");
        }
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}
