using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Configuration;
using LumieraVault.Frames;
using LumieraVault.Rendering;

namespace LumieraVault.Benchmarks;

/// <summary>
/// The render scheduler's quick run: its overhead per job with a renderer that does nothing (against the 100 us Lumiera
/// reports), and an overload run (twice what the workers can finish in time) beside a first-in-first-out queue of the
/// same workers on the same load.
/// </summary>
internal static class SchedulerQuick
{
    private const int Workers = 2;
    private static readonly TimeSpan RenderCost = TimeSpan.FromMilliseconds(8);
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(80);
    private static readonly TimeSpan LoadTime = TimeSpan.FromSeconds(3);

    public static IEnumerable<string> Run()
    {
        double overheadUs = Overhead();
        yield return Line("ratio", "sched-overhead/100us", 100 / overheadUs);
        var (ours, fifo) = Overload();
        // A FIFO queue that gets no high-priority frame on time counts as one, so that the ratio stays a number.
        yield return Line("ratio", "overload-high-priority-on-time/fifo", ours.HighOnTimeShare / Math.Max(fifo.HighOnTimeShare, 1.0 / ours.High));
        yield return Line("percent", "overload-high-priority-on-time", 100 * ours.HighOnTimeShare);
        yield return Line("count", "overload-late-droppable-delivered", ours.LateDroppableDelivered);
    }

    private static string Line(string unit, string name, double value) => $"{unit} {name} {value.ToString("0.###", CultureInfo.InvariantCulture)}";

    private static ActorSystem NewSystem(string name, string timeout) => ActorSystem.Create(name, ConfigurationFactory.ParseString($$"""
        lumiera.vault.scheduler {
          workers = {{Workers}}
          job-timeout = {{timeout}}
          store = scratch
        }
        lumiera.vault.map-cache.budget = 256 MiB
        akka.loglevel = WARNING
        """));

    /// <summary>
    /// Microseconds of processor time per job, over every thread of the process (the requesting thread, the scheduler
    /// actor, the workers, the store): many distinct jobs in flight, a renderer that does nothing. Processor time rather
    /// than wall-clock time, because on a shared machine the wall clock measures the other tenants as well; the
    /// wall-clock turnover is printed beside it.
    /// </summary>
    private static double Overhead()
    {
        using var system = NewSystem("sched-overhead", "10s");
        var render = RenderService.Get(system);
        var nothing = new NothingRenderer();
        const int inFlight = 512;
        long next = 0;
        var process = Process.GetCurrentProcess();
        double cpu = 0, allocated = 0;
        double Batch(int jobs)
        {
            long allocatedStart = GC.GetTotalAllocatedBytes(precise: false);
            var window = new Queue<ValueTask<Frame>>(inFlight);
            process.Refresh();
            var cpuStart = process.TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < jobs; i++)
            {
                if (window.Count == inFlight) window.Dequeue().AsTask().GetAwaiter().GetResult().Dispose();
                window.Enqueue(render.GetFrameAsync(nothing, next++));
            }
            while (window.Count > 0) window.Dequeue().AsTask().GetAwaiter().GetResult().Dispose();
            double wall = Stopwatch.GetElapsedTime(start).TotalMicroseconds / jobs;
            process.Refresh();
            cpu = (process.TotalProcessorTime - cpuStart).TotalMicroseconds / jobs;
            allocated = (double)(GC.GetTotalAllocatedBytes(precise: false) - allocatedStart) / jobs;
            return wall;
        }
        // Warm: the scratch file's first windows, and tiered compilation: with dynamic PGO a hot method is compiled up
        // to three times, in bursts after call-counting delays, on a background thread whose processor time would count
        // in the rounds. Warm-up batches go on until two in a row compiled at most two methods each, for at least 3
        // batches and 3 s (on an idle machine a batch is shorter than the tiering delays), at most 15 batches.
        int warmups = 0, quiet = 0;
        long warmStart = Stopwatch.GetTimestamp();
        while (warmups < 15 && (warmups < 3 || quiet < 2 || Stopwatch.GetElapsedTime(warmStart) < TimeSpan.FromSeconds(3)))
        {
            long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            Batch(20_000);
            warmups++;
            quiet = System.Runtime.JitInfo.GetCompiledMethodCount() - compiled <= 2 ? quiet + 1 : 0;
        }
        var jitStart = System.Runtime.JitInfo.GetCompilationTime();
        var rounds = new double[7];
        var cpuRounds = new double[rounds.Length];
        var allocatedRounds = new double[rounds.Length];
        for (int i = 0; i < rounds.Length; i++)
        {
            rounds[i] = Batch(20_000);
            cpuRounds[i] = cpu;
            allocatedRounds[i] = allocated;
        }
        double jitPerJob = (System.Runtime.JitInfo.GetCompilationTime() - jitStart).TotalMicroseconds / (20_000.0 * rounds.Length);
        // One job at a time as well: the latency a lone request sees (what a per-frame round trip costs).
        var lone = new double[2000];
        for (int i = 0; i < lone.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            render.GetFrameAsync(nothing, next++).AsTask().GetAwaiter().GetResult().Dispose();
            lone[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        double median = QuickHarness.Median(cpuRounds);
        Console.Error.WriteLine($"  sched-overhead: {Workers} workers, 512 jobs in flight: processor us/job median {median:F2} (rounds {cpuRounds.Min():F2}..{cpuRounds.Max():F2}); " +
                                $"wall-clock us/job median {QuickHarness.Median(rounds):F2} (rounds {rounds.Min():F2}..{rounds.Max():F2}); " +
                                $"allocated bytes/job median {QuickHarness.Median(allocatedRounds):F0}; " +
                                $"{warmups} warm-up batches, JIT in the rounds {jitPerJob:F2} us/job; " +
                                $"a lone request's round trip p50 {QuickHarness.Percentile(lone, 50):F1} us, p99 {QuickHarness.Percentile(lone, 99):F1} us");
        system.Terminate().Wait();
        return median;
    }

    private sealed class NothingRenderer : IRenderer
    {
        public string Id => "nothing";

        public int FrameLength(long time) => 64;

        public ValueTask RenderAsync(RenderContext context, CancellationToken cancellation) => ValueTask.CompletedTask;
    }

    /// <summary>Waits rather than computes: the machine has two cores, and the load is about time, not arithmetic.</summary>
    private sealed class WaitingRenderer : IRenderer
    {
        public string Id => "waits";

        public int FrameLength(long time) => 64;

        public async ValueTask RenderAsync(RenderContext context, CancellationToken cancellation) => await Task.Delay(RenderCost, CancellationToken.None);
    }

    private enum Kind { High, Compulsory, Droppable }

    private sealed record Offer(long Time, Kind Kind, DateTimeOffset Arrival, DateTimeOffset Deadline);

    private sealed record Outcome(double HighOnTimeShare, int High, int LateDroppableDelivered, int DroppableDropped, int NonDroppableFailed, int Jobs);

    /// <summary>
    /// The same load for both: jobs arrive at twice the rate the workers can finish (measured, not assumed), each due
    /// <see cref="Slack"/> after it arrives. Half are droppable (just in time); a quarter are high priority (as soon as
    /// possible) and a quarter compulsory just in time, neither droppable.
    /// </summary>
    private static (Outcome Ours, Outcome Fifo) Overload()
    {
        double capacity = Capacity();
        int jobs = (int)(2 * capacity * LoadTime.TotalSeconds);
        Console.Error.WriteLine($"  overload: {Workers} workers finish {capacity:F0} jobs/s (a render waits {RenderCost.TotalMilliseconds} ms); offering {jobs} jobs in {LoadTime.TotalSeconds} s, each due {Slack.TotalMilliseconds} ms after it arrives");
        var kinds = new Kind[jobs];
        for (int i = 0; i < jobs; i++) kinds[i] = (i % 4) switch { 0 => Kind.High, 2 => Kind.Compulsory, _ => Kind.Droppable };
        var ours = Drive("scheduler", kinds, capacity * 2, OursAsync);
        var fifo = Drive("fifo", kinds, capacity * 2, FifoAsync);
        return (ours, fifo);
    }

    /// <summary>What two workers finish per second with this renderer on this machine now, through the scheduler.</summary>
    private static double Capacity()
    {
        using var system = NewSystem("sched-capacity", "10s");
        var render = RenderService.Get(system);
        var renderer = new WaitingRenderer();
        Task.WhenAll(Enumerable.Range(0, 20).Select(t => render.GetFrameAsync(renderer, -1 - t).AsTask())).GetAwaiter().GetResult().ToList().ForEach(f => f.Dispose());
        long start = Stopwatch.GetTimestamp();
        const int n = 200;
        var frames = Task.WhenAll(Enumerable.Range(0, n).Select(t => render.GetFrameAsync(renderer, t).AsTask())).GetAwaiter().GetResult();
        double rate = n / Stopwatch.GetElapsedTime(start).TotalSeconds;
        foreach (var f in frames) f.Dispose();
        system.Terminate().Wait();
        return rate;
    }

    private delegate Task<Outcome> Runner(Kind[] kinds, double rate);

    private static Outcome Drive(string name, Kind[] kinds, double rate, Runner run)
    {
        var outcome = run(kinds, rate).GetAwaiter().GetResult();
        Console.Error.WriteLine($"  overload {name}: high priority on time {100 * outcome.HighOnTimeShare:F2} %, droppable delivered late {outcome.LateDroppableDelivered}, " +
                                $"droppable dropped {outcome.DroppableDropped}, non-droppable failed {outcome.NonDroppableFailed}, of {outcome.Jobs} jobs");
        return outcome;
    }

    /// <summary>Calls <paramref name="offer"/> for each job at its arrival time (in bursts of whatever is due).</summary>
    private static async Task OfferAsync(Kind[] kinds, double rate, Action<Offer> offer)
    {
        var start = DateTimeOffset.UtcNow;
        long started = Stopwatch.GetTimestamp();
        int i = 0;
        while (i < kinds.Length)
        {
            double elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
            for (; i < kinds.Length && i / rate <= elapsed; i++)
            {
                var arrival = start + TimeSpan.FromSeconds(i / rate);
                offer(new Offer(i, kinds[i], arrival, arrival + Slack));
            }
            await Task.Delay(1);
        }
    }

    private static async Task<Outcome> OursAsync(Kind[] kinds, double rate)
    {
        using var system = NewSystem("sched-overload", "10s");
        var render = RenderService.Get(system);
        var renderer = new WaitingRenderer();
        var results = new List<Task<(Offer, DateTimeOffset?, bool)>>();
        await OfferAsync(kinds, rate, o =>
        {
            var hints = o.Kind switch
            {
                Kind.High => new FrameHints(o.Deadline, false, FramePriority.AsSoonAsPossible),
                Kind.Compulsory => new FrameHints(o.Deadline, false, FramePriority.JustInTime),
                _ => new FrameHints(o.Deadline, true, FramePriority.JustInTime),
            };
            results.Add(Await(o, render.GetFrameAsync(renderer, o.Time, hints)));
        });
        var outcome = Tally(await Task.WhenAll(results));
        await system.Terminate();
        return outcome;

        static async Task<(Offer, DateTimeOffset?, bool)> Await(Offer o, ValueTask<Frame> request)
        {
            try
            {
                using var frame = await request;
                return (o, DateTimeOffset.UtcNow, false);
            }
            catch (FrameDroppedException)
            {
                return (o, null, true);
            }
            catch (VaultException)
            {
                return (o, null, false);
            }
        }
    }

    /// <summary>The baseline: the same workers take jobs strictly in arrival order and render every one.</summary>
    private static async Task<Outcome> FifoAsync(Kind[] kinds, double rate)
    {
        var queue = Channel.CreateUnbounded<(Offer Offer, TaskCompletionSource<DateTimeOffset> Done)>();
        var renderer = new WaitingRenderer();
        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            await foreach (var (_, done) in queue.Reader.ReadAllAsync())
            {
                await renderer.RenderAsync(null!, CancellationToken.None);
                done.SetResult(DateTimeOffset.UtcNow);
            }
        })).ToArray();
        var results = new List<Task<(Offer, DateTimeOffset?, bool)>>();
        await OfferAsync(kinds, rate, o =>
        {
            var done = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
            queue.Writer.TryWrite((o, done));
            results.Add(done.Task.ContinueWith(t => (o, (DateTimeOffset?)t.Result, false), TaskScheduler.Default));
        });
        queue.Writer.Complete();
        var outcome = Tally(await Task.WhenAll(results));
        await Task.WhenAll(workers);
        return outcome;
    }

    private static Outcome Tally((Offer Offer, DateTimeOffset? Delivered, bool Dropped)[] results)
    {
        int high = 0, highOnTime = 0, lateDroppable = 0, dropped = 0, failed = 0;
        foreach (var (o, delivered, wasDropped) in results)
        {
            bool onTime = delivered is { } at && at <= o.Deadline;
            if (o.Kind == Kind.High)
            {
                high++;
                if (onTime) highOnTime++;
            }
            if (o.Kind == Kind.Droppable)
            {
                if (delivered is not null && !onTime) lateDroppable++;
                if (wasDropped) dropped++;
            }
            else if (delivered is null)
            {
                failed++;
            }
        }
        return new Outcome((double)highOnTime / high, high, lateDroppable, dropped, failed, results.Length);
    }
}
