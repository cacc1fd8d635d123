using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Frames;
using Xunit;

namespace LumieraVault.Tests;

public sealed class WeakFrameSpec : TestKit, IDisposable
{
    private const int Window = 64 * 1024;
    private readonly TempFolder _temp = new();

    public WeakFrameSpec() : base(VaultProbe.Config("128 KiB", "64 KiB", VaultProbe.VirtualTime))
    {
    }

    private Vault Vault => Vault.Get(Sys);

    [Fact]
    public async Task A_weak_frame_is_resident_while_its_window_is_mapped_and_upgrades_at_once()
    {
        var file = await Vault.OpenAsync(_temp.Make("a.bin", 8 * Window, seed: 2), FileOpenMode.Read, FrameLayout.Fixed(1000));
        var frame = await Vault.GetFrameAsync(file, 7).Answered();
        nint address = frame.Address;
        var weak = frame.ToWeak();
        Assert.False(frame.IsValid);
        Assert.Equal(0, (await Vault.GetStatisticsAsync()).Pins());
        Assert.Same(file, weak.File);
        Assert.Equal(7000, weak.Offset);
        Assert.Equal(1000, weak.Length);
        Assert.True(weak.IsResident);

        long missesBefore = (await Vault.GetStatisticsAsync()).Misses;
        Assert.True(weak.TryUpgrade(Vault, out var upgraded));
        using (upgraded)
        {
            Assert.Equal(address, upgraded.Address);
            TempFolder.AssertPattern(upgraded.Span, 7000, seed: 2);
        }
        using (var again = await weak.UpgradeAsync(Vault).Answered()) Assert.Equal(address, again.Address);
        var stats = await Vault.GetStatisticsAsync();
        Assert.Equal(missesBefore, stats.Misses);
        Assert.Equal(0, stats.Pins());
    }

    [Fact]
    public async Task A_weak_frame_whose_window_aged_out_upgrades_through_the_actors()
    {
        var file = await Vault.OpenAsync(_temp.Make("a.bin", 8 * Window, seed: 2));
        var weak = (await Vault.GetFrameAtAsync(file, 300, 2000).Answered()).ToWeak();

        // The budget holds two windows: mapping two others ages the weak frame's window out.
        for (int w = 1; w <= 2; w++) (await Vault.GetFrameAtAsync(file, w * Window, 100).Answered()).Dispose();

        Assert.False(weak.IsResident);
        Assert.False(weak.TryUpgrade(Vault, out _));
        Assert.False(file.GridWindows.ContainsKey(0));

        using (var frame = await weak.UpgradeAsync(Vault).Answered())
        {
            Assert.Equal(300, frame.Offset);
            TempFolder.AssertPattern(frame.Span, 300, seed: 2);
            Assert.True(frame.ToWeak().IsResident);
        }
        // Upgraded through the actors, the frame's window is mapped again, so the fast path serves it once more.
        Assert.True(weak.TryUpgrade(Vault, out var hit));
        hit.Dispose();
        var stats = await Vault.GetStatisticsAsync();
        Assert.Equal(0, stats.Pins());
        Assert.True(stats.MappedBytesPeak <= 2 * Window);
    }

    [Fact]
    public async Task A_weak_frame_of_a_writable_file_upgrades_to_a_writer()
    {
        var path = _temp.Make("w.bin", 4 * Window);
        var file = await Vault.OpenAsync(path, FileOpenMode.ReadWrite);
        var weak = (await Vault.GetFrameAtAsync(file, 100, 10, access: FrameAccess.ReadWrite).Answered()).ToWeak();
        Assert.Empty(file.Writers); // turning weak gives the writer's claim back too

        Assert.True(weak.TryUpgrade(Vault, out var writer, FrameAccess.ReadWrite));
        writer.WritableSpan.Fill(0xAB);
        await weak.UpgradeAsync(Vault, FrameAccess.ReadWrite).FailsWith(VaultError.WriterConflict);
        writer.Dispose();
        using var reader = await weak.UpgradeAsync(Vault).Answered();
        Assert.All(reader.Span.ToArray(), b => Assert.Equal(0xAB, b));
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}
