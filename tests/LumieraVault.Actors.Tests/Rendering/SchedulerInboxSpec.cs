using Akka.Actor;
using LumieraVault.Frames;
using LumieraVault.Rendering;
using Xunit;

namespace LumieraVault.Tests.Rendering;

/// <summary>Requests reach the scheduler through its inbox (one doorbell message per burst); quick jobs run back to back in runs.</summary>
public sealed class SchedulerInboxSpec() : SchedulerSpecBase(workers: 1, extra: "lumiera.vault.scheduler.run-budget = 10s\n")
{
    [Fact]
    public async Task RequestsFromManyThreadsRacingTheDrainAreEachAnsweredWithTheirOwnFrame()
    {
        var r = new RecordingRenderer("many");
        const int threads = 4, each = 250;
        var requests = await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
            Enumerable.Range(0, each).Select(i => (Time: (long)(t * each + i), Frame: Render.GetFrameAsync(r, t * each + i).AsTask())).ToArray())));
        foreach (var (time, frame) in requests.SelectMany(x => x))
        {
            using var f = await frame.WaitAsync(VaultProbe.Patience);
            r.AssertFrame(f, time);
        }
        Assert.Equal(threads * each, r.TotalRenders);
    }

    [Fact]
    public async Task QueuedJobsRunByDeadlineThenPriorityAcrossSeveralBurstsAndIdenticalRequestsMerge()
    {
        var (gate, held) = await HoldTheWorkerAsync();
        var r = new RecordingRenderer("bursts");
        // Two bursts, each drained at once; the second holds the earliest deadlines and a copy of a request of the first.
        var first = new[] { Render.GetFrameAsync(r, 1, new FrameHints(In(400))), Render.GetFrameAsync(r, 2, new FrameHints(In(200))), Render.GetFrameAsync(r, 3, new FrameHints(In(300), Priority: FramePriority.JustInTime)) };
        await SettleAsync();
        var second = new[]
        {
            Render.GetFrameAsync(r, 4, new FrameHints(In(100))),
            Render.GetFrameAsync(r, 5, new FrameHints(In(300), Priority: FramePriority.AsSoonAsPossible)),
            Render.GetFrameAsync(r, 2, new FrameHints(In(500))),
        };
        await SettleAsync();
        gate.Open.SetResult();
        await AllRendered([held, .. first, .. second]);
        Assert.Equal([4L, 2, 5, 3, 1], r.Order.ToArray());
        Assert.Equal(1, r.Renders(2));
    }

    [Fact]
    public async Task QuickJobsRunBackToBackAndAJobPastTheTimeLimitGivesTheRestOfItsRunBackToBeRunOnceAndCountedOnce()
    {
        var slow = new SlowAtRenderer("slow-at", hangAt: 12);
        // Two renders give the renderer a render time: it is quick from then on.
        for (long t = 0; t < 3; t++) (await Render.GetFrameAsync(slow, t).Answered()).Dispose();
        var (gate, held) = await HoldTheWorkerAsync();
        var queued = Enumerable.Range(10, 6).Select(t => Render.GetFrameAsync(slow, t, new FrameHints(In(100 + t)))).ToArray();
        await SettleAsync();
        gate.Open.SetResult();
        (await held.Answered()).Dispose();
        // 10 and 11 render; 12 hangs; 13 to 15 wait in the run behind it.
        await slow.Entered.Task.WaitAsync(VaultProbe.Patience);
        for (int i = 0; i < 2; i++) (await queued[i].Answered()).Dispose();
        await SettleAsync();
        Assert.Equal(0, slow.Renders(13));
        Clock.Advance(TimeSpan.FromSeconds(3));
        await queued[2].FailsWith(VaultError.RenderTimedOut);
        for (int i = 3; i < queued.Length; i++)
        {
            using var frame = await queued[i].Answered();
            slow.AssertFrame(frame, 10 + i);
        }
        slow.Open.SetResult();
        var stats = await Render.GetStatisticsAsync();
        // 0..2, the gate, 10..15: each job once, though 13..15 were started twice.
        Assert.Equal(10, stats.Started);
        Assert.Equal(1, stats.TimedOut);
        Assert.Equal([0L, 1, 2, 10, 11, 13, 14, 15], slow.Order.ToArray());
    }

    [Fact]
    public async Task ARendererInsideARunThatWaitsForADependencyLendsTheRunsOnlyWorkerAndEveryJobFinishes()
    {
        var source = new RecordingRenderer("source");
        var dependent = new DependentRenderer("dependent", () => source);
        // Render times for both, so that the dependent's jobs go in runs.
        for (long t = 0; t < 3; t++) (await Render.GetFrameAsync(dependent, t).Answered()).Dispose();
        var (gate, held) = await HoldTheWorkerAsync();
        var queued = Enumerable.Range(10, 4).Select(t => Render.GetFrameAsync(dependent, t, new FrameHints(In(100 + t)))).ToArray();
        await SettleAsync();
        gate.Open.SetResult();
        (await held.Answered()).Dispose();
        for (int i = 0; i < queued.Length; i++)
        {
            using var frame = await queued[i].Answered();
            Assert.Equal(64, frame.Length);
        }
        Assert.Equal([0L, 1, 2, 10, 11, 12, 13], source.Order.ToArray());
    }

    /// <summary>Renders at once, except at <paramref name="hangAt"/>, where it waits for the spec.</summary>
    private sealed class SlowAtRenderer(string id, long hangAt) : RecordingRenderer(id)
    {
        public readonly TaskCompletionSource Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource Open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask RenderAsync(RenderContext context, CancellationToken cancellation)
        {
            if (context.Time == hangAt)
            {
                Entered.TrySetResult();
                await Open.Task;
                return;
            }
            await base.RenderAsync(context, cancellation);
        }
    }
}

/// <summary>What the scheduler's stop leaves: every request answered (a frame or VaultStopped), no scratch folder.</summary>
public sealed class SchedulerStopSpec : IDisposable
{
    private readonly TempFolder _temp = new();

    private ActorSystem NewSystem() => ActorSystem.Create("scheduler-stop-spec", Akka.Configuration.ConfigurationFactory.ParseString(
        VaultProbe.Config("16 MiB", "256 KiB", "lumiera.vault.scheduler { workers = 2\n store = scratch }\n")));

    [Fact]
    public async Task TheScratchFolderIsGoneWhenTheSystemHasTerminated()
    {
        var system = NewSystem();
        var render = RenderService.Get(system);
        (await render.GetFrameAsync(new RecordingRenderer("scratch"), 1).Answered()).Dispose();
        var store = (ScratchStore)await render.StoreAsync();
        Assert.True(Directory.Exists(store.Folder));
        await system.Terminate().WaitAsync(VaultProbe.Patience);
        Assert.False(Directory.Exists(store.Folder));
    }

    [Fact]
    public async Task RequestsRacingTheStopAreAnsweredWithAFrameOrVaultStoppedAndNothingElse()
    {
        var system = NewSystem();
        var render = RenderService.Get(system);
        var r = new RecordingRenderer("racing");
        (await render.GetFrameAsync(r, -1).Answered()).Dispose();
        var requests = new List<Task<Frame>>();
        var stopping = Task.Run(async () =>
        {
            await Task.Yield();
            await system.Terminate();
        });
        for (int i = 0; i < 3000 && !stopping.IsCompleted; i++) requests.Add(render.GetFrameAsync(r, i).AsTask());
        await stopping.WaitAsync(VaultProbe.Patience);
        requests.Add(render.GetFrameAsync(r, -2).AsTask());
        foreach (var request in requests)
        {
            try
            {
                (await request.WaitAsync(VaultProbe.Patience)).Dispose();
            }
            catch (VaultException e)
            {
                Assert.Equal(VaultError.VaultStopped, e.Error);
            }
        }
    }

    public void Dispose() => _temp.Dispose();
}
