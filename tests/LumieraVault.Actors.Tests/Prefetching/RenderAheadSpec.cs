using LumieraVault.Frames;
using LumieraVault.Prefetching;
using LumieraVault.Rendering;
using LumieraVault.Tests.Rendering;
using Xunit;

namespace LumieraVault.Tests.Prefetching;

/// <summary>Rendered layers: background render jobs ahead of the play head, with the deadlines at which their frames will be shown.</summary>
public sealed class RenderAheadSpec : PrefetchSpecBase
{
    private readonly RecordingRenderer _titles = new("titles");

    /// <summary>The jobs for the <paramref name="count"/> frames after <paramref name="at"/>, shown one interval apart from <paramref name="shown"/> on, all of one group (checked against <paramref name="group"/> when given); returns the group.</summary>
    private RenderGroup ExpectJobsAhead(long at, DateTimeOffset shown, int count, RenderGroup? group = null)
    {
        var first = ExpectJob(at + 1, shown + Interval, group).Group;
        for (int k = 2; k <= count; k++) ExpectJob(at + k, shown + Interval * k, first);
        return first;
    }

    private SchedulerProtocol.Prefetch ExpectJob(long time, DateTimeOffset deadline, RenderGroup? group = null)
    {
        var job = Scheduler.ExpectMsg<SchedulerProtocol.Prefetch>(VaultProbe.Patience);
        Assert.Equal(time, job.Time);
        Assert.Equal(deadline, job.Deadline);
        Assert.Equal(0, job.Rank); // background: a real request raises it
        Assert.Equal("titles", job.Node.Id);
        Assert.Equal(job.Node.KeyAt(time), job.Key);
        if (group is { } g) Assert.Equal(g, job.Group);
        return job;
    }

    [Fact]
    public async Task RenderJobsGoAheadWithTheTimesTheirFramesWillBeShown()
    {
        await WatchWithProbesAsync(_ => [PlaybackSource.Rendered(_titles, length: 1000)]);
        var shown = DueAt(1);
        Report(10, FrameHints.Playback(shown));
        await TickAsync();
        var group = ExpectJobsAhead(10, shown, 5);
        Scheduler.ExpectNoMsg(TimeSpan.Zero);

        Report(11, FrameHints.Playback(shown + Interval));
        await TickAsync();
        ExpectJob(16, shown + Interval * 6, group);
    }

    [Fact]
    public async Task ASeekSupersedesTheQueuedRenderJobsAsAGroup()
    {
        await WatchWithProbesAsync(_ => [PlaybackSource.Rendered(_titles, length: 1000)]);
        var shown = DueAt(1);
        Report(10, FrameHints.Playback(shown));
        await TickAsync();
        var group = ExpectJobsAhead(10, shown, 5);

        var later = DueAt(2);
        Report(500, FrameHints.Playback(later));
        await TickAsync();
        Assert.Equal(group, Scheduler.ExpectMsg<SchedulerProtocol.Supersede>(VaultProbe.Patience).Group);
        Assert.NotEqual(group, ExpectJobsAhead(500, later, 4));
    }

    [Fact]
    public async Task PlayingBackwardAtTwiceTheSpeedRendersEveryOtherFrameBehind()
    {
        await WatchWithProbesAsync(_ => [PlaybackSource.Rendered(_titles, length: 1000, timeOf: t => t * 1000)]);
        var shown = DueAt(1);
        Report(100, FrameHints.Playback(shown, forward: false, speed: 2));
        await TickAsync();
        for (int k = 1; k <= 5; k++) ExpectJob((100 - 2 * k) * 1000, shown + Interval * k);
    }

    [Fact]
    public async Task APauseSupersedesTheQueuedRenderJobsAndPlayQueuesThemAgain()
    {
        await WatchWithProbesAsync(_ => [PlaybackSource.Rendered(_titles, length: 1000)]);
        var shown = DueAt(1);
        Report(10, FrameHints.Playback(shown));
        await TickAsync();
        var group = ExpectJobsAhead(10, shown, 5);

        Report(10, FrameHints.Playback(shown, speed: 0));
        await TickAsync();
        Assert.Equal(group, Scheduler.ExpectMsg<SchedulerProtocol.Supersede>(VaultProbe.Patience).Group);

        var resumed = DueAt(5);
        Report(11, FrameHints.Playback(resumed));
        await TickAsync();
        Assert.NotEqual(group, ExpectJobsAhead(11, resumed, 5));
    }

    [Fact]
    public async Task AClipWithARenderedLayerIsAdvisedAndRenderedAhead()
    {
        await WatchWithProbesAsync(file => [PlaybackSource.Clip(file), PlaybackSource.Rendered(_titles)]);
        var shown = DueAt(1);
        await AskAsync(10, FrameHints.Playback(shown));
        await TickAsync();
        ExpectAdvice(true, 11, 12, 13, 14, 15);
        for (int k = 1; k <= 5; k++) ExpectJob(10 + k, shown + Interval * k);
    }
}
