using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Native;
using Xunit;

namespace LumieraVault.Tests;

public sealed class OpeningSpec : TestKit, IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly Vault _vault;

    public OpeningSpec() : base(VaultProbe.VirtualTime +
        "lumiera.vault { map-cache { budget = 4 MiB\n window-size = 64 KiB }\n handle-cache.max-handles = 8 }")
    {
        _vault = Vault.Get(Sys);
    }

    [Fact]
    public async Task TheSameFileOpenedTwiceIsTheSameDescriptor()
    {
        var path = _temp.Make("clip.bin", 10_000);
        var first = await _vault.OpenAsync(path);
        var second = await _vault.OpenAsync(path);
        Assert.Same(first, second);
        // A relative spelling of the path names the same file.
        var third = await _vault.OpenAsync(Path.Combine(_temp.Path, ".", "clip.bin"));
        Assert.Same(first, third);
        Assert.Equal(1, (await _vault.GetStatisticsAsync()).FilesOpen);
    }

    [Fact]
    public async Task AHardLinkSharesTheDescriptorOfItsFile()
    {
        var path = _temp.Make("clip.bin", 10_000);
        var link = _temp.File("other-name.bin");
        ProcessProbe.HardLink(path, link);
        var byPath = await _vault.OpenAsync(path);
        var byLink = await _vault.OpenAsync(link);
        Assert.Same(byPath, byLink);
        Assert.Equal(path, byLink.Path); // the first opener's path names the descriptor
        using var frame = await _vault.GetFrameAtAsync(byLink, 1000, 100);
        Assert.Equal(TempFolder.Pattern(1000), frame.Span[0]);
    }

    [Fact]
    public async Task ReadingAndWritableOpeningsOfOneFileAreDifferentDescriptors()
    {
        var path = _temp.Make("clip.bin", 10_000);
        var reading = await _vault.OpenAsync(path, FileOpenMode.Read);
        var writing = await _vault.OpenAsync(path, FileOpenMode.ReadWrite);
        Assert.NotSame(reading, writing);
        Assert.False(reading.IsWritable);
        Assert.True(writing.IsWritable);
        Assert.Equal(reading.Identity, writing.Identity);
        Assert.Same(writing, await _vault.OpenAsync(path, FileOpenMode.ReadWrite));
        Assert.Equal(2, (await _vault.GetStatisticsAsync()).FilesOpen);
    }

    [Fact]
    public async Task CreateMakesTheMissingParentFolders()
    {
        var path = Path.Combine(_temp.Path, "renders", "2025", "take-3", "cache.bin");
        var file = await _vault.OpenAsync(path, FileOpenMode.Create, FrameLayout.Fixed(4096), FileUse.RenderCache);
        Assert.True(File.Exists(path));
        Assert.Equal(0, file.Size);
        Assert.Equal(0, file.FrameCount);
        Assert.True(file.IsWritable);
    }

    [Fact]
    public async Task CreateKeepsWhatAnExistingFileHolds()
    {
        var path = _temp.Make("cache.bin", 10_000);
        var file = await _vault.OpenAsync(path, FileOpenMode.Create);
        Assert.Equal(10_000, file.Size);
        Assert.Equal(10_000, new FileInfo(path).Length);
    }

    [Fact]
    public async Task RecreateEmptiesAnExistingFile()
    {
        var path = _temp.Make("cache.bin", 10_000);
        var file = await _vault.OpenAsync(path, FileOpenMode.Recreate, FrameLayout.Fixed(1000));
        Assert.Equal(0, file.Size);
        Assert.Equal(0, file.FrameCount);
        Assert.Equal(0, new FileInfo(path).Length);
        var error = await Assert.ThrowsAsync<VaultException>(async () => await _vault.GetFrameAsync(file, 0));
        Assert.Equal(VaultError.OutOfRange, error.Error);
    }

    [Fact]
    public async Task TheDescriptorKeepsTheFilesMetadata()
    {
        var path = _temp.Make("clip.bin", 10_016);
        var layout = FrameLayout.Fixed(1000, headerBytes: 16);
        var file = await _vault.OpenAsync(path, FileOpenMode.Read, layout, FileUse.AudioBlocks, ReadStrategy.Buffered);
        Assert.True(FileStatus.TryOfPath(path, out var status, out _));
        Assert.Equal(path, file.Path);
        Assert.Equal(FileOpenMode.Read, file.Mode);
        Assert.Equal(layout, file.Layout);
        Assert.Equal(FileUse.AudioBlocks, file.Use);
        Assert.Equal(ReadStrategy.Buffered, file.Strategy);
        Assert.Equal(status.Identity, file.Identity);
        Assert.Equal(10_016, file.Size);
        Assert.Equal(10, file.FrameCount);
        Assert.False(file.IsClosed);
        Assert.Null(file.ChangedReason);
        var stats = await _vault.GetStatisticsAsync();
        var listed = Assert.Single(stats.Files);
        Assert.Equal((path, "AudioBlocks", 10_016L), (listed.Path, listed.Use, listed.Size));
    }

    [Fact]
    public async Task TheReadStrategyDefaultsToTheConfiguredOne()
    {
        var file = await _vault.OpenAsync(_temp.Make("clip.bin", 1000));
        Assert.Equal(ReadStrategy.Mapped, file.Strategy);
        Assert.Equal(FileUse.Media, file.Use);
        Assert.Equal(FrameLayout.Bytes(), file.Layout);
    }

    [Fact]
    public async Task OpeningAnOpenFileWithAnotherLayoutIsAnInvalidArgument()
    {
        var path = _temp.Make("clip.bin", 10_000);
        var file = await _vault.OpenAsync(path, FileOpenMode.Read, FrameLayout.Fixed(1000));
        var error = await Assert.ThrowsAsync<VaultException>(() => _vault.OpenAsync(path, FileOpenMode.Read, FrameLayout.Fixed(500)));
        Assert.Equal(VaultError.InvalidArgument, error.Error);
        Assert.Contains("layout", error.Message);
        // The same layout, spelled anew, is the same layout.
        Assert.Same(file, await _vault.OpenAsync(path, FileOpenMode.Read, FrameLayout.Fixed(1000)));
        using var frame = await _vault.GetFrameAsync(file, 3);
        Assert.Equal(TempFolder.Pattern(3000), frame.Span[0]);
    }

    [Fact]
    public async Task AFileIsClosedByAsManyClosesAsOpens()
    {
        var path = _temp.Make("clip.bin", 200_000);
        var layout = FrameLayout.Fixed(1000);
        var first = await _vault.OpenAsync(path, FileOpenMode.Read, layout);
        var second = await _vault.OpenAsync(path, FileOpenMode.Read, layout);
        var held = await _vault.GetFrameAsync(first, 2);

        await _vault.CloseAsync(first);
        Assert.False(second.IsClosed);
        using (var frame = await _vault.GetFrameAsync(second, 150))
            Assert.Equal(TempFolder.Pattern(150_000), frame.Span[0]);
        Assert.True(_vault.TryGetFrame(second, 3, out var hit));
        Assert.Equal(TempFolder.Pattern(3000), hit.Span[0]);
        hit.Dispose();
        Assert.Equal(1, (await _vault.GetStatisticsAsync()).FilesOpen);

        await _vault.CloseAsync(second);
        Assert.True(first.IsClosed);
        // A frame held across the last close stays readable until it is disposed.
        Assert.Equal(TempFolder.Pattern(2000), held.Span[0]);
        held.Dispose();

        Assert.False(_vault.TryGetFrame(first, 2, out _));
        var mapped = await Assert.ThrowsAsync<VaultException>(async () => await _vault.GetFrameAsync(first, 2));
        Assert.Equal(VaultError.FileClosed, mapped.Error);
        var unmapped = await Assert.ThrowsAsync<VaultException>(async () => await _vault.GetFrameAsync(first, 100));
        Assert.Equal(VaultError.FileClosed, unmapped.Error);

        await VaultProbe.SettleAsync(Sys);
        var stats = await _vault.GetStatisticsAsync();
        Assert.Equal(0, stats.FilesOpen);
        Assert.Equal(0, stats.WindowsMapped);
        Assert.Equal(0, stats.HandlesOpen);
        Assert.Empty(ProcessProbe.MappingsUnder(_temp.Path));
        Assert.Empty(ProcessProbe.DescriptorsUnder(_temp.Path));

        // Closing again is harmless, and the file can be opened anew.
        await _vault.CloseAsync(first);
        var again = await _vault.OpenAsync(path, FileOpenMode.Read, layout);
        Assert.NotSame(first, again);
        using var fresh = await _vault.GetFrameAsync(again, 2);
        Assert.Equal(TempFolder.Pattern(2000), fresh.Span[0]);
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}
