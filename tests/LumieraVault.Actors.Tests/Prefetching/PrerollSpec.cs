using System.Diagnostics;
using LumieraVault.Files;
using LumieraVault.Frames;
using LumieraVault.Prefetching;
using Xunit;
using Xunit.Sdk;

namespace LumieraVault.Tests.Prefetching;

/// <summary>A player's preroll through the prefetcher's facade and the real file actors: it waits for the first look-ahead to be read.</summary>
public sealed class PrerollSpec : PrefetchSpecBase
{
    private const string SystemName = "prefetch-preroll";

    public PrerollSpec() : base(name: SystemName)
    {
    }

    private async Task<Playback> WatchClipAsync()
    {
        var file = await Vault.OpenAsync(Temp.Make("clip.rgba", (long)FrameSize * ClipFrames), FileOpenMode.Read, FrameLayout.Fixed(FrameSize)).Answered();
        var playback = await Prefetcher.Get(Sys).WatchAsync(Fps, PlaybackSource.Clip(file)).Answered();
        UseFacade(file, playback);
        return playback;
    }

    /// <summary>Ticks the prefetcher (virtual time) until <paramref name="task"/> completes; the reads themselves run on the reader's own thread.</summary>
    private async Task<T> TickUntilAsync<T>(Task<T> task)
    {
        var started = Stopwatch.GetTimestamp();
        while (!task.IsCompleted)
        {
            if (Stopwatch.GetElapsedTime(started) > VaultProbe.Patience) throw new XunitException("The preroll was never answered.");
            Clock.Advance(TickTime);
            await SnapshotAsync();
            await Task.Delay(1);
        }
        return await task;
    }

    [Fact]
    public async Task APrerollAnswersOnceTheFirstFrameAndItsLookAheadAreReadAndThenTheyAreServedOnTheFastPath()
    {
        var playback = await WatchClipAsync();

        bool ready = await TickUntilAsync(playback.PrerollAsync(10, Forward(1), TimeSpan.FromMinutes(1)));

        Assert.True(ready);
        // Look-ahead 200 ms at 25 fps: the first frame and the five behind it are mapped.
        foreach (long frame in Range(10, 15))
        {
            Assert.True(Vault.TryGetFrame(File, frame, out var f), $"frame {frame} was not mapped by the preroll");
            f.Dispose();
        }
        var stats = await SnapshotAsync();
        Assert.Equal(10, stats.Playbacks.Single().Position);
    }

    [Fact]
    public async Task APrerollOfAPausedPlayAnswersFalseAtOnceAndADisposedPlaybackIsRefusedByName()
    {
        var playback = await WatchClipAsync();

        Assert.False(await playback.PrerollAsync(3, FrameHints.Playback(DueAt(1), forward: true, speed: 0), TimeSpan.FromMinutes(1)).Answered());

        playback.Dispose();
        var e = await Assert.ThrowsAsync<VaultException>(() => playback.PrerollAsync(3, Forward(1), TimeSpan.FromSeconds(1)));
        Assert.Equal(VaultError.InvalidArgument, e.Error);
        Assert.Equal(VaultError.InvalidArgument, (await Assert.ThrowsAsync<VaultException>(() => new Playback(Actor, 99, Fps, [PlaybackSource.Clip(File)], new PlayTap(16, () => Sys.Scheduler.Now))
            .PrerollAsync(0, Forward(1), TimeSpan.FromSeconds(-1)))).Error);
    }
}
