using System.Runtime.Versioning;
using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Frames;
using LumieraVault.Native;
using Xunit;

namespace LumieraVault.Tests;

/// <summary>Every kind of bad input gets its named error, and the vault goes on serving without leaking handles or mappings.</summary>
[SupportedOSPlatform("linux")] // the vault is Linux only; file modes are how permissions are denied here
public sealed class BadInputSpec : TestKit, IDisposable
{
    private const uint Nobody = 65534;

    private readonly TempFolder _temp = new();
    private readonly Vault _vault;
    private readonly string _good;
    private readonly string _healthy;

    public BadInputSpec() : base(VaultProbe.VirtualTime +
        "lumiera.vault { map-cache { budget = 4 MiB\n window-size = 64 KiB }\n handle-cache.max-handles = 4 }")
    {
        _vault = Vault.Get(Sys);
        _good = _temp.Make("good.bin", 100_000, seed: 3);
        _healthy = _temp.Make("healthy.bin", 100_000, seed: 5);
    }

    [Fact]
    public async Task AMissingFileIsFileNotFound()
    {
        await ExpectOpenFails(VaultError.FileNotFound, _temp.File("no-such.bin"));
        await ExpectOpenFails(VaultError.FileNotFound, _temp.File("no-such.bin"), FileOpenMode.ReadWrite);
        await ExpectOpenFails(VaultError.FileNotFound, Path.Combine(_temp.Path, "no-such-folder", "clip.bin"));
        Assert.False(File.Exists(_temp.File("no-such.bin")), "reading or writing a missing file must not create it");
        await ExpectVaultStillWorks();
    }

    [Fact]
    public async Task AFolderIsNotAFile()
    {
        var folder = Path.Combine(_temp.Path, "a-folder");
        Directory.CreateDirectory(folder);
        await ExpectOpenFails(VaultError.NotAFile, folder);
        await ExpectOpenFails(VaultError.NotAFile, folder, FileOpenMode.ReadWrite);
        await ExpectOpenFails(VaultError.NotAFile, folder, FileOpenMode.Recreate);
        Assert.True(Directory.Exists(folder));
        await ExpectVaultStillWorks();
    }

    [Fact]
    public async Task AnEmptyPathIsAnInvalidArgument()
    {
        await ExpectOpenFails(VaultError.InvalidArgument, "");
        await ExpectVaultStillWorks();
    }

    [Fact]
    public async Task AFileWithoutReadPermissionIsAccessDenied()
    {
        var path = _temp.Make("secret.bin", 10_000);
        File.SetUnixFileMode(path, UnixFileMode.UserWrite); // nobody else may read it, and its owner only write
        var error = await ExpectOpenFailsAsAnotherUser(VaultError.AccessDenied, path, FileOpenMode.Read);
        Assert.Contains("secret.bin", error.Message);
        await ExpectVaultStillWorks();
    }

    [Fact]
    public async Task AFileWithoutWritePermissionIsAccessDeniedForWriting()
    {
        var path = _temp.Make("locked.bin", 10_000);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await ExpectOpenFailsAsAnotherUser(VaultError.AccessDenied, path, FileOpenMode.ReadWrite);
        await ExpectOpenFailsAsAnotherUser(VaultError.AccessDenied, path, FileOpenMode.Recreate);
        Assert.Equal(10_000, new FileInfo(path).Length); // a refused Recreate must not have emptied it
        // Reading it is allowed.
        var readable = await OpenAsAnotherUser(path, FileOpenMode.Read);
        using (var frame = await _vault.GetFrameAtAsync(readable, 0, 100))
            Assert.Equal(TempFolder.Pattern(0), frame.Span[0]);
        await ExpectVaultStillWorks();
    }

    [Fact]
    public async Task AFramePastTheEndIsOutOfRange()
    {
        var file = await _vault.OpenAsync(_temp.Make("short.bin", 10_000), FileOpenMode.Read, FrameLayout.Fixed(1000));
        await ExpectFrameFails(VaultError.OutOfRange, _vault.GetFrameAsync(file, 10));
        await ExpectFrameFails(VaultError.OutOfRange, _vault.GetFrameAsync(file, 1_000_000));
        await ExpectFrameFails(VaultError.OutOfRange, _vault.GetFrameAtAsync(file, 9_500, 1000)); // straddles the end
        await ExpectFrameFails(VaultError.OutOfRange, _vault.GetFrameAtAsync(file, 10_000, 1));
        // Frame 9 is the last whole one.
        using (var last = await _vault.GetFrameAsync(file, 9))
            Assert.Equal(TempFolder.Pattern(9999), last.Span[999]);
        await ExpectFrameFails(VaultError.OutOfRange, _vault.GetFrameAtAsync(file, 9_500, 1000)); // and with its window mapped
        await ExpectVaultStillWorks();
    }

    [Fact]
    public async Task AFramePastTheEndOfAnEmptyFileIsOutOfRange()
    {
        var file = await _vault.OpenAsync(_temp.Make("empty.bin", 0));
        await ExpectFrameFails(VaultError.OutOfRange, _vault.GetFrameAtAsync(file, 0, 1));
        await ExpectVaultStillWorks();
    }

    [Fact]
    public async Task ANegativeOrZeroSizeIsAnInvalidArgument()
    {
        var file = await _vault.OpenAsync(_good);
        await ExpectFrameFails(VaultError.InvalidArgument, _vault.GetFrameAtAsync(file, 0, 0));
        await ExpectFrameFails(VaultError.InvalidArgument, _vault.GetFrameAtAsync(file, 100, -1));
        await ExpectFrameFails(VaultError.InvalidArgument, _vault.GetFrameAtAsync(file, 0, int.MinValue));
        Assert.False(_vault.TryGetFrameAt(file, 0, 0, out _));
        Assert.Equal(VaultError.InvalidArgument, Assert.Throws<VaultException>(() => FrameLayout.Fixed(0)).Error);
        Assert.Equal(VaultError.InvalidArgument, Assert.Throws<VaultException>(() => FrameLayout.Fixed(-4096)).Error);
        Assert.Equal(VaultError.InvalidArgument, Assert.Throws<VaultException>(() => FrameLayout.Table([(0, 100), (100, 0)])).Error);
        await ExpectVaultStillWorks();
    }

    [Fact]
    public async Task ANegativeOffsetIsAnInvalidArgument()
    {
        var file = await _vault.OpenAsync(_good);
        await ExpectFrameFails(VaultError.InvalidArgument, _vault.GetFrameAtAsync(file, -1, 100));
        await ExpectFrameFails(VaultError.InvalidArgument, _vault.GetFrameAtAsync(file, long.MinValue, 100));
        Assert.False(_vault.TryGetFrameAt(file, -1, 100, out _));
        Assert.Equal(VaultError.InvalidArgument, Assert.Throws<VaultException>(() => FrameLayout.Fixed(1000, headerBytes: -1)).Error);
        Assert.Equal(VaultError.InvalidArgument, Assert.Throws<VaultException>(() => FrameLayout.Table([(-5, 100)])).Error);
        await ExpectVaultStillWorks();
    }

    [Fact]
    public async Task ANegativeFrameNumberIsAnInvalidArgument()
    {
        var file = await _vault.OpenAsync(_good, FileOpenMode.Read, FrameLayout.Fixed(1000));
        await ExpectFrameFails(VaultError.InvalidArgument, _vault.GetFrameAsync(file, -1));
        await ExpectFrameFails(VaultError.InvalidArgument, _vault.GetFrameAsync(file, long.MinValue));
        Assert.False(_vault.TryGetFrame(file, -1, out _));
        await ExpectVaultStillWorks();
    }

    [Fact]
    public async Task AnOffsetBeyondFourGibibytesOfASmallFileIsOutOfRange()
    {
        var file = await _vault.OpenAsync(_good);
        long beyond = (4L << 30) + 4096;
        await ExpectFrameFails(VaultError.OutOfRange, _vault.GetFrameAtAsync(file, beyond, 100));
        await ExpectFrameFails(VaultError.OutOfRange, _vault.GetFrameAtAsync(file, uint.MaxValue, 1));
        await ExpectFrameFails(VaultError.OutOfRange, _vault.GetFrameAtAsync(file, long.MaxValue - 10, 100));
        Assert.False(_vault.TryGetFrameAt(file, beyond, 100, out _));
        // Nor does a readonly frame of a writable file grow it.
        var writable = await _vault.OpenAsync(_temp.Make("writable.bin", 10_000), FileOpenMode.ReadWrite);
        await ExpectFrameFails(VaultError.OutOfRange, _vault.GetFrameAtAsync(writable, beyond, 100));
        Assert.Equal(10_000, new FileInfo(writable.Path).Length);
        await ExpectVaultStillWorks();
    }

    [Fact]
    public async Task AReadWriteFrameOfAReadOnlyFileIsReadOnlyFile()
    {
        var file = await _vault.OpenAsync(_good, FileOpenMode.Read, FrameLayout.Fixed(1000));
        await ExpectFrameFails(VaultError.ReadOnlyFile, _vault.GetFrameAsync(file, 0, access: FrameAccess.ReadWrite));
        // Also when the frame's window is already mapped for reading: the fast path must not hand out a writable frame.
        using (var reading = await _vault.GetFrameAsync(file, 1))
        {
            Assert.False(_vault.TryGetFrame(file, 1, out _, FrameAccess.ReadWrite));
            await ExpectFrameFails(VaultError.ReadOnlyFile, _vault.GetFrameAsync(file, 1, access: FrameAccess.ReadWrite));
            Assert.Throws<VaultException>(() => reading.WritableSpan.Length);
        }
        await ExpectVaultStillWorks();
    }

    [Fact]
    public async Task AFrameNumberOfAFileWithoutFrameLayoutIsAnInvalidArgument()
    {
        var file = await _vault.OpenAsync(_good, FileOpenMode.Read, FrameLayout.Bytes());
        var error = await ExpectFrameFails(VaultError.InvalidArgument, _vault.GetFrameAsync(file, 0));
        Assert.Contains("offset and length", error.Message);
        Assert.False(_vault.TryGetFrame(file, 0, out _));
        using (var byOffset = await _vault.GetFrameAtAsync(file, 0, 100))
            Assert.Equal(TempFolder.Pattern(0, seed: 3), byOffset.Span[0]);
        await ExpectVaultStillWorks();
    }

    [Fact]
    public async Task AFrameNumberPastAFrameTableIsOutOfRange()
    {
        var file = await _vault.OpenAsync(_good, FileOpenMode.Read, FrameLayout.Table([(0, 100), (5000, 300)]));
        await ExpectFrameFails(VaultError.OutOfRange, _vault.GetFrameAsync(file, 2));
        using (var second = await _vault.GetFrameAsync(file, 1))
            Assert.Equal((5000L, 300), (second.Offset, second.Length));
        await ExpectVaultStillWorks();
    }

    private async Task<VaultException> ExpectOpenFails(VaultError expected, string path, FileOpenMode mode = FileOpenMode.Read)
    {
        var error = await Assert.ThrowsAsync<VaultException>(() => _vault.OpenAsync(path, mode).Answered());
        Assert.True(expected == error.Error, $"Opening '{path}' for {mode}: expected {expected}, got {error.Error}: {error.Message}");
        return error;
    }

    private static async Task<VaultException> ExpectFrameFails(VaultError expected, ValueTask<Frame> request)
    {
        var error = await Assert.ThrowsAsync<VaultException>(() => request.Answered());
        Assert.True(expected == error.Error, $"Expected {expected}, got {error.Error}: {error.Message}");
        return error;
    }

    private async Task<VaultException> ExpectOpenFailsAsAnotherUser(VaultError expected, string path, FileOpenMode mode)
    {
        var error = await Assert.ThrowsAsync<VaultException>(() => OpenAsAnotherUser(path, mode).Answered());
        Assert.True(expected == error.Error, $"Opening '{path}' for {mode}: expected {expected}, got {error.Error}: {error.Message}");
        return error;
    }

    /// <summary>
    /// Opens as an unprivileged user when running as root, where permissions deny nothing. The file-system uid is
    /// per thread and the vault checks access on the caller's thread before the first await, so the change covers
    /// exactly the check; leaving uid 0 drops CAP_DAC_OVERRIDE, and coming back restores it.
    /// </summary>
    private Task<VaultFile> OpenAsAnotherUser(string path, FileOpenMode mode)
    {
        if (!ProcessProbe.IsRoot) return _vault.OpenAsync(path, mode);
        Libc.Setfsuid(Nobody);
        try
        {
            // setfsuid reports the uid in force; asking for an impossible one changes nothing.
            Assert.True(Libc.Setfsuid(uint.MaxValue) == Nobody, "setfsuid did not take effect: the process lacks CAP_SETUID");
            return _vault.OpenAsync(path, mode);
        }
        finally
        {
            Libc.Setfsuid(0);
            Assert.Equal(0, Libc.Setfsuid(uint.MaxValue));
        }
    }

    /// <summary>A good file still opens and serves frames, and nothing of the failures stays open or mapped.</summary>
    private async Task ExpectVaultStillWorks()
    {
        var file = await _vault.OpenAsync(_healthy, FileOpenMode.Read, FrameLayout.Fixed(1000));
        using (var frame = await _vault.GetFrameAsync(file, 42).Answered())
        {
            Assert.Equal(TempFolder.Pattern(42_000, seed: 5), frame.Span[0]);
            Assert.Equal(TempFolder.Pattern(42_999, seed: 5), frame.Span[999]);
        }
        await VaultProbe.SettleAsync(Sys, file);
        var stats = await _vault.GetStatisticsAsync();
        Assert.Equal(stats.HandlesOpen, ProcessProbe.DescriptorsUnder(_temp.Path).Count);
        Assert.Equal(stats.MappedBytes, ProcessProbe.MappedBytesUnder(_temp.Path));
        Assert.True(stats.HandlesOpen <= stats.HandleCap, stats.ToReport());
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}
