using LumieraVault.Frames;
using Xunit;

namespace LumieraVault.Tests.Prefetching;

/// <summary>A map budget of two windows: the look-ahead stays within its share, shrinks when requests wait for room, and dropped frames are counted.</summary>
public sealed class TightMemorySpec() : PrefetchSpecBase(
    "lumiera.vault.map-cache.budget = 128 KiB\n")
{
    [Fact]
    public async Task WaitingForRoomShrinksTheLookAheadAndADroppedFrameIsCounted()
    {
        await WatchWithProbesAsync();
        using var first = await Vault.GetFrameAsync(File, 0, Forward(1)).Answered();
        await TickAsync();
        ExpectAdvice(true, 1); // half the budget holds one frame, whatever the look-ahead's time says

        using var second = await Vault.GetFrameAsync(File, 1, Forward(2)).Answered();
        await TickAsync(); // frame 1 was advised and still missed: the look-ahead grows
        Assert.Equal(TimeSpan.FromMilliseconds(300), Playback.LookAhead);
        ExpectAdvice(true, 2);

        // Both windows of the budget are pinned: frame 2 waits for room until its deadline.
        var third = Vault.GetFrameAsync(File, 2, FrameHints.Playback(DueAt(3)));
        await VaultProbe.SettleAsync(Sys, File);
        Assert.Equal(1, (await Vault.GetStatisticsAsync().Answered()).BudgetWaits);
        await TickAsync(answered: false);
        Assert.Equal(TimeSpan.FromMilliseconds(240), Playback.LookAhead);

        Clock.Advance(Interval * 3);
        await Assert.ThrowsAsync<FrameDroppedException>(() => third.Answered());
        await TickAsync();
        var stats = await SnapshotAsync();
        Assert.Equal(1, stats.Dropped);
        Assert.Equal(1, stats.Shrunk);
        Assert.Equal(3, stats.Requests);
    }
}
