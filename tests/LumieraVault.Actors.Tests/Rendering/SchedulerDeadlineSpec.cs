using LumieraVault.Frames;
using LumieraVault.Rendering;
using Xunit;

namespace LumieraVault.Tests.Rendering;

public sealed class SchedulerDeadlineSpec : SchedulerSpecBase
{
    [Fact]
    public async Task ADroppableJobWhoseDeadlinePassesBeforeItStartsIsDroppedAtItsDeadlineAndItsRequesterToldWhy()
    {
        var (gate, held) = await HoldTheWorkerAsync();
        var r = new RecordingRenderer("r");
        var droppable = Render.GetFrameAsync(r, 1, FrameHints.Playback(In(10)));
        var later = Render.GetFrameAsync(r, 2, FrameHints.Playback(In(30)));
        await SettleAsync();
        Clock.Advance(TimeSpan.FromMilliseconds(11));
        // Dropped while the only worker is still held: the deadline's timer answered it, not a free worker.
        var e = (FrameDroppedException)await droppable.FailsWith(VaultError.Dropped);
        Assert.Contains("deadline passed before it could start", e.Reason);
        Assert.False(later.IsCompleted);
        gate.Open.SetResult();
        await AllRendered(held, later);
        Assert.Equal([2L], r.Order.ToArray());
        var stats = await Render.GetStatisticsAsync();
        Assert.Equal(1, stats.Dropped);
        Assert.Equal(0, stats.Late);
    }

    [Fact]
    public async Task ANonDroppableLateJobStillRunsAndIsCountedLate()
    {
        var (gate, held) = await HoldTheWorkerAsync();
        var r = new RecordingRenderer("r");
        var compulsory = Render.GetFrameAsync(r, 1, new FrameHints(In(10), Droppable: false));
        await SettleAsync();
        Clock.Advance(TimeSpan.FromMilliseconds(50));
        await SettleAsync();
        Assert.False(compulsory.IsCompleted);
        gate.Open.SetResult();
        var frame = await compulsory.Answered();
        r.AssertFrame(frame, 1);
        frame.Dispose();
        await AllRendered(held);
        var stats = await Render.GetStatisticsAsync();
        Assert.Equal(1, stats.Late);
        Assert.Equal(0, stats.Dropped);
    }

    [Fact]
    public async Task ADroppableRequestMergedWithACompulsoryOneIsDroppedAtItsOwnDeadlineWhileTheJobWaits()
    {
        var (gate, held) = await HoldTheWorkerAsync();
        var r = new RecordingRenderer("r");
        var droppable = Render.GetFrameAsync(r, 1, FrameHints.Playback(In(10)));
        var compulsory = Render.GetFrameAsync(r, 1, new FrameHints(In(100)));
        await SettleAsync();
        Clock.Advance(TimeSpan.FromMilliseconds(20));
        await droppable.FailsWith(VaultError.Dropped);
        gate.Open.SetResult();
        await AllRendered(held, compulsory);
        Assert.Equal(1, r.Renders(1));
    }

    [Fact]
    public async Task ARendererPastTheTimeLimitIsAbandonedItsRequestersTimeOutAndANewWorkerRunsTheNextJobs()
    {
        var hung = new GateRenderer("hung");
        var hanging = Render.GetFrameAsync(hung, 1);
        await hung.Entered.Task.WaitAsync(VaultProbe.Patience);
        var r = new RecordingRenderer("r");
        var next = new[] { Render.GetFrameAsync(r, 1), Render.GetFrameAsync(r, 2) };
        await SettleAsync();
        Assert.False(next[0].IsCompleted);
        Clock.Advance(TimeSpan.FromSeconds(2.5));
        var e = await hanging.FailsWith(VaultError.RenderTimedOut);
        Assert.Contains("hung", e.Message);
        Assert.True(hung.Cancellation.IsCancellationRequested);
        await AllRendered(next);
        Assert.Equal([1L, 2], r.Order.ToArray());
        var stats = await Render.GetStatisticsAsync();
        Assert.Equal(1, stats.TimedOut);
        Assert.Equal(0, stats.Busy);

        // The abandoned render kept its own slot: when it goes on, it writes there and nowhere else, and the frames
        // rendered meanwhile (and its own, asked for again) hold what their renderers wrote.
        hung.Open.SetResult();
        foreach (var (renderer, time) in new (RecordingRenderer, long)[] { (hung, 1), (r, 1), (r, 2) })
        {
            using var frame = await Render.GetFrameAsync(renderer, time).Answered();
            renderer.AssertFrame(frame, time);
        }
    }

    [Fact]
    public async Task EachJobGetsItsOwnTimeLimitCountedFromItsStart()
    {
        var first = new GateRenderer("first");
        var second = new GateRenderer("second");
        var a = Render.GetFrameAsync(first, 1);
        await first.Entered.Task.WaitAsync(VaultProbe.Patience);
        Clock.Advance(TimeSpan.FromSeconds(1.5));
        var b = Render.GetFrameAsync(second, 1);
        await SettleAsync();
        Clock.Advance(TimeSpan.FromSeconds(0.6)); // the first ran 2.1 s: abandoned; the second starts now
        await a.FailsWith(VaultError.RenderTimedOut);
        await second.Entered.Task.WaitAsync(VaultProbe.Patience);
        await SettleAsync();
        Clock.Advance(TimeSpan.FromSeconds(1.5));
        await SettleAsync();
        Assert.False(b.IsCompleted); // 1.5 s into its own 2 s
        Clock.Advance(TimeSpan.FromSeconds(0.6));
        await b.FailsWith(VaultError.RenderTimedOut);
        first.Open.SetResult();
        second.Open.SetResult();
        Assert.Equal(2, (await Render.GetStatisticsAsync()).TimedOut);
    }
}
