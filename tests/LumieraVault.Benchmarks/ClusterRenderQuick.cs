using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using LumieraVault.Cluster.Hosting;
using LumieraVault.Cluster.Rendering;
using LumieraVault.Rendering;

namespace LumieraVault.Benchmarks;

/// <summary>
/// The render farm's quick run: the throughput of one, two and three nodes of a cluster in this process on 127.0.0.1,
/// each with two render workers, rendering with a renderer that waits (20 ms a frame) rather than computes, so that
/// the machine's two cores are not what is measured. One node asks for every frame; the bytes of the frames the
/// others render travel back to it and land in its render store.
/// </summary>
internal static class ClusterRenderQuick
{
    private const int Workers = 2;
    private const int Frames = 240;
    private const int FrameBytes = 64 * 1024;
    private static readonly TimeSpan RenderCost = TimeSpan.FromMilliseconds(20);

    public static IEnumerable<string> Run()
    {
        var perSecond = new double[4];
        for (int nodes = 1; nodes <= 3; nodes++) perSecond[nodes] = Throughput(nodes, first: nodes * 100_000);
        yield return Line("ratio", "render-throughput-3-nodes/1-node", perSecond[3] / perSecond[1]);
        for (int nodes = 1; nodes <= 3; nodes++) yield return Line("persec", $"render-throughput-{nodes}-nodes", perSecond[nodes]);
    }

    private static string Line(string unit, string name, double value) => $"{unit} {name} {value.ToString("0.###", CultureInfo.InvariantCulture)}";

    private static double Throughput(int count, long first)
    {
        var systems = new List<ActorSystem>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var system = ActorSystem.Create("lumiera", ClusterConfig.Complete(ConfigurationFactory.ParseString($$"""
                    lumiera.vault.scheduler { workers = {{Workers}}
                      store = scratch }
                    akka.loglevel = ERROR
                    akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
                    """), new ClusterNodeOptions { Enabled = true, Port = 0, Roles = ["render"] }));
                var cluster = Akka.Cluster.Cluster.Get(system);
                cluster.Join(i == 0 ? cluster.SelfAddress : Akka.Cluster.Cluster.Get(systems[0]).SelfAddress);
                systems.Add(system);
                RenderFarm.Get(system).Register(new WaitingRenderer());
            }
            var farm = RenderFarm.Get(systems[0]);
            var clock = Stopwatch.StartNew();
            while (farm.GetNodesAsync().Result.Count(n => n.Renderers.Contains(WaitingRenderer.Name)) < count)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"{count} render nodes did not find each other in 30 s.");
                Thread.Sleep(50);
            }
            Console.Error.WriteLine($"  {count} node(s) up in {clock.Elapsed.TotalSeconds:F1} s");

            Render(farm, first, Frames / 4); // warm-up: JIT, connections, store growth
            clock.Restart();
            var byNode = Render(farm, first + Frames, Frames);
            double seconds = clock.Elapsed.TotalSeconds;
            Console.Error.WriteLine($"  {count} node(s): {Frames} frames of {FrameBytes / 1024} KiB in {seconds * 1000:F0} ms = {Frames / seconds:F1} frames/s " +
                $"(ideal {count * Workers / RenderCost.TotalSeconds:F0}); by node: {string.Join(", ", byNode.Select(p => $"{p.Key.Port}={p.Value}"))}");
            return Frames / seconds;
        }
        finally
        {
            // The last to join leaves first, so that each goes while the others still see it.
            for (int i = systems.Count - 1; i >= 0; i--) systems[i].Terminate().Wait(TimeSpan.FromSeconds(20));
        }
    }

    private static Dictionary<Address, int> Render(RenderFarm farm, long first, int frames)
    {
        var all = Task.WhenAll(Enumerable.Range(0, frames).Select(i => farm.GetFarmFrameAsync(WaitingRenderer.Name, first + i).AsTask())).Result;
        var byNode = new Dictionary<Address, int>();
        for (int i = 0; i < all.Length; i++)
        {
            var f = all[i];
            if (f.Frame.Length != FrameBytes || f.Frame.Span[0] != (byte)(first + i) || f.Frame.Span[^1] != (byte)(first + i))
                throw new InvalidOperationException($"Frame {first + i} came back wrong from {f.Node}.");
            byNode[f.Node] = byNode.GetValueOrDefault(f.Node) + 1;
            f.Frame.Dispose();
        }
        return byNode;
    }

    private sealed class WaitingRenderer : IRenderer
    {
        public const string Name = "bench-wait";

        public string Id => Name;

        public int FrameLength(long time) => FrameBytes;

        public async ValueTask RenderAsync(RenderContext context, CancellationToken cancellation)
        {
            await Task.Delay(RenderCost, cancellation).ConfigureAwait(false);
            context.Target.Fill((byte)context.Time);
        }
    }
}
