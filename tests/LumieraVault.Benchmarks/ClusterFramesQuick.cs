using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using LumieraVault.Cluster.Files;
using LumieraVault.Cluster.Hosting;
using LumieraVault.Files;
using LumieraVault.Frames;

namespace LumieraVault.Benchmarks;

/// <summary>
/// Frames across nodes: two cluster nodes in this process on 127.0.0.1 (real sockets), a render-only node asking and a media
/// node holding the file. The round trip of one remote frame at a time (open the frame, touch its bytes, dispose it) beside
/// the same on the local fast path of a file the asking node holds itself. Frames of 64 KiB (LUMIERA_CLUSTER_FRAME_KIB sets
/// another size), 500 requests of warm-up, then 3000 timed ones (LUMIERA_CLUSTER_FRAMES).
/// </summary>
internal static class ClusterFramesQuick
{
    public static IEnumerable<string> Run()
    {
        int frameSize = Env("LUMIERA_CLUSTER_FRAME_KIB", 64) * 1024;
        int timed = Env("LUMIERA_CLUSTER_FRAMES", 3000);
        const int frames = 256, warmUp = 500;
        string rootA = Directory.CreateTempSubdirectory("lumiera-bench-asker-").FullName;
        string rootB = Directory.CreateTempSubdirectory("lumiera-bench-media-").FullName;
        var bytes = new byte[(long)frames * frameSize];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(rootA, "clip.bin"), bytes);
        File.WriteAllBytes(Path.Combine(rootB, "clip.bin"), bytes);
        ActorSystem? a = null, b = null;
        var clock = Stopwatch.StartNew();
        try
        {
            a = Node(rootA, "render");
            Akka.Cluster.Cluster.Get(a).Join(Akka.Cluster.Cluster.Get(a).SelfAddress);
            b = Node(rootB, "media");
            Akka.Cluster.Cluster.Get(b).Join(Akka.Cluster.Cluster.Get(a).SelfAddress);
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (Akka.Cluster.Cluster.Get(a).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) < 2)
            {
                if (DateTime.UtcNow > until) throw new TimeoutException("the two nodes did not form a cluster within 30 s");
                Thread.Sleep(20);
            }

            Console.Error.WriteLine($"  two nodes up after {clock.Elapsed.TotalSeconds:F1} s");
            var asker = ClusterVault.Get(a);
            var local = asker.OpenAsync("clip.bin", FrameLayout.Fixed(frameSize)).GetAwaiter().GetResult();
            // The media node's copy, under a name the asking node does not hold.
            File.Move(Path.Combine(rootB, "clip.bin"), Path.Combine(rootB, "remote.bin"));
            var remote = asker.OpenAsync("remote.bin", FrameLayout.Fixed(frameSize)).GetAwaiter().GetResult();
            if (!local.IsLocal || remote.IsLocal) throw new InvalidOperationException("the files are not where the benchmark wants them");

            var remoteTimes = Measure(asker, remote, frames, warmUp, timed);
            var localTimes = Measure(asker, local, frames, warmUp, timed);
            double p50r = QuickHarness.Percentile(remoteTimes, 50), p99r = QuickHarness.Percentile(remoteTimes, 99);
            double p50l = QuickHarness.Percentile(localTimes, 50), p99l = QuickHarness.Percentile(localTimes, 99);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {timed} frames of {frameSize >> 10} KiB one at a time after {warmUp} of warm-up: remote median {p50r:F1} us, p99 {p99r:F1} us, max {remoteTimes.Max():F1} us; "
                + $"local fast path median {p50l:F2} us, p99 {p99l:F2} us; {asker.Metrics.Retries} retries, {asker.Metrics.Failures} failures"));
            double seconds = Throughput(asker, remote, frames, 8, 2000);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  8 in flight: 2000 remote frames in {seconds * 1000:F0} ms, {2000 / seconds:F0} frames/s, {2000.0 * frameSize / seconds / (1 << 20):F0} MiB/s"));

            yield return Us("remote-frame-p50", p50r);
            yield return Us("remote-frame-p99", p99r);
            yield return Us("local-frame-p50", p50l);
            yield return Us("local-frame-p99", p99l);
        }
        finally
        {
            clock.Restart();
            Task.WhenAll(a?.Terminate() ?? Task.CompletedTask, b?.Terminate() ?? Task.CompletedTask).Wait(TimeSpan.FromSeconds(20));
            Console.Error.WriteLine($"  nodes stopped in {clock.Elapsed.TotalSeconds:F1} s");
            foreach (string root in new[] { rootA, rootB })
            {
                try { Directory.Delete(root, true); } catch (IOException) { }
            }
        }
    }

    private static ActorSystem Node(string root, string role)
    {
        var config = ClusterConfig.Complete(ConfigurationFactory.ParseString("akka.loglevel = WARNING\nlumiera.vault.files.watch-changes = off"),
            new ClusterNodeOptions { Enabled = true, Port = 0, Roles = [role], Files = new ClusterFilesOptions { MediaRoot = root } });
        return ActorSystem.Create("lumiera-bench", config);
    }

    /// <summary>Microseconds of each request, one at a time: ask, touch every 4 KiB of the frame, dispose.</summary>
    private static double[] Measure(ClusterVault vault, ClusterFile file, int frames, int warmUp, int timed)
    {
        var times = new double[timed];
        for (int i = -warmUp; i < timed; i++)
        {
            long start = Stopwatch.GetTimestamp();
            using (var frame = vault.GetFrameAsync(file, (i + warmUp) % frames).AsTask().GetAwaiter().GetResult())
                QuickHarness.Sink ^= Touch(frame.Span);
            if (i >= 0) times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        return times;
    }

    private static double Throughput(ClusterVault vault, ClusterFile file, int frames, int inFlight, int total)
    {
        int next = -1;
        long start = Stopwatch.GetTimestamp();
        Task.WhenAll(Enumerable.Range(0, inFlight).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < total)
            {
                using var frame = await vault.GetFrameAsync(file, n % frames);
                QuickHarness.Sink ^= Touch(frame.Span);
            }
        }))).GetAwaiter().GetResult();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static ulong Touch(ReadOnlySpan<byte> span)
    {
        ulong sum = 0;
        for (int i = 0; i < span.Length; i += 4096) sum += span[i];
        return sum;
    }

    private static int Env(string name, int fallback)
        => int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : fallback;

    private static string Us(string name, double value) => string.Create(CultureInfo.InvariantCulture, $"us {name} {value:0.0}");
}
