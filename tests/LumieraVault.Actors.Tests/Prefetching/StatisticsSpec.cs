using System.Diagnostics.Metrics;
using LumieraVault.Files;
using LumieraVault.Frames;
using LumieraVault.Prefetching;
using Xunit;

namespace LumieraVault.Tests.Prefetching;

/// <summary>The statistics the prefetcher keeps, through its own facade and the real file actors, for a scripted run.</summary>
public sealed class StatisticsSpec : PrefetchSpecBase
{
    private const string SystemName = "prefetch-statistics";

    public StatisticsSpec() : base(name: SystemName)
    {
    }

    private async Task<Playback> WatchClipAsync()
    {
        // The facade's own actor, advising the real file actors.
        var file = await Vault.OpenAsync(Temp.Make("clip.rgba", (long)FrameSize * ClipFrames), FileOpenMode.Read, FrameLayout.Fixed(FrameSize)).Answered();
        var playback = await Prefetcher.Get(Sys).WatchAsync(Fps, PlaybackSource.Clip(file)).Answered();
        UseFacade(file, playback);
        return playback;
    }

    [Fact]
    public async Task TheStatisticsOfAScriptedRunAreExactlyWhatHappened()
    {
        await WatchClipAsync();
        await AskAsync(0, Forward(1)); // a miss: nothing was prefetched yet
        await TickAsync(); // frames 1 to 5 advised, and mapped by the file actor

        await AskAsync(1, Forward(2));
        await AskAsync(2, Forward(3));
        await AskAsync(3, Forward(4)); // three hits
        await TickAsync(); // 1 and 2 released (used); 6 to 8 advised

        await AskAsync(50, FrameHints.Playback(Sys.Scheduler.Now - TimeSpan.FromMilliseconds(8))); // a seek, and 8 ms late
        await TickAsync(); // 3 to 8 released (4 to 8 unused), so the look-ahead shrinks to 160 ms: 51 to 54 advised (a late frame no look-ahead covered grows nothing)

        var stats = await Prefetcher.Get(Sys).GetStatisticsAsync().Answered();
        Assert.Equal(5, stats.Requests);
        Assert.Equal(3, stats.Ready);
        Assert.Equal(0.6, stats.HitRatio, 9);
        Assert.Equal(12, stats.Prefetched);
        Assert.Equal(3, stats.Used);
        Assert.Equal(0.25, stats.Accuracy, 9);
        Assert.Equal(5, stats.Wasted);
        Assert.Equal(8, stats.Released);
        Assert.Equal(1, stats.Late);
        Assert.Equal(0, stats.Dropped);
        Assert.Equal(0, stats.Failed);
        Assert.Equal(1, stats.Supersedes);
        Assert.Equal(0, stats.Grown);
        Assert.Equal(1, stats.Shrunk);
        Assert.Equal([4L, 0, 0, 1, 0, 0], stats.Lateness);
        // Virtual time stands still while the file actor answers: every frame was ready at once.
        Assert.Equal(0, stats.ReadyMedianMicroseconds);
        Assert.Equal(0, stats.ReadyP99Microseconds);
        var playback = Assert.Single(stats.Playbacks);
        Assert.Equal(50, playback.Position);
        Assert.Equal(TimeSpan.FromMilliseconds(160), playback.LookAhead);
        Assert.Equal(4, playback.FramesAhead);
        Assert.Contains("asked 5, ready when asked 3 (60.0%), late 1", stats.ToReport());

        var vault = await Vault.GetStatisticsAsync().Answered();
        Assert.Equal(3, vault.FastPathHits);
        Assert.Equal(2, vault.Misses); // the file actor's own requests for advised frames are not the program's
    }

    [Fact]
    public async Task TheInstrumentsOnTheVaultsMeterShowTheSameCounts()
    {
        await WatchClipAsync();
        await AskAsync(0, Forward(1));
        await TickAsync();
        await AskAsync(1, Forward(2));
        await TickAsync();

        var seen = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == LumieraVault.Statistics.VaultMetrics.MeterName && instrument.Name.StartsWith("lumiera.vault.prefetch.", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "vault" && (string?)tag.Value == SystemName) seen[instrument.Name] = Convert.ToDouble(value);
            }
        }
        listener.SetMeasurementEventCallback<long>(Record);
        listener.SetMeasurementEventCallback<double>(Record);
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(2, seen["lumiera.vault.prefetch.requests"]);
        Assert.Equal(1, seen["lumiera.vault.prefetch.ready"]);
        Assert.Equal(6, seen["lumiera.vault.prefetch.frames"]);
        Assert.Equal(1, seen["lumiera.vault.prefetch.used"]);
        Assert.Equal(0.5, seen["lumiera.vault.prefetch.hit.ratio"], 9);
        Assert.Equal(200, seen["lumiera.vault.prefetch.lookahead"]);
    }

    [Fact]
    public async Task FastPathHitsOnAWatchedClipAllocateNothing()
    {
        await WatchClipAsync();
        await AskAsync(0, Forward(1));
        await TickAsync();
        Assert.True(Vault.TryGetFrame(File, 1, out var warm));
        warm.Dispose();
        var hints = Forward(2);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(Vault.TryGetFrame(File, 1 + i % 5, out var frame));
            frame.Dispose();
            var again = Vault.GetFrameAsync(File, 1 + i % 5, hints);
            Assert.True(again.IsCompletedSuccessfully);
            (await again).Dispose();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task AFileCanBeInOneWatchedTimelineAtATime()
    {
        var playback = await WatchClipAsync();
        var e = await Assert.ThrowsAsync<VaultException>(() => Prefetcher.Get(Sys).WatchAsync(Fps, PlaybackSource.Clip(File)));
        Assert.Equal(VaultError.InvalidArgument, e.Error);
        playback.Dispose();
        using var again = await Prefetcher.Get(Sys).WatchAsync(Fps, PlaybackSource.Clip(File)).Answered();
        Assert.Equal(VaultError.InvalidArgument, (await Assert.ThrowsAsync<VaultException>(() => Prefetcher.Get(Sys).WatchAsync(0, PlaybackSource.Clip(File)))).Error);
        var bytes = await Vault.OpenAsync(Temp.Make("bytes", 1024)).Answered();
        Assert.Equal(VaultError.InvalidArgument, Assert.Throws<VaultException>(() => PlaybackSource.Clip(bytes)).Error);
    }
}
