using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using LumieraVault.Session;
using LumieraVault.Session.Commands;
using LumieraVault.Session.Hosting;
using LumieraVault.Session.Model;
using Microsoft.Data.Sqlite;

namespace LumieraVault.Benchmarks;

/// <summary>
/// The session log on SQLite (a file in the temp folder): acknowledged modifications per second with many in
/// flight (the journal batches them), then a history of 100,000 events, the start-up with snapshots and without
/// them in the same run, and undo and redo steps timed end to end (command to acknowledgement, journal write
/// included) on top of that history.
/// </summary>
public static class SessionQuick
{
    private const int WarmUp = 10_000;
    private const int Burst = 20_000;
    private const int History = 100_000;
    private const int Lanes = 16;
    private const int Window = 2_000;
    private const int StartRounds = 3;

    public static IEnumerable<string> Run()
    {
        string folder = Path.Combine(Path.GetTempPath(), "lumiera-session-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string database = Path.Combine(folder, "bench.session.db");
            double perSecond = WriteHistory(database);
            yield return $"persec session-acked-modifications {perSecond:F0}";

            // Starts, both ways, in alternating order after one start not counted (the JIT's first run of the recovery,
            // the database's first open after the writes): medians of three each. One start alone swung from 105 to
            // 1086 ms between runs.
            const string noSnapshots = "lumiera.session.use-snapshots = off";
            StartAndUndo(database, undoSteps: 0, quiet: true);
            var with = new double[StartRounds];
            var without = new double[StartRounds];
            for (int round = 0; round < StartRounds; round++)
            {
                if (round % 2 == 0)
                {
                    with[round] = StartAndUndo(database, undoSteps: 0).StartMs;
                    without[round] = StartAndUndo(database, noSnapshots, undoSteps: 0).StartMs;
                }
                else
                {
                    without[round] = StartAndUndo(database, noSnapshots, undoSteps: 0).StartMs;
                    with[round] = StartAndUndo(database, undoSteps: 0).StartMs;
                }
            }
            double withSnapshots = QuickHarness.Median(with), withoutSnapshots = QuickHarness.Median(without);
            Console.Error.WriteLine($"  start medians of {StartRounds}: {withSnapshots:F0} ms from the newest snapshot (rounds {string.Join(", ", with.Select(v => $"{v:F0}"))}), {withoutSnapshots:F0} ms replaying the whole journal ({string.Join(", ", without.Select(v => $"{v:F0}"))})");
            var (_, undoMs) = StartAndUndo(database);
            // The same steps with an fsync per journal write, for comparison with the default.
            var (_, undoFullMs) = StartAndUndo(database, "lumiera.session.sqlite.synchronous = full");
            yield return $"ms undo-at-100k {undoMs:F3}";
            yield return $"ms undo-at-100k-full {undoFullMs:F3}";
            yield return $"ms start-100k-with-snapshots {withSnapshots:F0}";
            yield return $"ratio start-100k/without-snapshots {withoutSnapshots / withSnapshots:F2}";
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static ActorSystem NewSystem(string database, string overrides = "")
        => ActorSystem.Create("bench-session", SessionConfig.SetupForSqlite(database, ConfigurationFactory.ParseString(overrides + "\nakka.loglevel = WARNING")));

    /// <summary>Writes <see cref="History"/> events; returns the acknowledged rate of the first <see cref="Burst"/> after setup.</summary>
    private static double WriteHistory(string database)
    {
        using var system = NewSystem(database);
        var session = EditorSession.StartAsync(system).GetAwaiter().GetResult();
        var setup = new List<SessionCommand> { new SessionCommand.AddTrack("v", "Video", TrackKind.Video) };
        for (int k = 0; k < Lanes; k++) setup.Add(new SessionCommand.AddClip($"c{k}", "v", new ClipSource.File($"/media/clip{k}.mov"), 0, 10, k * 1000L));
        session.ApplyAsync("setup", setup).GetAwaiter().GetResult();

        double rate = 0;
        var clock = Stopwatch.StartNew();
        var inFlight = new Queue<Task<SessionAck>>();
        for (int i = 1; i < History; i++)
        {
            // The JIT and the journal's connections settle during the warm-up; the burst after it is timed.
            if (i == WarmUp || i == WarmUp + Burst)
            {
                while (inFlight.Count > 0) inFlight.Dequeue().GetAwaiter().GetResult();
                if (i == WarmUp + Burst)
                {
                    rate = Burst / clock.Elapsed.TotalSeconds;
                    Console.Error.WriteLine($"  {Burst} modifications acknowledged in {clock.Elapsed.TotalMilliseconds:F0} ms ({Window} in flight at most), after {WarmUp} to warm up");
                }
                clock.Restart();
            }
            int lane = i % Lanes;
            inFlight.Enqueue(session.ApplyAsync(new SessionCommand.MoveClip($"c{lane}", lane * 1000L + i % 500)));
            if (inFlight.Count >= Window) inFlight.Dequeue().GetAwaiter().GetResult();
        }
        while (inFlight.Count > 0) inFlight.Dequeue().GetAwaiter().GetResult();
        Console.Error.WriteLine($"  the rest of the {History} events written in {clock.Elapsed.TotalSeconds:F1} s");
        session.DisposeAsync().AsTask().GetAwaiter().GetResult();
        system.Terminate().Wait();
        return rate;
    }

    /// <summary>Starts on the history (ms), then times undo and redo steps one after the other (median ms).</summary>
    private static (double StartMs, double UndoMs) StartAndUndo(string database, string overrides = "", int undoSteps = 400, bool quiet = false)
    {
        using var system = NewSystem(database, overrides);
        var clock = Stopwatch.StartNew();
        var session = EditorSession.StartAsync(system).GetAwaiter().GetResult();
        double startMs = clock.Elapsed.TotalMilliseconds;
        var view = session.GetViewAsync().GetAwaiter().GetResult();
        if (!quiet) Console.Error.WriteLine($"  start {(overrides.Contains("use-snapshots", StringComparison.Ordinal) ? "replaying the whole journal" : "from the newest snapshot")}, synchronous {SessionConfig.SqliteSynchronousOf(system)}: {startMs:F0} ms to event {view.SequenceNr}, {view.UndoCount} steps to undo");
        var times = new double[undoSteps];
        for (int i = 0; i < undoSteps / 4 * 2; i++)
        {
            if (i % 2 == 0) session.UndoAsync().GetAwaiter().GetResult();
            else session.RedoAsync().GetAwaiter().GetResult();
        }
        for (int i = 0; i < undoSteps; i++)
        {
            clock.Restart();
            if (i % 2 == 0) session.UndoAsync().GetAwaiter().GetResult();
            else session.RedoAsync().GetAwaiter().GetResult();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        double median = 0;
        if (undoSteps > 0)
        {
            Array.Sort(times);
            median = times[undoSteps / 2];
            Console.Error.WriteLine($"  undo/redo at {view.SequenceNr} events, synchronous {SessionConfig.SqliteSynchronousOf(system)}: median {median:F3} ms, 90th percentile {times[undoSteps * 9 / 10]:F3} ms, over {undoSteps} steps");
        }
        session.DisposeAsync().AsTask().GetAwaiter().GetResult();
        system.Terminate().Wait();
        return (startMs, median);
    }
}
