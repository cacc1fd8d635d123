using LumieraVault.Frames;
using LumieraVault.Rendering;
using Xunit;

namespace LumieraVault.Tests.Rendering;

public sealed class SchedulerOrderSpec : SchedulerSpecBase
{
    [Fact]
    public async Task QueuedJobsRunByDeadlineThenByPriority()
    {
        var (gate, held) = await HoldTheWorkerAsync();
        var r = new RecordingRenderer("r");
        var requests = new[]
        {
            Render.GetFrameAsync(r, 1, new FrameHints(In(30), Priority: FramePriority.AsSoonAsPossible)),
            Render.GetFrameAsync(r, 2, new FrameHints(In(10), Priority: FramePriority.JustInTime)),
            Render.GetFrameAsync(r, 3, new FrameHints(In(20), Priority: FramePriority.Background)),
            Render.GetFrameAsync(r, 4, new FrameHints(In(20), Priority: FramePriority.JustInTime)),
            Render.GetFrameAsync(r, 5, new FrameHints(In(20), Priority: FramePriority.AsSoonAsPossible)),
        };
        await SettleAsync();
        gate.Open.SetResult();
        await AllRendered([held, .. requests]);
        Assert.Equal([2L, 5, 4, 3, 1], r.Order.ToArray());
    }

    [Fact]
    public async Task IdenticalRequestsInFlightMergeIntoOneRenderAndEveryRequesterGetsTheFrame()
    {
        var (gate, held) = await HoldTheWorkerAsync();
        var r = new RecordingRenderer("r", length: 1000);
        var requests = Enumerable.Range(0, 3).Select(_ => Render.GetFrameAsync(r, 7)).ToArray();
        await SettleAsync();
        gate.Open.SetResult();
        await AllRendered(held);
        var frames = new List<Frame>();
        foreach (var request in requests) frames.Add(await request.Answered());
        Assert.Equal(1, r.Renders(7));
        foreach (var frame in frames) r.AssertFrame(frame, 7);
        // Every requester holds a frame of its own: disposing one leaves the others readable.
        frames[0].Dispose();
        r.AssertFrame(frames[2], 7);
        frames.ForEach(f => f.Dispose());
        var stats = await Render.GetStatisticsAsync();
        Assert.Equal(2, stats.Merged);
    }

    [Fact]
    public async Task APrefetchIsRaisedToThePriorityOfARealRequestForTheSameFrame()
    {
        var (gate, held) = await HoldTheWorkerAsync();
        var r = new RecordingRenderer("r");
        Render.Prefetch(r, 1);
        var later = Render.GetFrameAsync(r, 2, new FrameHints(In(50), Priority: FramePriority.JustInTime));
        var raised = Render.GetFrameAsync(r, 1, new FrameHints(In(10)));
        await SettleAsync();
        gate.Open.SetResult();
        await AllRendered(held, later, raised);
        Assert.Equal([1L, 2], r.Order.ToArray());
        Assert.Equal(1, r.Renders(1));
    }

    [Fact]
    public async Task APrefetchNobodyAsksForRunsAfterRealRequests()
    {
        var (gate, held) = await HoldTheWorkerAsync();
        var r = new RecordingRenderer("r");
        Render.Prefetch(r, 1);
        var real = Render.GetFrameAsync(r, 2, new FrameHints(In(50), Priority: FramePriority.JustInTime));
        await SettleAsync();
        gate.Open.SetResult();
        await AllRendered(held, real);
        // The prefetch has no requester to wait for: the second request for it shows it was rendered into the store.
        (await Render.GetFrameAsync(r, 1).Answered()).Dispose();
        Assert.Equal([2L, 1], r.Order.ToArray());
        Assert.Equal(1, r.Renders(1));
    }

    [Fact]
    public async Task SupersedingAGroupDropsItsWaitingRequestsAtOnceAndLeavesOthersAlone()
    {
        var (gate, held) = await HoldTheWorkerAsync();
        var r = new RecordingRenderer("r");
        var seek = RenderGroup.New();
        var superseded = Enumerable.Range(1, 3).Select(t => Render.GetFrameAsync(r, t, default, seek)).ToArray();
        var other = Render.GetFrameAsync(r, 4);
        Render.Supersede(seek);
        foreach (var request in superseded)
        {
            var e = await request.FailsWith(VaultError.Dropped);
            Assert.Contains("superseded", ((FrameDroppedException)e).Reason);
        }
        gate.Open.SetResult();
        await AllRendered(held, other);
        Assert.Equal([4L], r.Order.ToArray());
    }

    [Fact]
    public async Task NeighbouringFramesOfABatchRendererRenderAsOneBatchAndAFollowingFrameIsRaisedWhenAskedFor()
    {
        var (gate, held) = await HoldTheWorkerAsync();
        var b = new BatchRenderer("b", maxBatch: 4);
        var group = RenderGroup.New();
        var first = Render.GetFrameAsync(b, 10, FrameHints.Playback(In(40)), group);
        // Frame 12 is queued as a following frame, below everything; this request raises it and merges into it.
        var following = Render.GetFrameAsync(b, 12, new FrameHints(In(80)));
        var unrelated = Render.GetFrameAsync(b, 20, new FrameHints(In(60)));
        await SettleAsync();
        gate.Open.SetResult();
        await AllRendered(held, first, following, unrelated);
        // A lone frame is rendered by RenderAsync, not as a batch of one.
        Assert.Equal([10L, 11, 12, 13], Assert.Single(b.Batches));
        Assert.Equal([10L, 11, 12, 13, 20], b.Order.ToArray());
        Assert.Equal(1, (await Render.GetStatisticsAsync()).Merged);
        // The rest of the batch went to the store: asking for it renders nothing more.
        var frame = await Render.GetFrameAsync(b, 13).Answered();
        b.AssertFrame(frame, 13);
        frame.Dispose();
        Assert.Equal(5, b.TotalRenders);
    }
}
