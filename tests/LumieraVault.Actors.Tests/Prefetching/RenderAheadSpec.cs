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
        var first = ExpectJob(11, shown + Interval);
        for (int k = 2; k <= 5; k++) ExpectJob(10 + k, shown + Interval * k, first.Group);
        Scheduler.ExpectNoMsg(TimeSpan.Zero);

        Report(11, FrameHints.Playback(shown + Interval));
        await TickAsync();
        ExpectJob(16, shown + Interval * 6, first.Group);
    }

    [Fact]
    public async Task ASeekSupersedesTheQueuedRenderJobsAsAGroup()
    {
        await WatchWithProbesAsync(_ => [PlaybackSource.Rendered(_titles, length: 1000)]);
        var shown = DueAt(1);
        Report(10, FrameHints.Playback(shown));
        await TickAsync();
        var group = ExpectJob(11, shown + Interval).Group;
        for (int k = 2; k <= 5; k++) ExpectJob(10 + k, shown + Interval * k, group);

        var later = DueAt(2);
        Report(500, FrameHints.Playback(later));
        await TickAsync();
        Assert.Equal(group, Scheduler.ExpectMsg<SchedulerProtocol.Supersede>(VaultProbe.Patience).Group);
        var next = ExpectJob(501, later + Interval);
        Assert.NotEqual(group, next.Group);
        for (int k = 2; k <= 4; k++) ExpectJob(500 + k, later + Interval * k, next.Group);
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
        var group = ExpectJob(11, shown + Interval).Group;
        for (int k = 2; k <= 5; k++) ExpectJob(10 + k, shown + Interval * k, group);

        Report(10, FrameHints.Playback(shown, speed: 0));
        await TickAsync();
        Assert.Equal(group, Scheduler.ExpectMsg<SchedulerProtocol.Supersede>(VaultProbe.Patience).Group);

        var resumed = DueAt(5);
        Report(11, FrameHints.Playback(resumed));
        await TickAsync();
        var again = ExpectJob(12, resumed + Interval);
        Assert.NotEqual(group, again.Group);
        for (int k = 2; k <= 5; k++) ExpectJob(11 + k, resumed + Interval * k, again.Group);
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
