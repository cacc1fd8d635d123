using Akka.Actor;
using LumieraVault.Cluster.Rendering;
using LumieraVault.Frames;
using Xunit;

namespace LumieraVault.Cluster.Tests.Rendering;

/// <summary>Render jobs spread over two and three nodes of one cluster in this process, on 127.0.0.1.</summary>
public sealed class RenderFarmSpec : Akka.TestKit.Xunit2.TestKit
{
    internal const string NodeSettings = """
        lumiera.vault.scheduler.store = scratch
        lumiera.vault.scheduler.workers = 2
        lumiera.cluster.render.attempt-timeout = 3s

        """;

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly List<ActorSystem> _nodes = [];

    public RenderFarmSpec() : base(ClusterNodes.NodeConfig(NodeSettings), ClusterNodes.SystemName)
        => Akka.Cluster.Cluster.Get(Sys).Join(Akka.Cluster.Cluster.Get(Sys).SelfAddress);

    private ActorSystem StartNode(string extra = "")
    {
        var node = ClusterNodes.Start(ClusterNodes.NodeConfig(NodeSettings + extra), Sys);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Waits until <paramref name="system"/>'s farm can hand jobs for <paramref name="rendererId"/> to <paramref name="count"/> nodes.</summary>
    internal static async Task AwaitOffers(Akka.TestKit.Xunit2.TestKit kit, ActorSystem system, string rendererId, int count)
        => await kit.AwaitConditionAsync(async () => (await RenderFarm.Get(system).GetNodesAsync()).Count(n => n.Renderers.Contains(rendererId)) == count,
            TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(50));

    private static async Task<List<FarmFrame>> RenderAll(RenderFarm farm, string rendererId, IEnumerable<long> times, FrameHints hints = default)
    {
        var list = times.ToList();
        var frames = await Task.WhenAll(list.Select(t => farm.GetFarmFrameAsync(rendererId, t, hints).AsTask())).WaitAsync(Wait);
        try
        {
            for (int i = 0; i < frames.Length; i++)
                Assert.True(WaitingRenderer.IsFrame(frames[i].Frame.Span, list[i]), $"frame {list[i]} from {frames[i].Node} holds other bytes");
            return [.. frames];
        }
        finally
        {
            foreach (var f in frames) f.Frame.Dispose();
        }
    }

    [Fact]
    public async Task Render_jobs_spread_over_three_nodes_and_every_frame_comes_back_right()
    {
        var b = StartNode();
        var c = StartNode();
        foreach (var node in new[] { Sys, b, c }) RenderFarm.Get(node).Register(new WaitingRenderer("wait", TimeSpan.FromMilliseconds(30)));
        await AwaitOffers(this, Sys, "wait", 3);

        var frames = await RenderAll(RenderFarm.Get(Sys), "wait", Enumerable.Range(0, 24).Select(i => (long)i));

        var byNode = frames.GroupBy(f => f.Node).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, byNode.Count);
        Assert.All(byNode.Values, n => Assert.True(n >= 4, $"a node rendered only {n} of 24: {string.Join(", ", byNode)}"));

        // Asked again, the frames come from this node's own render store, where the bytes from the others landed.
        var again = await RenderAll(RenderFarm.Get(Sys), "wait", Enumerable.Range(0, 24).Select(i => (long)i));
        Assert.All(again, f => Assert.Equal(Akka.Cluster.Cluster.Get(Sys).SelfAddress, f.Node));
    }

    [Fact]
    public async Task A_node_that_joins_takes_work()
    {
        var farm = RenderFarm.Get(Sys);
        farm.Register(new WaitingRenderer("wait", TimeSpan.FromMilliseconds(30)));
        var alone = await RenderAll(farm, "wait", [0, 1, 2, 3]);
        Assert.All(alone, f => Assert.Equal(farm.SelfAddress, f.Node));

        var b = StartNode();
        var joined = new WaitingRenderer("wait", TimeSpan.FromMilliseconds(30));
        RenderFarm.Get(b).Register(joined);
        await AwaitOffers(this, Sys, "wait", 2);

        var frames = await RenderAll(farm, "wait", Enumerable.Range(10, 16).Select(i => (long)i));
        Assert.Contains(frames, f => f.Node == Akka.Cluster.Cluster.Get(b).SelfAddress);
        Assert.True(joined.Started > 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_node_stopped_mid_render_has_every_request_still_answered(bool dies)
    {
        // Dying: the system stops without leaving the cluster, as a killed process would; the others notice it unreachable.
        var b = StartNode(dies ? "akka.coordinated-shutdown.run-by-actor-system-terminate = off\n" : "");
        var c = StartNode();
        var renderers = new[] { Sys, b, c }.ToDictionary(s => s, _ => new WaitingRenderer("slow", TimeSpan.FromMilliseconds(150)));
        foreach (var (node, renderer) in renderers) RenderFarm.Get(node).Register(renderer);
        await AwaitOffers(this, Sys, "slow", 3);

        var farm = RenderFarm.Get(Sys);
        var times = Enumerable.Range(0, 30).Select(i => (long)i).ToList();
        var requests = times.Select(t => farm.GetFarmFrameAsync("slow", t).AsTask()).ToList();
        await AwaitConditionAsync(() => Task.FromResult(renderers[b].Started > 0), Wait, TimeSpan.FromMilliseconds(10));
        var gone = Akka.Cluster.Cluster.Get(b).SelfAddress;
        await b.Terminate().WaitAsync(Wait);

        var frames = await Task.WhenAll(requests).WaitAsync(TimeSpan.FromSeconds(15));
        try
        {
            for (int i = 0; i < frames.Length; i++) Assert.True(WaitingRenderer.IsFrame(frames[i].Frame.Span, times[i]));
            Assert.Contains(frames, f => f.Node != gone);
        }
        finally
        {
            foreach (var f in frames) f.Frame.Dispose();
        }
    }

    [Fact]
    public async Task A_remote_renderer_failure_comes_back_as_RenderFailed_with_its_message()
    {
        var b = StartNode();
        RenderFarm.Get(b).Register(new WaitingRenderer("broken", TimeSpan.Zero, failWith: "the lens flare plugin crashed"));
        await AwaitOffers(this, Sys, "broken", 1);

        var error = await Assert.ThrowsAsync<VaultException>(() => RenderFarm.Get(Sys).GetFrameAsync("broken", 3).AsTask().WaitAsync(Wait));
        Assert.Equal(VaultError.RenderFailed, error.Error);
        Assert.Contains("the lens flare plugin crashed", error.Message);
        Assert.Contains(Akka.Cluster.Cluster.Get(b).SelfAddress.ToString(), error.Message);
    }

    [Fact]
    public async Task A_request_no_node_can_serve_is_answered_by_its_deadline()
    {
        var farm = RenderFarm.Get(Sys);
        var deadline = DateTimeOffset.UtcNow.AddMilliseconds(300);
        var error = await Assert.ThrowsAsync<VaultException>(() => farm.GetFrameAsync("nobody-offers-this", 1, new FrameHints(deadline)).AsTask().WaitAsync(Wait));
        Assert.Equal(VaultError.NodeUnreachable, error.Error);
        Assert.Contains("nobody-offers-this", error.Message);

        var dropped = await Assert.ThrowsAsync<FrameDroppedException>(
            () => farm.GetFrameAsync("nobody-offers-this", 2, FrameHints.Playback(DateTimeOffset.UtcNow.AddMilliseconds(200))).AsTask().WaitAsync(Wait));
        Assert.Equal(VaultError.Dropped, dropped.Error);
    }

    protected override void AfterAll()
    {
        Task.WhenAll(_nodes.Select(n => n.Terminate())).Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }
}
