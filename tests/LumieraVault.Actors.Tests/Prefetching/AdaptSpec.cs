using Xunit;

namespace LumieraVault.Tests.Prefetching;

/// <summary>The look-ahead grows when the frames it covered were not ready in time and shrinks when what it prefetched went unused.</summary>
public sealed class AdaptSpec : PrefetchSpecBase
{
    [Fact]
    public async Task APrefetchedFrameThatWasNotReadyWhenAskedGrowsTheLookAhead()
    {
        await WatchWithProbesAsync();
        await AskAsync(10, Forward(1));
        await TickAsync();
        ExpectAdvice(true, 11, 12, 13, 14, 15);

        // The stand-in for the file actor maps nothing: frame 11 was advised and is still a miss.
        await AskAsync(11, Forward(2));
        await TickAsync();
        Assert.Equal(TimeSpan.FromMilliseconds(300), Playback.LookAhead);
        ExpectAdvice(true, 16, 17, 18);

        await AskAsync(12, Forward(3));
        await TickAsync();
        ExpectAdvice(false, 11);
        Assert.Equal(TimeSpan.FromMilliseconds(400), Playback.LookAhead); // max-look-ahead
        ExpectAdvice(true, 19, 20, 21, 22);

        await AskAsync(13, Forward(4));
        await TickAsync();
        Assert.Equal(TimeSpan.FromMilliseconds(400), Playback.LookAhead);
        var stats = await SnapshotAsync();
        Assert.Equal(2, stats.Grown);
    }

    [Fact]
    public async Task PrefetchedFramesLeftUnusedShrinkTheLookAheadDownToItsMinimum()
    {
        await WatchWithProbesAsync();
        long at = 10;
        var expected = new[] { 160, 128, 102.4, 100, 100 };
        await AskAsync(at, Forward(1));
        await TickAsync();
        foreach (double ms in expected)
        {
            at += 30;
            await AskAsync(at, Forward(1));
            await TickAsync();
            Assert.Equal(TimeSpan.FromMilliseconds(ms), Playback.LookAhead);
        }
        var stats = await SnapshotAsync();
        Assert.Equal(4, stats.Shrunk);
        Assert.Equal(stats.Prefetched - stats.Playbacks[0].FramesAhead, stats.Wasted);
    }

    [Fact]
    public async Task FramesAskedForAreNotWastedWhenThePlayHeadPassesThem()
    {
        await WatchWithProbesAsync();
        for (long n = 10; n <= 20; n++)
        {
            await AskAsync(n, Forward(n - 9));
            await TickAsync();
        }
        var stats = await SnapshotAsync();
        Assert.Equal(0, stats.Wasted);
        Assert.Equal(10, stats.Used);
        Assert.Equal(9, stats.Released); // 11 to 19: frame 10 was asked for before anything was prefetched, 20 is the play head
    }
}
