using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Frames;
using Xunit;

namespace LumieraVault.Tests;

/// <summary>Recreate empties a file, but never one whose windows may be mapped: that would turn their readers' next touch into SIGBUS.</summary>
public sealed class RecreateSpec : TestKit, IDisposable
{
    private readonly TempFolder _temp = new();

    public RecreateSpec() : base(VaultProbe.Config("1 MiB", "64 KiB"))
    {
    }

    private Vault Vault => Vault.Get(Sys);

    [Fact]
    public async Task RecreatingAFileThatIsOpenIsFileInUseAndLeavesItWhole()
    {
        var path = _temp.Make("clip.bin", 100_000);
        var reader = await Vault.OpenAsync(path, FileOpenMode.Read, FrameLayout.Fixed(1000));
        using var frame = await Vault.GetFrameAsync(reader, 7).Answered();

        var e = await Assert.ThrowsAsync<VaultException>(() => Vault.OpenAsync(path, FileOpenMode.Recreate, FrameLayout.Fixed(1000)).Answered());
        Assert.Equal(VaultError.FileInUse, e.Error);
        Assert.Equal(100_000, new FileInfo(path).Length);
        TempFolder.AssertPattern(frame.Span, 7000); // the pinned frame is intact
    }

    [Fact]
    public async Task RecreatingAfterTheLastCloseEmptiesTheFile()
    {
        var path = _temp.Make("clip.bin", 100_000);
        var reader = await Vault.OpenAsync(path, FileOpenMode.Read, FrameLayout.Fixed(1000));
        (await Vault.GetFrameAsync(reader, 7).Answered()).Dispose();
        await Vault.CloseAsync(reader).Answered();

        var writer = await Vault.OpenAsync(path, FileOpenMode.Recreate, FrameLayout.Fixed(1000)).Answered();
        Assert.Equal(0, writer.Size);
        Assert.Equal(0, new FileInfo(path).Length);
        using (var frame = await Vault.GetFrameAsync(writer, 2, access: FrameAccess.ReadWrite).Answered())
            frame.WritableSpan.Fill(42);
        Assert.Equal(3000, writer.Size);
        await Vault.CloseAsync(writer).Answered();
        Assert.Equal(42, File.ReadAllBytes(path)[2500]);
    }

    [Fact]
    public async Task AWritableFileTruncatedByAnotherProgramIsFileChanged()
    {
        var path = _temp.Make("clip.bin", 100_000);
        var writer = await Vault.OpenAsync(path, FileOpenMode.ReadWrite, FrameLayout.Fixed(1000));
        (await Vault.GetFrameAsync(writer, 7, access: FrameAccess.ReadWrite).Answered()).Dispose();

        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) fs.SetLength(5_000);

        // A frame past the window mapped so far makes the actor look at the file again.
        await Vault.GetFrameAsync(writer, 90, access: FrameAccess.ReadWrite).FailsWith(VaultError.FileChanged);
        Assert.Contains("shrank", writer.ChangedReason);
        await Vault.StatisticsWhenAsync(s => s.WindowsMapped == 0, "the truncated file's windows to be unmapped");
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}
