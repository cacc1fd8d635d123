using Akka.TestKit;
using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Frames;
using Xunit;

namespace LumieraVault.Tests;

/// <summary>The address-space budget, on virtual time: deadlines pass only when a test advances the scheduler.</summary>
public sealed class BudgetSpec : TestKit, IDisposable
{
    private const int Window = 64 * 1024;
    private const long Budget = 4 * Window;
    private readonly TempFolder _temp = new();

    public BudgetSpec() : base(VaultProbe.Config("256 KiB", "64 KiB", VaultProbe.VirtualTime))
    {
    }

    private Vault Vault => Vault.Get(Sys);

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    [Fact]
    public async Task The_least_recently_idle_window_is_unmapped_first_when_a_new_window_needs_room()
    {
        var file = await Vault.OpenAsync(_temp.Make("a.bin", 16 * Window));
        for (int w = 0; w < 4; w++) (await Vault.GetFrameAtAsync(file, w * Window, 100).Answered()).Dispose();
        // Window 0 was mapped first but becomes idle last: window 1 is now the least recently idle.
        Assert.True(Vault.TryGetFrameAt(file, 10, 100, out var touch));
        touch.Dispose();

        using (var frame = await Vault.GetFrameAtAsync(file, 4 * Window, 100).Answered()) TempFolder.AssertPattern(frame.Span, 4 * Window);

        Assert.False(file.GridWindows.ContainsKey(1));
        Assert.Equal(new long[] { 0, 2, 3, 4 }, file.GridWindows.Keys.Order());
        Assert.False(Vault.TryGetFrameAt(file, Window, 100, out _));

        // Now window 2 is the oldest; window 0 ages after 3 and 4 once they were touched after it.
        foreach (long w in new long[] { 0, 3, 4 })
        {
            Assert.True(Vault.TryGetFrameAt(file, w * Window, 100, out var f));
            f.Dispose();
        }
        (await Vault.GetFrameAtAsync(file, 5 * Window, 100).Answered()).Dispose();
        Assert.Equal(new long[] { 0, 3, 4, 5 }, file.GridWindows.Keys.Order());
        var stats = await Vault.GetStatisticsAsync();
        Assert.Equal(2, stats.WindowsUnmapped);
        Assert.Equal(Budget, stats.MappedBytes);
    }

    [Fact]
    public async Task Mapped_bytes_never_exceed_the_budget()
    {
        var path = _temp.Make("a.bin", 40 * Window + 123);
        var file = await Vault.OpenAsync(path);
        var random = new Random(1234);
        var held = new Queue<Frame>();
        for (int i = 0; i < 300; i++)
        {
            long offset = random.NextInt64(0, 40 * Window - 4096);
            int length = random.Next(1, 4096);
            var frame = await Vault.GetFrameAtAsync(file, offset, length).Answered();
            TempFolder.AssertPattern(frame.Span, offset);
            held.Enqueue(frame);
            if (held.Count > 2) held.Dequeue().Dispose(); // keep a few pinned so eviction must pick around them
            Assert.InRange(Vault.MappedBytes, 1, Budget);
            Assert.InRange(ProcessProbe.MappedBytesOf(path), 1, Budget);
        }
        while (held.Count > 0) held.Dequeue().Dispose();
        var stats = await Vault.GetStatisticsAsync();
        Assert.InRange(stats.MappedBytesPeak, Budget / 2, Budget);
        Assert.True(stats.WindowsUnmapped > 100, $"only {stats.WindowsUnmapped} windows were unmapped");
        Assert.Equal(0, stats.Pins());
    }

    [Fact]
    public async Task A_request_waits_while_every_window_is_pinned_and_is_served_when_a_pin_is_released()
    {
        var file = await Vault.OpenAsync(_temp.Make("a.bin", 16 * Window));
        var pinned = await PinAllWindows(file);

        var waiting = Vault.GetFrameAtAsync(file, 4 * Window + 10, 100, new FrameHints(Deadline: Clock.Now + TimeSpan.FromSeconds(2))).AsTask();
        await VaultProbe.SettleAsync(Sys, file);
        Assert.False(waiting.IsCompleted);
        var stats = await Vault.GetStatisticsAsync();
        Assert.Equal(1, stats.BudgetWaits);
        Assert.Equal(Budget, stats.MappedBytes);

        pinned[2].Dispose();

        using (var frame = await waiting.Answered()) TempFolder.AssertPattern(frame.Span, 4 * Window + 10);
        Assert.Equal(new long[] { 0, 1, 3, 4 }, file.GridWindows.Keys.Order());
        foreach (var f in pinned) f.Dispose();
        Assert.True((await Vault.GetStatisticsAsync()).MappedBytesPeak <= Budget);
    }

    [Fact]
    public async Task A_waiting_request_fails_BudgetExhausted_when_its_deadline_passes()
    {
        var file = await Vault.OpenAsync(_temp.Make("a.bin", 16 * Window));
        var pinned = await PinAllWindows(file);

        var waiting = Vault.GetFrameAtAsync(file, 4 * Window + 10, 100, new FrameHints(Deadline: Clock.Now + TimeSpan.FromSeconds(2))).AsTask();
        await VaultProbe.SettleAsync(Sys, file);
        Clock.Advance(TimeSpan.FromMilliseconds(1999));
        await VaultProbe.SettleAsync(Sys, file);
        Assert.False(waiting.IsCompleted);

        Clock.Advance(TimeSpan.FromMilliseconds(2));

        var e = await Assert.ThrowsAsync<VaultException>(() => waiting.Answered());
        Assert.Equal(VaultError.BudgetExhausted, e.Error);
        Assert.Equal(file.Path, e.Path);
        Assert.False(file.Cache.HasWaiters);
        Assert.Equal(Budget, file.Cache.Reserved);

        // The vault works on: a released pin makes room for the same request.
        pinned[0].Dispose();
        using (var frame = await Vault.GetFrameAtAsync(file, 4 * Window + 10, 100).Answered()) TempFolder.AssertPattern(frame.Span, 4 * Window + 10);
        foreach (var f in pinned) f.Dispose();
        Assert.Equal(0, (await Vault.GetStatisticsAsync()).Pins());
    }

    [Fact]
    public async Task A_droppable_request_is_dropped_when_its_deadline_passes()
    {
        var file = await Vault.OpenAsync(_temp.Make("a.bin", 16 * Window));
        var pinned = await PinAllWindows(file);

        var waiting = Vault.GetFrameAtAsync(file, 4 * Window + 10, 100, FrameHints.Playback(Clock.Now + TimeSpan.FromMilliseconds(40))).AsTask();
        await VaultProbe.SettleAsync(Sys, file);
        Assert.False(waiting.IsCompleted);

        Clock.Advance(TimeSpan.FromMilliseconds(40));

        var e = await Assert.ThrowsAsync<FrameDroppedException>(() => waiting.Answered());
        Assert.Equal(VaultError.Dropped, e.Error);
        Assert.False(string.IsNullOrWhiteSpace(e.Reason));
        var stats = await Vault.GetStatisticsAsync();
        Assert.Equal(1, stats.Dropped);
        Assert.Equal(0, stats.Failures);
        foreach (var f in pinned) f.Dispose();
    }

    [Fact]
    public async Task A_frame_larger_than_the_whole_budget_fails_at_once()
    {
        var file = await Vault.OpenAsync(_temp.Make("a.bin", 16 * Window));
        using var held = await Vault.GetFrameAtAsync(file, 0, 100).Answered();

        // No virtual time passes: waiting for room would never end.
        var e = await Vault.GetFrameAtAsync(file, Window, (int)Budget + 1).FailsWith(VaultError.BudgetExhausted);
        Assert.Contains("budget", e.Message);
        var stats = await Vault.GetStatisticsAsync();
        Assert.Equal(0, stats.BudgetWaits);
        Assert.Equal(Window, stats.MappedBytes);
        Assert.Equal(Window, file.Cache.Reserved);

        using var fits = await Vault.GetFrameAtAsync(file, Window, 3 * Window).Answered();
        TempFolder.AssertPattern(fits.Span, Window);
    }

    /// <summary>Maps the four windows the budget holds and keeps a frame of each.</summary>
    private async Task<Frame[]> PinAllWindows(VaultFile file)
    {
        var frames = new Frame[4];
        for (int w = 0; w < 4; w++) frames[w] = await Vault.GetFrameAtAsync(file, w * Window, 100).Answered();
        Assert.Equal(Budget, Vault.MappedBytes);
        return frames;
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}
