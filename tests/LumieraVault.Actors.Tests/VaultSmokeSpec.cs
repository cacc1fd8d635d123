using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Frames;
using Xunit;

namespace LumieraVault.Tests;

public sealed class VaultSmokeSpec : TestKit, IDisposable
{
    private readonly TempFolder _temp = new();

    public VaultSmokeSpec() : base("lumiera.vault { map-cache { budget = 1 MiB\n window-size = 64 KiB }\n handle-cache.max-handles = 4 }")
    {
    }

    [Fact]
    public async Task ReadsAFrameThroughTheMessagePathThenTheFastPath()
    {
        var vault = Vault.Get(Sys);
        var path = _temp.Make("a.bin", 200_000);
        var file = await vault.OpenAsync(path, FileOpenMode.Read, FrameLayout.Fixed(1000));
        using (var frame = await vault.GetFrameAsync(file, 5))
        {
            Assert.Equal(1000, frame.Length);
            Assert.Equal(TempFolder.Pattern(5000), frame.Span[0]);
        }
        Assert.True(vault.TryGetFrame(file, 6, out var hit));
        Assert.Equal(TempFolder.Pattern(6000), hit.Span[0]);
        hit.Dispose();
        var err = await Assert.ThrowsAsync<VaultException>(async () => await vault.GetFrameAsync(file, 200));
        Assert.Equal(VaultError.OutOfRange, err.Error);
        var stats = await vault.GetStatisticsAsync();
        Assert.Equal(1, stats.FastPathHits);
        await vault.CloseAsync(file);
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}
