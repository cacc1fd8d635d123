using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using LumieraVault;
using LumieraVault.Cluster.Hosting;
using LumieraVault.Cluster.Rendering;
using LumieraVault.Samples.RenderFarm;

// Usage: [--nodes N] [--frames N] [--leave] [--short]
// Starts N cluster nodes in this process on 127.0.0.1 (ports chosen by the system), each a render node with two
// workers, renders a sequence across them from the first node with a progress bar, and prints which node rendered
// which frames. --leave stops the last node a quarter of the way through, to show its jobs going to the others.
// Exit code 1 if any frame is wrong or missing.
bool quick = args.Contains("--short");
bool leave = args.Contains("--leave");
int nodeCount = Option("--nodes", 3);
int frameCount = Option("--frames", quick ? 60 : 240);
if (nodeCount < 1 || frameCount < 1)
{
    Console.Error.WriteLine("--nodes and --frames must be at least 1");
    return 2;
}

// hocon/cluster.conf documents the cluster settings; the options below switch the cluster mode on for this run. The
// quicker gossip suits nodes of one machine that start together.
var fileConfig = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.conf")));
var nodeConfig = ConfigurationFactory.ParseString("""
    akka.loglevel = WARNING
    akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
    lumiera.vault.scheduler.workers = 2
    lumiera.vault.scheduler.store = scratch
    lumiera.cluster.render.attempt-timeout = 2s
    akka.cluster.periodic-tasks-initial-delay = 100ms
    akka.cluster.gossip-interval = 200ms
    akka.cluster.leader-actions-interval = 200ms
    """).WithFallback(fileConfig);

var nodes = new List<ActorSystem>();
var renderers = new List<GradientRenderer>();
var clock = Stopwatch.StartNew();
try
{
    for (int i = 0; i < nodeCount; i++)
    {
        var system = ActorSystem.Create("lumiera", ClusterConfig.Complete(nodeConfig, new ClusterNodeOptions { Enabled = true, Port = 0, Roles = ["media", "render"] }));
        var cluster = Akka.Cluster.Cluster.Get(system);
        cluster.Join(i == 0 ? cluster.SelfAddress : Akka.Cluster.Cluster.Get(nodes[0]).SelfAddress);
        nodes.Add(system);
        var renderer = new GradientRenderer(TimeSpan.FromMilliseconds(quick ? 60 : 100));
        renderers.Add(renderer);
        RenderFarm.Get(system).Register(renderer);
    }
    var farm = RenderFarm.Get(nodes[0]);
    string rendererId = renderers[0].Id;
    while ((await farm.GetNodesAsync()).Count(n => n.Renderers.Contains(rendererId)) < nodeCount)
    {
        if (clock.Elapsed > TimeSpan.FromSeconds(30))
        {
            Console.Error.WriteLine($"The {nodeCount} nodes did not find each other within 30 s.");
            return 1;
        }
        await Task.Delay(50);
    }
    Console.WriteLine($"{nodeCount} render node(s) up in {clock.Elapsed.TotalSeconds:F1} s: {string.Join(", ", nodes.Select(Name))}");

    // Every frame asked for at once, as a render of a sequence would; the farm hands them out earliest deadline first.
    clock.Restart();
    var start = DateTimeOffset.UtcNow;
    var requests = Enumerable.Range(0, frameCount)
        .Select(t => farm.GetFarmFrameAsync(rendererId, t, new LumieraVault.Frames.FrameHints(start.AddSeconds(30) + TimeSpan.FromMilliseconds(t))).AsTask())
        .ToList();
    var results = new (Address? Node, string? Error)[frameCount];
    var expected = new byte[GradientRenderer.Length];
    int done = 0;
    bool stopped = false;
    var progress = new ProgressBar(frameCount);
    var pending = requests.ToList();
    while (pending.Count > 0)
    {
        var finished = await Task.WhenAny(pending);
        pending.Remove(finished);
        int time = requests.IndexOf(finished);
        try
        {
            var frame = await finished;
            using (frame.Frame)
            {
                GradientRenderer.Draw(expected, time);
                results[time] = frame.Frame.Span.SequenceEqual(expected) ? (frame.Node, null) : (frame.Node, "wrong bytes");
            }
        }
        catch (VaultException e)
        {
            results[time] = (null, $"{e.Error}: {e.Message}");
        }
        progress.Show(++done);
        if (leave && !stopped && nodeCount > 1 && done >= frameCount / 4)
        {
            stopped = true;
            var last = nodes[^1];
            progress.Note($"stopping node {Name(last)} mid-run: its jobs go to the others");
            _ = last.Terminate();
        }
    }
    progress.Done();
    double seconds = clock.Elapsed.TotalSeconds;

    Console.WriteLine();
    Console.WriteLine($"{frameCount} frames of {GradientRenderer.Length / 1024} KiB in {seconds:F2} s ({frameCount / seconds:F0} frames/s)");
    Console.WriteLine($"{"node",-24} {"frames",6}  which");
    foreach (var group in results.Select((r, t) => (r.Node, t)).Where(x => x.Node is not null && results[x.t].Error is null).GroupBy(x => x.Node!))
    {
        var times = group.Select(x => x.t).ToList();
        string note = stopped && group.Key == Akka.Cluster.Cluster.Get(nodes[^1]).SelfAddress ? " (stopped mid-run)" : "";
        Console.WriteLine($"{NodeName(group.Key),-24} {times.Count,6}  {Ranges(times)}{note}");
    }
    var bad = results.Select((r, t) => (r, t)).Where(x => x.r.Error is not null || x.r.Node is null).ToList();
    foreach (var (r, t) in bad.Take(10)) Console.WriteLine($"frame {t}: {r.Error ?? "missing"}");
    if (bad.Count > 0)
    {
        Console.WriteLine($"FAILED: {bad.Count} frame(s) wrong or missing");
        return 1;
    }
    Console.WriteLine($"OK: all {frameCount} frames rendered and checked");
    return 0;
}
finally
{
    // The last to join leaves first.
    var stopping = Stopwatch.StartNew();
    for (int i = nodes.Count - 1; i >= 0; i--) await nodes[i].Terminate().WaitAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
    Console.Error.WriteLine($"  nodes stopped in {stopping.Elapsed.TotalSeconds:F1} s");
}

int Option(string name, int fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : fallback;
}

static string Name(ActorSystem system) => NodeName(Akka.Cluster.Cluster.Get(system).SelfAddress);

static string NodeName(Address address) => $"{address.Host}:{address.Port}";

// "0-3, 8, 10-12": the frame numbers a node rendered, as runs.
static string Ranges(List<int> times)
{
    var parts = new List<string>();
    for (int i = 0; i < times.Count;)
    {
        int j = i;
        while (j + 1 < times.Count && times[j + 1] == times[j] + 1) j++;
        parts.Add(i == j ? $"{times[i]}" : $"{times[i]}-{times[j]}");
        i = j + 1;
    }
    string text = string.Join(", ", parts);
    return text.Length > 90 ? text[..87] + "..." : text;
}
