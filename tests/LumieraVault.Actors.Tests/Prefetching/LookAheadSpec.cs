using LumieraVault.Frames;
using Xunit;

namespace LumieraVault.Tests.Prefetching;

/// <summary>
/// Where the look-ahead goes (the advice also reaches the real file actor, so the frames advised are mapped and a player
/// finds them ready):: the frames ahead of the play head in the direction and at the speed it plays, and nothing stale.
/// </summary>
public sealed class LookAheadSpec : PrefetchSpecBase
{
    [Fact]
    public async Task AdviceCoversExactlyTheFramesAheadOfThePlayHead()
    {
        await WatchWithProbesAsync(forward: true);
        await AskAsync(10, Forward(1));
        await TickAsync();
        ExpectAdvice(true, 11, 12, 13, 14, 15);

        await AskAsync(11, Forward(2));
        await TickAsync();
        ExpectAdvice(true, 16);

        await AskAsync(12, Forward(3));
        await TickAsync();
        ExpectAdvice(false, 11); // passed, nothing kept behind
        ExpectAdvice(true, 17);
        ExpectNoMoreAdvice();

        await TickAsync();
        ExpectNoMoreAdvice();
    }

    [Fact]
    public async Task AtTwiceTheSpeedTheLookAheadCoversEveryOtherFrameOverTwiceTheTimeline()
    {
        await WatchWithProbesAsync(forward: true);
        await AskAsync(10, Forward(1));
        await TickAsync();
        ExpectAdvice(true, 11, 12, 13, 14, 15);

        await AskAsync(12, Forward(2, speed: 2));
        await TickAsync();
        ExpectAdvice(false, 11);
        ExpectAdvice(true, 16, 18, 20, 22);
        var stats = await SnapshotAsync();
        Assert.Equal(2, stats.Playbacks[0].Speed);
        Assert.Equal(0, stats.Supersedes);
    }

    [Fact]
    public async Task ReversePlayLooksBehindThePlayHead()
    {
        await WatchWithProbesAsync(forward: true);
        await AskAsync(50, Backward(1));
        await TickAsync();
        ExpectAdvice(true, 49, 48, 47, 46, 45);

        await AskAsync(49, Backward(2));
        await AskAsync(48, Backward(3));
        await TickAsync();
        ExpectAdvice(false, 49);
        ExpectAdvice(true, 44, 43);
        var stats = await SnapshotAsync();
        Assert.Equal(-1, stats.Playbacks[0].Direction);
    }

    [Fact]
    public async Task TurningAroundSupersedesTheLookAheadAndLooksTheOtherWay()
    {
        await WatchWithProbesAsync(forward: true);
        await AskAsync(50, Forward(1));
        await TickAsync();
        ExpectAdvice(true, 51, 52, 53, 54, 55);

        await AskAsync(49, Backward(2));
        await TickAsync();
        ExpectReleaseOf(51, 52, 53, 54, 55);
        // Five unused frames shrink the look-ahead from 200 to 160 ms: four frames.
        ExpectAdvice(true, 48, 47, 46, 45);
        var stats = await SnapshotAsync();
        Assert.Equal(1, stats.Supersedes);
        Assert.Equal(5, stats.Wasted);
    }

    [Fact]
    public async Task ASeekSupersedesTheStaleLookAheadOnTheNextTick()
    {
        await WatchWithProbesAsync(forward: true);
        await AskAsync(10, Forward(1));
        await TickAsync();
        ExpectAdvice(true, 11, 12, 13, 14, 15);

        await AskAsync(100, Forward(2));
        await TickAsync();
        ExpectReleaseOf(11, 12, 13, 14, 15);
        ExpectAdvice(true, 101, 102, 103, 104);
        ExpectNoMoreAdvice();
        var stats = await SnapshotAsync();
        Assert.Equal(100, stats.Playbacks[0].Position);
        Assert.Equal(4, stats.Playbacks[0].FramesAhead);
    }

    [Fact]
    public async Task AScrubReleasesTheLookAheadAndPrefetchesNothing()
    {
        await WatchWithProbesAsync(forward: true);
        await AskAsync(10, Forward(1));
        await TickAsync();
        ExpectAdvice(true, 11, 12, 13, 14, 15);

        await AskAsync(12, new FrameHints(null, false, FramePriority.AsSoonAsPossible, PlayAction.Scrub));
        await TickAsync();
        ExpectReleaseOf(11, 12, 13, 14, 15);
        ExpectNoMoreAdvice();
        Assert.Equal("Scrubbing", (await SnapshotAsync()).Playbacks[0].State);
    }

    [Fact]
    public async Task APauseStopsTheLookAheadAndKeepsWhatItPrefetched()
    {
        await WatchWithProbesAsync(forward: true);
        await AskAsync(10, Forward(1));
        await TickAsync();
        ExpectAdvice(true, 11, 12, 13, 14, 15);

        await AskAsync(11, Forward(2, speed: 0));
        await TickAsync(3);
        ExpectNoMoreAdvice();
        var stats = await SnapshotAsync();
        Assert.Equal("Paused", stats.Playbacks[0].State);
        Assert.Equal(5, stats.Playbacks[0].FramesAhead);

        await AskAsync(12, Forward(3));
        await TickAsync();
        ExpectAdvice(false, 11);
        ExpectAdvice(true, 16, 17);
    }

    [Fact]
    public async Task NoRequestForAWhileCountsAsAPause()
    {
        await WatchWithProbesAsync(forward: true);
        await AskAsync(10, Forward(1));
        await TickAsync();
        ExpectAdvice(true, 11, 12, 13, 14, 15);

        await TickAsync(52); // 520 ms of virtual time; the request was seen on the first tick, past idle-after (500 ms)
        Assert.Equal("Paused", (await SnapshotAsync()).Playbacks[0].State);
        ExpectNoMoreAdvice();
    }

    [Fact]
    public async Task FastPathHitsWithoutHintsMoveThePlayHeadToo()
    {
        await WatchWithProbesAsync(forward: true);
        // Map frames 0 to 3 before the timeline plays, then read them on the fast path only, as a player without hints would.
        for (long n = 0; n < 4; n++) await AskAsync(n, FrameHints.None);
        await TickAsync();
        ExpectAdvice(true, 4, 5, 6, 7, 8);

        for (long n = 3; n >= 1; n--)
        {
            Assert.True(Vault.TryGetFrame(File, n, out var frame));
            frame.Dispose();
        }
        await TickAsync();
        ExpectReleaseOf(4, 5, 6, 7, 8);
        ExpectAdvice(true, 0);
        var stats = await SnapshotAsync();
        Assert.Equal(1, stats.Playbacks[0].Position);
        Assert.Equal(-1, stats.Playbacks[0].Direction);
        Assert.Equal(7, stats.Requests);
        Assert.Equal(3, stats.Ready);
    }
}
