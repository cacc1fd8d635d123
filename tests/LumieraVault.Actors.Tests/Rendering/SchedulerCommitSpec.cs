using Akka.Actor;
using LumieraVault.Frames;
using LumieraVault.Rendering;
using Xunit;

namespace LumieraVault.Tests.Rendering;

/// <summary>What becomes of a commit, as the spec decides it.</summary>
public enum CommitOutcome
{
    /// <summary>The render cache commits the frame.</summary>
    Commit,
    /// <summary>The render cache's commit fails (its readwrite frame is gone, as after a fault of its own).</summary>
    Fail,
    /// <summary>The process dies before the commit: nothing more is written.</summary>
    Crash,
}

/// <summary>The real render cache, with its commits held until the spec lets them go.</summary>
internal sealed class GatedStore(IRenderStore inner) : IRenderStore
{
    public readonly TaskCompletionSource<CommitOutcome> Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly TaskCompletionSource CommitEntered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly TaskCompletionSource CommitDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LumieraVault.Rendering.Cache.RenderCache Cache => ((RenderCacheStore)inner).Cache;

    public ValueTask<Frame?> TryGetAsync(FrameKey key, FrameHints hints) => inner.TryGetAsync(key, hints);

    public ValueTask<StoreSlot> ReserveAsync(FrameKey key, int length, FrameHints hints) => inner.ReserveAsync(key, length, hints);

    public bool CommitsAtOnce => false;

    public ValueTask<Frame> ShareAsync(StoreSlot slot) => inner.ShareAsync(slot);

    public async ValueTask<Frame> CommitAsync(StoreSlot slot)
    {
        CommitEntered.TrySetResult();
        try
        {
            switch (await Gate.Task)
            {
                case CommitOutcome.Crash:
                    slot.Frame.Dispose();
                    throw new OperationCanceledException("the process died before the commit");
                case CommitOutcome.Fail:
                    slot.Frame.Dispose();
                    break;
            }
            return await inner.CommitAsync(slot);
        }
        finally
        {
            CommitDone.TrySetResult();
        }
    }

    public void Abandon(StoreSlot slot) => inner.Abandon(slot);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

public sealed class SchedulerCommitSpec : SchedulerSpecBase
{
    private readonly GatedStore _store;

    public SchedulerCommitSpec()
    {
        var opened = new TaskCompletionSource<GatedStore>();
        ((ExtendedActorSystem)Sys).RegisterExtension(new RenderServiceExtensionId(async system =>
        {
            var store = new GatedStore(await RenderCacheStore.OpenAsync(system));
            opened.SetResult(store);
            return store;
        }));
        _ = Render;
        _store = opened.Task.Answered().GetAwaiter().GetResult();
    }

    private static FrameKey KeyOf(string id, long time) => FrameKey.For(id).Time(time).Build();

    [Fact]
    public async Task TheRequesterGetsItsFrameBeforeTheCommitFinishesAndTheFrameIsCachedOnlyOnceCommitted()
    {
        var r = new RecordingRenderer("title", length: 3000);
        using (var frame = await Render.GetFrameAsync(r, 1).Answered())
        {
            r.AssertFrame(frame, 1);
            Assert.True(_store.CommitEntered.Task.IsCompleted, "the commit has begun");
            Assert.False(_store.Gate.Task.IsCompleted, "the commit is still held");
            Assert.Null(await _store.Cache.TryGetAsync(KeyOf("title", 1)));
        }
        _store.Gate.SetResult(CommitOutcome.Commit);
        await _store.CommitDone.Task.Answered();
        using var cached = await _store.Cache.TryGetAsync(KeyOf("title", 1)) ?? throw new Xunit.Sdk.XunitException("the committed frame is not in the render cache");
        r.AssertFrame(cached, 1);
    }

    [Fact]
    public async Task ARequestWhileTheFrameIsBeingCommittedIsMergedAndNotRenderedAgain()
    {
        var r = new RecordingRenderer("title", length: 3000);
        (await Render.GetFrameAsync(r, 1).Answered()).Dispose();
        await _store.CommitEntered.Task.Answered();
        using (var again = await Render.GetFrameAsync(r, 1).Answered())
        {
            Assert.False(_store.Gate.Task.IsCompleted, "the commit is still held");
            r.AssertFrame(again, 1);
        }
        Assert.Equal(1, r.Renders(1));
        Assert.Equal(1, (await Render.GetStatisticsAsync()).Merged);
        _store.Gate.SetResult(CommitOutcome.Commit);
        await _store.CommitDone.Task.Answered();
        using (var later = await Render.GetFrameAsync(r, 1).Answered()) r.AssertFrame(later, 1);
        Assert.Equal(1, r.Renders(1));
    }

    [Fact]
    public async Task AFailedCommitLeavesTheFramesHandedOutValidCountsTheFailureAndLeavesTheKeyUncached()
    {
        var r = new RecordingRenderer("title", length: 3000);
        using var held = await Render.GetFrameAsync(r, 1).Answered();
        _store.Gate.SetResult(CommitOutcome.Fail);
        var stats = await Render.GetStatisticsAsync();
        for (var started = DateTime.UtcNow; stats.CommitsFailed == 0 && DateTime.UtcNow - started < VaultProbe.Patience;)
        {
            await Task.Yield();
            stats = await Render.GetStatisticsAsync();
        }
        Assert.Equal(1, stats.CommitsFailed);
        // The failed slot was the last room of its segment: were it given back, the next frame would be written over it.
        using (var next = await Render.GetFrameAsync(r, 2).Answered()) r.AssertFrame(next, 2);
        r.AssertFrame(held, 1);
        Assert.Null(await _store.Cache.TryGetAsync(KeyOf("title", 1)));
        using (var again = await Render.GetFrameAsync(r, 1).Answered()) r.AssertFrame(again, 1);
        Assert.Equal(2, r.Renders(1));
    }

    [Fact]
    public async Task AfterACrashBeforeTheCommitARestartFindsNothingAndRendersTheFrameAgain()
    {
        var r = new RecordingRenderer("title:Crash", length: 3000);
        (await Render.GetFrameAsync(r, 1).Answered()).Dispose();
        await _store.CommitEntered.Task.Answered();
        _store.Gate.SetResult(CommitOutcome.Crash);
        await _store.CommitDone.Task.Answered();
        await Sys.Terminate();

        using var again = ActorSystem.Create("restarted", Config(Temp));
        try
        {
            var after = new RecordingRenderer("title:Crash", length: 3000);
            using (var frame = await RenderService.Get(again).GetFrameAsync(after, 1).Answered()) after.AssertFrame(frame, 1);
            Assert.Equal(1, after.Renders(1));
        }
        finally
        {
            await again.Terminate();
        }
    }
}
