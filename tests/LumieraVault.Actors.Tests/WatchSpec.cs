using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using Xunit;

namespace LumieraVault.Tests;

/// <summary>
/// The kernel's word (inotify) on files with mapped windows: with the periodic check off and no request made,
/// a truncation, a replacement or a removal still retires the windows.
/// </summary>
public sealed class WatchSpec : TestKit, IDisposable
{
    private readonly TempFolder _temp = new();

    public WatchSpec() : base(VaultProbe.Config("1 MiB", "64 KiB", "lumiera.vault.files { change-check-interval = off\n watch-changes = on }"))
    {
    }

    private Vault Vault => Vault.Get(Sys);

    private async Task<VaultFile> OpenMapped(string path)
    {
        var file = await Vault.OpenAsync(path, layout: FrameLayout.Fixed(1000));
        using (var frame = await Vault.GetFrameAsync(file, 3).Answered()) TempFolder.AssertPattern(frame.Span, 3000);
        Assert.Equal(1, (await Vault.GetStatisticsAsync()).WindowsMapped);
        return file;
    }

    [Fact]
    public async Task ATruncationRetiresTheWindowsWithoutAnyRequest()
    {
        var path = _temp.Make("clip.bin", 200_000);
        var file = await OpenMapped(path);

        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) fs.SetLength(10_000);

        var stats = await Vault.StatisticsWhenAsync(s => s.WindowsMapped == 0, "the truncated file's window to be unmapped");
        Assert.Equal(1, stats.WindowsUnmapped);
        Assert.Contains("shrank", file.ChangedReason);
        Assert.Equal(0, ProcessProbe.MappedBytesOf(path));
        await Vault.GetFrameAsync(file, 1).FailsWith(VaultError.FileChanged);
    }

    [Fact]
    public async Task AFileReplacedByAnotherIsNoticedWithoutAnyRequest()
    {
        var path = _temp.Make("clip.bin", 200_000);
        var file = await OpenMapped(path);

        var other = _temp.Make("other.bin", 200_000, seed: 5);
        File.Move(other, path, overwrite: true);

        await Vault.StatisticsWhenAsync(s => s.WindowsMapped == 0, "the replaced file's window to be unmapped");
        Assert.Contains("replaced", file.ChangedReason);
        await Vault.GetFrameAsync(file, 1).FailsWith(VaultError.FileChanged);

        // The new file at the path is a new descriptor with its own bytes.
        var again = await Vault.OpenAsync(path, layout: FrameLayout.Fixed(1000));
        Assert.NotSame(file, again);
        using var frame = await Vault.GetFrameAsync(again, 1).Answered();
        TempFolder.AssertPattern(frame.Span, 1000, seed: 5);
    }

    [Fact]
    public async Task ARemovedFileIsNoticedWithoutAnyRequest()
    {
        var path = _temp.Make("clip.bin", 200_000);
        var file = await OpenMapped(path);

        File.Delete(path);

        await Vault.StatisticsWhenAsync(s => s.WindowsMapped == 0, "the removed file's window to be unmapped");
        Assert.Contains("removed", file.ChangedReason);
        await Vault.GetFrameAsync(file, 1).FailsWith(VaultError.FileChanged);
    }

    [Fact]
    public async Task GrowthIsNotAChange()
    {
        var path = _temp.Make("clip.bin", 100_000);
        var file = await OpenMapped(path);

        using (var fs = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            var more = new byte[50_000];
            for (int i = 0; i < more.Length; i++) more[i] = TempFolder.Pattern(100_000 + i);
            fs.Write(more);
        }

        using var frame = await Vault.GetFrameAsync(file, 120).Answered();
        TempFolder.AssertPattern(frame.Span, 120_000);
        Assert.Null(file.ChangedReason);
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}
