using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Frames;
using Xunit;

namespace LumieraVault.Tests;

public sealed class FrameSpec : TestKit, IDisposable
{
    private const int Window = 64 * 1024;
    private readonly TempFolder _temp = new();

    public FrameSpec() : base(VaultProbe.Config("1 MiB", "64 KiB"))
    {
    }

    private Vault Vault => Vault.Get(Sys);

    [Fact]
    public async Task A_frame_at_offset_zero_is_mapped_read_and_released()
    {
        var file = await Vault.OpenAsync(_temp.Make("a.bin", 200_000));
        var frame = await Vault.GetFrameAtAsync(file, 0, 100).Answered();
        Assert.True(frame.IsMapped);
        Assert.Equal(0, frame.Offset);
        Assert.Equal(100, frame.Length);
        Assert.Equal(FrameAccess.ReadOnly, frame.Access);
        Assert.Same(file, frame.File);
        TempFolder.AssertPattern(frame.Span, 0);
        Assert.Equal(1, (await Vault.GetStatisticsAsync()).Pins());

        frame.Dispose();

        var stats = await Vault.GetStatisticsAsync();
        Assert.Equal(0, stats.Pins());
        Assert.Equal(1, stats.WindowsMapped); // released, not unmapped: the window ages until the budget needs it
        Assert.False(frame.IsValid);
    }

    [Fact]
    public async Task The_same_frame_checked_out_twice_has_the_same_address_and_two_pins()
    {
        var file = await Vault.OpenAsync(_temp.Make("a.bin", 200_000), FileOpenMode.Read, FrameLayout.Fixed(1000));
        using var first = await Vault.GetFrameAsync(file, 5).Answered();
        using var second = await Vault.GetFrameAsync(file, 5).Answered();
        Assert.Equal(first.Address, second.Address);
        Assert.Equal(2, (await Vault.GetStatisticsAsync()).Pins());
        TempFolder.AssertPattern(second.Span, 5000);
    }

    [Fact]
    public async Task A_released_frame_is_checked_out_again_on_the_fast_path()
    {
        var file = await Vault.OpenAsync(_temp.Make("a.bin", 200_000));
        nint address;
        using (var frame = await Vault.GetFrameAtAsync(file, 3000, 500).Answered()) address = frame.Address;
        long hitsBefore = (await Vault.GetStatisticsAsync()).FastPathHits;

        Assert.True(Vault.TryGetFrameAt(file, 3000, 500, out var again));
        using (again)
        {
            Assert.Equal(address, again.Address);
            TempFolder.AssertPattern(again.Span, 3000);
        }
        // Another frame of the same window is on the fast path too, without any message.
        Assert.True(Vault.TryGetFrameAt(file, 40_000, 100, out var neighbour));
        neighbour.Dispose();
        var stats = await Vault.GetStatisticsAsync();
        Assert.Equal(hitsBefore + 2, stats.FastPathHits);
        Assert.Equal(1, stats.WindowsMappedTotal);
    }

    [Fact]
    public async Task Frames_are_numbered_after_the_header_and_windows_start_after_it()
    {
        const int header = 100, size = 1000;
        var file = await Vault.OpenAsync(_temp.Make("h.bin", 300_000), FileOpenMode.Read, FrameLayout.Fixed(size, header));
        Assert.Equal((300_000 - header) / size, file.FrameCount);

        using var first = await Vault.GetFrameAsync(file, 0).Answered();
        Assert.Equal(header, first.Offset);
        TempFolder.AssertPattern(first.Span, header);

        // With the bias the first window holds frames 0..64 (65 frames of 1000 bytes after the header). Frame 64 ends at
        // byte 65100, past 64 KiB: planned from offset 0 it would straddle and need a window of its own.
        Assert.True(Vault.TryGetFrame(file, 64, out var last));
        using (last)
        {
            Assert.Equal(header + 64L * size, last.Offset);
            Assert.Equal(64L * size, last.Address - first.Address);
            TempFolder.AssertPattern(last.Span, header + 64L * size);
        }
        Assert.False(Vault.TryGetFrame(file, 65, out _)); // the next window is not mapped yet
        using var next = await Vault.GetFrameAsync(file, 65).Answered();
        TempFolder.AssertPattern(next.Span, header + 65L * size);
        Assert.Empty(file.OwnWindows);
        Assert.Equal(2, file.GridWindows.Count);
    }

    [Fact]
    public async Task A_table_layout_finds_each_frame_at_its_offset_and_size()
    {
        (long, int)[] table = [(10, 500), (5000, 300), (70_000, 2000), (65_000, 1200)];
        var file = await Vault.OpenAsync(_temp.Make("t.bin", 100_000), FileOpenMode.Read, FrameLayout.Table(table));
        Assert.Equal(4, file.FrameCount);
        for (int n = 0; n < table.Length; n++)
        {
            using var frame = await Vault.GetFrameAsync(file, n).Answered();
            Assert.Equal(table[n].Item1, frame.Offset);
            Assert.Equal(table[n].Item2, frame.Length);
            TempFolder.AssertPattern(frame.Span, table[n].Item1);
        }
        await Vault.GetFrameAsync(file, 4).FailsWith(VaultError.OutOfRange);
        await Vault.GetFrameAsync(file, -1).FailsWith(VaultError.InvalidArgument);
    }

    [Fact]
    public async Task A_frame_that_straddles_a_window_boundary_gets_its_own_window_and_reads_correctly()
    {
        var file = await Vault.OpenAsync(_temp.Make("s.bin", 300_000, seed: 3));
        using var before = await Vault.GetFrameAtAsync(file, 0, 100).Answered();
        using var after = await Vault.GetFrameAtAsync(file, Window + 100, 100).Answered();
        long offset = Window - 500;
        using var straddling = await Vault.GetFrameAtAsync(file, offset, 1000).Answered();
        TempFolder.AssertPattern(straddling.Span, offset, seed: 3);
        Assert.True(file.OwnWindows.ContainsKey(offset));
        Assert.Equal(2, file.GridWindows.Count);

        Assert.True(Vault.TryGetFrameAt(file, offset, 1000, out var again));
        Assert.Equal(straddling.Address, again.Address);
        again.Dispose();
    }

    [Fact]
    public async Task A_frame_larger_than_a_window_gets_its_own_window_and_reads_correctly()
    {
        var file = await Vault.OpenAsync(_temp.Make("l.bin", 400_000, seed: 5));
        const long offset = 1234;
        const int length = 3 * Window + 777;
        using var big = await Vault.GetFrameAtAsync(file, offset, length).Answered();
        Assert.Equal(length, big.Length);
        TempFolder.AssertPattern(big.Span, offset, seed: 5);
        Assert.True(file.OwnWindows.TryGetValue(offset, out var window));
        Assert.True(window.MapLength >= length);
        Assert.Empty(file.GridWindows);
    }

    [Fact]
    public async Task Disposing_a_frame_twice_or_through_a_copy_returns_one_pin_only()
    {
        var file = await Vault.OpenAsync(_temp.Make("d.bin", 100_000));
        using var holder = await Vault.GetFrameAtAsync(file, 0, 100).Answered();
        var frame = await Vault.GetFrameAtAsync(file, 200, 100).Answered();
        var copy = frame;
        Assert.Equal(2, (await Vault.GetStatisticsAsync()).Pins());

        frame.Dispose();
        frame.Dispose();
        copy.Dispose();
        Assert.Equal(1, (await Vault.GetStatisticsAsync()).Pins());
        Assert.False(copy.IsValid);

        // The lease behind a disposed frame is reused by the next frame on this thread: a stale copy must not release it.
        Assert.True(Vault.TryGetFrameAt(file, 400, 100, out var reuser));
        copy.Dispose();
        Assert.True(reuser.IsValid);
        Assert.Equal(2, (await Vault.GetStatisticsAsync()).Pins());
        reuser.Dispose();
        Assert.Equal(1, (await Vault.GetStatisticsAsync()).Pins());
        Assert.True(holder.IsValid);
    }

    [Fact]
    public async Task Using_a_disposed_frame_throws_ObjectDisposedException()
    {
        var file = await Vault.OpenAsync(_temp.Make("x.bin", 100_000));
        var frame = await Vault.GetFrameAtAsync(file, 0, 100).Answered();
        frame.Dispose();
        Assert.Throws<ObjectDisposedException>(() => frame.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => frame.Offset);
        Assert.Throws<ObjectDisposedException>(() => frame.Length);
        Assert.Throws<ObjectDisposedException>(() => frame.File);
        Assert.Throws<ObjectDisposedException>(() => frame.ToWeak());
        Assert.Throws<ObjectDisposedException>(() => default(Frame).Span.Length);
        Assert.Equal("frame (disposed)", frame.ToString());
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}
