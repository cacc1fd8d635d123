using System.Collections.Concurrent;
using LumieraVault.Cluster.Rendering;
using LumieraVault.Frames;
using LumieraVault.Rendering;
using Xunit;

namespace LumieraVault.Cluster.Tests.Rendering;

/// <summary>With one job slot in the whole farm, the jobs waiting go out earliest deadline first.</summary>
public sealed class RenderFarmOrderSpec : Akka.TestKit.Xunit2.TestKit
{
    public RenderFarmOrderSpec() : base(ClusterNodes.NodeConfig("""
        lumiera.vault.scheduler.store = scratch
        lumiera.vault.scheduler.workers = 1
        lumiera.cluster.render.jobs-per-worker = 1

        """), ClusterNodes.SystemName)
        => Akka.Cluster.Cluster.Get(Sys).Join(Akka.Cluster.Cluster.Get(Sys).SelfAddress);

    [Fact]
    public async Task Waiting_jobs_are_handed_out_earliest_deadline_first()
    {
        var renderer = new GatedRenderer();
        var farm = RenderFarm.Get(Sys);
        farm.Register(renderer);
        await RenderFarmSpec.AwaitOffers(this, Sys, renderer.Id, 1);

        var now = DateTimeOffset.UtcNow;
        var first = farm.GetFrameAsync(renderer.Id, 100, new FrameHints(now.AddSeconds(9))).AsTask();
        await AwaitConditionAsync(() => Task.FromResult(renderer.Order.Count == 1), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10));
        // Asked in one order, due in the opposite one.
        var rest = Enumerable.Range(1, 5).Select(t => farm.GetFrameAsync(renderer.Id, t, new FrameHints(now.AddSeconds(8 - t))).AsTask()).ToList();
        // The requests reached the farm actor's mailbox before the answer that frees the slot can (a scratch store's
        // miss is answered at once, so each request is sent within its call).
        renderer.Open();

        foreach (var frame in await Task.WhenAll(rest.Prepend(first)).WaitAsync(TimeSpan.FromSeconds(10))) frame.Dispose();
        Assert.Equal([100, 5, 4, 3, 2, 1], renderer.Order.ToArray());
    }

    private sealed class GatedRenderer : IRenderer
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<long> Order { get; } = new();

        public string Id => "gated";

        public int FrameLength(long time) => 64;

        public void Open() => _gate.TrySetResult();

        public async ValueTask RenderAsync(RenderContext context, CancellationToken cancellation)
        {
            Order.Enqueue(context.Time);
            await _gate.Task.WaitAsync(cancellation).ConfigureAwait(false);
            context.Target.Fill((byte)context.Time);
        }
    }
}
