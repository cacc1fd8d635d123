using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using LumieraVault.Files;
using LumieraVault.Frames;
using LumieraVault.Native;
using LumieraVault.Prefetching;
using Microsoft.Win32.SafeHandles;

namespace LumieraVault.Benchmarks;

/// <summary>How a playback run gets its frames.</summary>
public enum PlaybackWay
{
    /// <summary>The vault, with the clip watched by the prefetcher.</summary>
    Prefetch,
    /// <summary>The vault, the clip not watched: every window is mapped on its first request.</summary>
    NoPrefetch,
    /// <summary><see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/> into one buffer, each frame when it is due.</summary>
    PlainRead,
}

/// <summary>The order a run shows frames in.</summary>
public enum PlayPattern
{
    Forward,
    Backward,
    /// <summary>Forward at twice the speed: every other frame, at the same frame rate.</summary>
    Double,
}

/// <summary>What one run saw.</summary>
/// <param name="Late">Frames touched after the next one was due.</param>
/// <param name="NotReady">Frames whose bytes were not ready when due: some page not in memory, or (the vault ways) the window
/// not mapped, so the request went to the file's actor. With prefetch, the prefetcher's fault.</param>
/// <param name="LateReady">Late frames whose bytes were ready when due: the player woke late or lost the processor while
/// touching them, the machine's fault.</param>
/// <param name="WakeMicroseconds">How long after its due time the player asked for each frame.</param>
public sealed record PlaybackRunResult(PlaybackWay Way, PlayPattern Pattern, double Fps, int Shown, int Late, int NotReady, int LateReady,
    double[] ReadyMicroseconds, double[] WakeMicroseconds, string Preroll)
{
    public double Percentile(double p) => ReadyMicroseconds.Length == 0 ? double.NaN : QuickHarness.Percentile(ReadyMicroseconds, p);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Way,-10} {Pattern,-8} {Fps,5:0} fps: {Shown} frames, late {Late} (not ready {NotReady}, ready but late {LateReady}); ready p50 {Percentile(50) / 1000:0.000} ms, p99 {Percentile(99) / 1000:0.000} ms, max {ReadyMicroseconds.DefaultIfEmpty().Max() / 1000:0.000} ms; woke p99 {QuickHarness.Percentile(WakeMicroseconds, 99) / 1000:0.000} ms, max {WakeMicroseconds.DefaultIfEmpty().Max() / 1000:0.000} ms; preroll {Preroll}");
}

/// <summary>
/// The playback macro benchmark: a clip of 1280x720 RGBA frames (3.5 MiB each) played at a frame rate by a consumer that
/// touches every byte of every frame, with the clip's pages dropped from the page cache before each run. Frame t is asked
/// for when it is due (start + t/fps); its time to ready runs from then until every byte is touched, and it is late if
/// that ends after the next frame is due. The three ways share the player loop and its thread (nice -10 where permitted):
/// only the line that gets the bytes differs. Whether a frame's bytes were ready when it was due is read with mincore on a
/// mapping of the clip of the benchmark's own (page-cache residency, no fault), which tells a frame the prefetcher did not
/// read in time from a player that woke late.
/// </summary>
public sealed class PrefetchPlayback : IDisposable
{
    public const int Width = 1280, Height = 720, FrameSize = Width * Height * 4;

    private readonly string _folder;
    private readonly ActorSystem _system;
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(FrameSize, pinned: true);
    private readonly byte[] _resident = new byte[FrameSize / 4096 + 2];
    private readonly nint _probe;
    private readonly long _probeLength;

    private PrefetchPlayback(string folder, string path, int frames, ActorSystem system)
    {
        _folder = folder;
        Path = path;
        Frames = frames;
        _system = system;
        _probeHandle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        _probeLength = (long)frames * FrameSize;
        _probe = Libc.Mmap(0, (nuint)_probeLength, Libc.ProtRead, Libc.MapShared, (int)_probeHandle.DangerousGetHandle(), 0);
        if (_probe == Libc.MapFailed) throw new IOException("mmap of the clip for mincore failed");
    }

    /// <summary>
    /// Whether every page of frame <paramref name="n"/> is in the page cache now: cachestat on the clip's descriptor where the
    /// kernel has it (no lock a mapping takes, so the probe never waits on the vault's own mapping work), else mincore on a
    /// mapping of the benchmark's own (which takes the process's mmap lock). Nothing is read or faulted either way.
    /// </summary>
    private unsafe bool Resident(long n)
    {
        long start = n * FrameSize & ~4095L;
        long end = Math.Min(_probeLength, (n + 1) * FrameSize + 4095 & ~4095L);
        int pages = (int)((end - start) >> 12);
        if (_cachestat)
        {
            long* range = stackalloc long[2];
            long* stat = stackalloc long[5];
            range[0] = start;
            range[1] = end - start;
            if (Libc.Syscall4(Libc.SysCachestat, (int)_probeHandle.DangerousGetHandle(), (long)range, (long)stat, 0) == 0) return stat[0] >= pages;
            _cachestat = false;
        }
        fixed (byte* vector = _resident)
        {
            if (Libc.Mincore(_probe + (nint)start, (nuint)(end - start), vector) != 0) return false;
        }
        for (int i = 0; i < pages; i++)
        {
            if ((_resident[i] & 1) == 0) return false;
        }
        return true;
    }

    private bool _cachestat = true;
    private readonly SafeFileHandle _probeHandle;

    /// <summary>How the benchmark tells whether a frame's bytes were in memory when due.</summary>
    public string Probe => _cachestat ? "cachestat" : "mincore";

    /// <summary>
    /// LUMIERA_PLAYER_RT=1: the player thread runs SCHED_FIFO (priority 10) instead, as a player's presentation thread may:
    /// it then wakes on time whatever else the machine runs (a real-time thread is outside the autogroups), for every way.
    /// </summary>
    public static readonly bool RealTime = Environment.GetEnvironmentVariable("LUMIERA_PLAYER_RT") == "1";

    /// <summary>Whether SCHED_FIFO was granted when asked for.</summary>
    public static bool RealTimeGranted { get; private set; }

    private static unsafe bool SetFifo()
    {
        int priority = 10;
        return Libc.SchedSetscheduler(Libc.Gettid(), Libc.SchedFifo, &priority) == 0;
    }

    /// <summary>Whether the player thread runs at nice -10 (needs privileges; every way gets the same).</summary>
    public static bool Raised { get; private set; }

    /// <summary>
    /// With autogroup scheduling (sched_autogroup_enabled), a thread's nice value weighs only against the threads of its own
    /// session: every other session (another build on the machine) still gets an equal share. The benchmark's session is
    /// raised to nice -10 as well, as a player started with nice -10 would be, and put back when it ends.
    /// </summary>
    private static string? RaiseSession()
    {
        const string path = "/proc/self/autogroup";
        try
        {
            if (!File.Exists(path)) return null;
            var was = File.ReadAllText(path).Trim(); // "/autogroup-N nice K"
            int at = was.LastIndexOf(' ');
            File.WriteAllText(path, "-10");
            return at > 0 ? was[(at + 1)..] : "0";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private readonly string? _sessionNice = RaiseSession();

    /// <summary>What the session's autogroup nice value was raised from, or null when it was not.</summary>
    public string? SessionRaisedFrom => _sessionNice;

    /// <summary>How long a prefetched player waits at most for its preroll.</summary>
    private static readonly TimeSpan PrerollLimit = TimeSpan.FromSeconds(3);

    public string Path { get; }

    public int Frames { get; }

    public static PrefetchPlayback Create(int frames)
    {
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lumiera-vault-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var path = System.IO.Path.Combine(folder, "clip-1280x720.rgba");
        using (var handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write, preallocationSize: (long)FrameSize * frames))
        {
            var frame = new byte[FrameSize];
            var random = new Random(42);
            for (int n = 0; n < frames; n++)
            {
                random.NextBytes(frame.AsSpan(0, 4096));
                for (int i = 4096; i < FrameSize; i += 4096) frame.AsSpan(0, 4096).CopyTo(frame.AsSpan(i));
                RandomAccess.Write(handle, frame, (long)n * FrameSize);
            }
            RandomAccess.FlushToDisk(handle); // dirty pages stay in the page cache whatever posix_fadvise says
        }
        // Defaults but for the scheduler; the prefetcher's settings are the reference ones (look-ahead 500 ms adapting).
        var config = ConfigurationFactory.ParseString("lumiera.vault.map-cache.budget = 1 GiB\nlumiera.vault.map-cache.window-size = 4 MiB\n" +
            // stdout carries only the quick-run lines: Akka's own INFO lines (shutdown, dead letters at shutdown) stay out.
            "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING\n");
        return new PrefetchPlayback(folder, path, frames, ActorSystem.Create("prefetch-bench", config));
    }

    /// <summary>Drops the clip's pages from the page cache, so every run starts cold.</summary>
    public void DropPages()
    {
        using var handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Read);
        int err = Libc.PosixFadvise((int)handle.DangerousGetHandle(), 0, 0, Libc.PosixFadvDontNeed);
        if (err != 0) throw new IOException($"posix_fadvise(DONTNEED) failed: {Libc.Describe(err)}");
    }

    /// <summary>The frames a run shows: the whole clip forward or backward, or every other frame forward at 2x.</summary>
    public long[] Order(PlayPattern pattern, int shown) => pattern switch
    {
        PlayPattern.Forward => Enumerable.Range(0, Math.Min(shown, Frames)).Select(i => (long)i).ToArray(),
        PlayPattern.Backward => Enumerable.Range(0, Math.Min(shown, Frames)).Select(i => (long)(Frames - 1 - i)).ToArray(),
        _ => Enumerable.Range(0, Math.Min(shown, Frames / 2)).Select(i => 2L * i).ToArray(),
    };

    /// <summary>
    /// How long a player buffers between showing its first frame and starting the clock. Without it the first few hundred
    /// milliseconds of a prefetched play are read cold (the look-ahead is still filling) and they alone make its p99.
    /// </summary>
    private static readonly TimeSpan PrerollTime = TimeSpan.FromMilliseconds(400);

    /// <summary>Plays on a thread of its own at nice -10 (where permitted), the same for every way.</summary>
    public PlaybackRunResult Play(PlaybackWay way, PlayPattern pattern, double fps, int shown)
    {
        DropPages();
        var order = Order(pattern, shown);
        PlaybackRunResult? result = null;
        Exception? failed = null;
        var player = new Thread(() =>
        {
            try
            {
                Raised = Libc.Setpriority(Libc.PrioProcess, Libc.Gettid(), -10) == 0;
                if (RealTime) RealTimeGranted = SetFifo();
                result = way == PlaybackWay.PlainRead ? PlayPlain(pattern, fps, order) : PlayVault(way, pattern, fps, order);
            }
            catch (Exception e)
            {
                failed = e;
            }
        }) { Name = "player", IsBackground = true };
        player.Start();
        player.Join();
        if (failed is not null) throw new InvalidOperationException($"{way} {pattern} at {fps} fps failed", failed);
        return result!;
    }

    private PlaybackRunResult PlayPlain(PlayPattern pattern, double fps, long[] order)
    {
        using var handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Read);
        // Preroll: the first frame read, then the same wait as the way without prefetch before the clock starts.
        if (RandomAccess.Read(handle, _buffer, order[0] * FrameSize) != FrameSize) throw new IOException($"short read of frame {order[0]}");
        Thread.Sleep(PrerollTime);
        return Loop(PlaybackWay.PlainRead, pattern, fps, order, "400 ms", n =>
        {
            int read = RandomAccess.Read(handle, _buffer, n * FrameSize);
            if (read != FrameSize) throw new IOException($"short read of frame {n}");
            QuickHarness.Sink ^= TimedTouch(_buffer);
            return true;
        });
    }

    private PlaybackRunResult PlayVault(PlaybackWay way, PlayPattern pattern, double fps, long[] order)
    {
        var vault = Vault.Get(_system);
        var file = vault.OpenAsync(Path, FileOpenMode.Read, FrameLayout.Fixed(FrameSize)).GetAwaiter().GetResult();
        Playback? watched = null;
        try
        {
            if (way == PlaybackWay.Prefetch) watched = Prefetcher.Get(_system).WatchAsync(fps, PlaybackSource.Clip(file)).GetAwaiter().GetResult();
            bool forward = pattern != PlayPattern.Backward;
            float speed = pattern == PlayPattern.Double ? 2 : 1;
            // Preroll, as a player does before it starts the clock. With prefetch it waits until the first look-ahead is
            // read (Playback.PrerollAsync, at most PrerollLimit); without, it buffers for PrerollTime as the plain loop does.
            // Either way it then shows the first frame, asked with the hints of the play to come.
            string preroll;
            var prerolling = Stopwatch.StartNew();
            if (watched is not null)
            {
                bool ready = watched.PrerollAsync(order[0], FrameHints.Playback(DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(100), forward, speed), PrerollLimit).GetAwaiter().GetResult();
                preroll = string.Create(CultureInfo.InvariantCulture, $"{prerolling.Elapsed.TotalMilliseconds:0} ms{(ready ? "" : " (limit)")}");
            }
            else
            {
                Thread.Sleep(PrerollTime);
                preroll = "400 ms";
            }
            using (var first = vault.GetFrameAsync(file, order[0], FrameHints.Playback(DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(20), forward, speed)).AsTask().GetAwaiter().GetResult())
                QuickHarness.Sink ^= Consumer.Touch(first.Span);
            return Loop(way, pattern, fps, order, preroll, (n, deadline) =>
            {
                var request = vault.GetFrameAsync(file, n, FrameHints.Playback(deadline, forward, speed));
                bool hit = request.IsCompletedSuccessfully;
                using var frame = hit ? request.Result : request.AsTask().GetAwaiter().GetResult();
                QuickHarness.Sink ^= TimedTouch(frame.Span);
                return hit;
            });
        }
        finally
        {
            watched?.Dispose();
            vault.CloseAsync(file).GetAwaiter().GetResult();
        }
    }

    private PlaybackRunResult Loop(PlaybackWay way, PlayPattern pattern, double fps, long[] order, string preroll, Func<long, bool> show)
        => Loop(way, pattern, fps, order, preroll, (n, _) => show(n));

    /// <summary>
    /// The player: frame i is due at start + i/fps; it is asked for then and must be touched before the next is due. A late
    /// frame slips the clock by its lateness, as a player that holds the late frame on screen would, so one stall counts
    /// once and the frames after it are judged on their own. <paramref name="show"/> returns false when the frame's request
    /// was not served at once (a vault miss).
    /// </summary>
    private PlaybackRunResult Loop(PlaybackWay way, PlayPattern pattern, double fps, long[] order, string preroll, Func<long, DateTimeOffset, bool> show)
    {
        long interval = (long)(Stopwatch.Frequency / fps);
        var ready = new double[order.Length];
        var wake = new double[order.Length];
        var dueAt = PrefetchTrace.Enabled ? new Dictionary<long, long>() : null;
        var notReadyFrames = new List<long>();
        int late = 0, notReady = 0, lateReady = 0;
        long faults = 0;
        double probe = 0;
        _touches.Clear();
        _touches.Capacity = Math.Max(_touches.Capacity, order.Length);
        var paused = GC.GetTotalPauseDuration();
        int collections = GC.CollectionCount(0);
        long start = Stopwatch.GetTimestamp() + interval;
        long? reportedBefore = HostPageReporting.ReportedKib;
        for (int i = 0; i < order.Length; i++)
        {
            long due = start + i * interval;
            WaitUntil(due);
            long woke = Stopwatch.GetTimestamp();
            bool resident = Resident(order[i]);
            long faultsBefore = MinorFaults();
            long asked = Stopwatch.GetTimestamp();
            probe = Math.Max(probe, Stopwatch.GetElapsedTime(woke, asked).TotalMicroseconds);
            if (dueAt is not null) dueAt[order[i] * FrameSize] = due;
            var deadline = DateTimeOffset.UtcNow + Stopwatch.GetElapsedTime(asked, due + interval);
            bool served = show(order[i], deadline);
            long done = Stopwatch.GetTimestamp();
            faults += MinorFaults() - faultsBefore;
            ready[i] = Stopwatch.GetElapsedTime(asked, done).TotalMicroseconds;
            wake[i] = Stopwatch.GetElapsedTime(due, woke).TotalMicroseconds;
            bool wasReady = resident && served;
            if (!wasReady)
            {
                notReady++;
                notReadyFrames.Add(order[i]);
            }
            if (done > due + interval)
            {
                late++;
                if (wasReady) lateReady++;
                start += done - (due + interval);
            }
        }
        if (dueAt is not null && way == PlaybackWay.Prefetch) ReportTrace(dueAt, notReadyFrames);
        // LUMIERA_PREFETCH_SLOW=1: which frames of a prefetched run took over 0.5 ms (a stretch of them is the host reclaiming).
        if (Environment.GetEnvironmentVariable("LUMIERA_PREFETCH_SLOW") == "1" && way == PlaybackWay.Prefetch)
        {
            var slow = Enumerable.Range(0, order.Length).Where(i => ready[i] > 500).Select(i => string.Create(CultureInfo.InvariantCulture, $"#{i}:{ready[i] / 1000:0.0}"));
            Console.Error.WriteLine($"    slow frames (over 0.5 ms): {string.Join(' ', slow)}");
        }
        string reported = HostPageReporting.ReportedKib - reportedBefore is { } kib ? $"; host reclaimed {kib >> 10} MiB" : "";
        string gc = string.Create(CultureInfo.InvariantCulture,
            $"{GC.CollectionCount(0) - collections} GCs, paused {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:0.0} ms; page faults per frame {faults / (double)order.Length:0.0}; {Probe} max {probe / 1000:0.000} ms; touch alone p50 {QuickHarness.Percentile(_touches.ToArray(), 50) / 1000:0.000} ms{reported}");
        return new PlaybackRunResult(way, pattern, fps, order.Length, late, notReady, lateReady, ready, wake, preroll + "; " + gc);
    }

    private readonly List<double> _touches = new();

    /// <summary>Touches every byte, and notes how long that alone took (the rest of a frame's time is getting it).</summary>
    private ulong TimedTouch(ReadOnlySpan<byte> bytes)
    {
        long t = Stopwatch.GetTimestamp();
        ulong x = Consumer.Touch(bytes);
        _touches.Add(Stopwatch.GetElapsedTime(t).TotalMicroseconds);
        return x;
    }

    /// <summary>The player thread's minor page faults so far.</summary>
    private static unsafe long MinorFaults()
    {
        byte* usage = stackalloc byte[144];
        return Libc.Getrusage(Libc.RusageThread, usage) == 0 ? *(long*)(usage + 64) : 0;
    }

    /// <summary>With LUMIERA_PREFETCH_TRACE=1: when the reader finished the frames that were not ready, against when they were due.</summary>
    private static void ReportTrace(Dictionary<long, long> dueAt, List<long> notReady)
    {
        var reads = PrefetchTrace.Take().Where(e => e.Kind == TraceKind.Read).GroupBy(e => e.Offset).ToDictionary(g => g.Key, g => g.Last());
        int readLate = 0, neverRead = 0;
        foreach (var (offset, due) in dueAt)
        {
            if (!reads.TryGetValue(offset, out var e)) neverRead++;
            else if (e.Finished > due) readLate++;
        }
        Console.Error.WriteLine($"    trace: {reads.Count} frames read ahead, {readLate} finished after they were due, {neverRead} shown without a read ahead");
        foreach (long n in notReady.Take(8))
        {
            long offset = n * FrameSize;
            string what = reads.TryGetValue(offset, out var e)
                ? string.Create(CultureInfo.InvariantCulture, $"read {Stopwatch.GetElapsedTime(e.Started, e.Finished).TotalMilliseconds:0.0} ms, finished {Stopwatch.GetElapsedTime(dueAt[offset], e.Finished).TotalMilliseconds:0.0} ms after due, ready {e.Ready}")
                : "no read ahead";
            Console.Error.WriteLine($"    trace: frame {n} not ready: {what}");
        }
    }

    /// <summary>Sleeps until a millisecond before <paramref name="timestamp"/>, then spins: the OS timer alone is too coarse for 60 fps and up.</summary>
    private static void WaitUntil(long timestamp)
    {
        while (true)
        {
            long left = timestamp - Stopwatch.GetTimestamp();
            if (left <= 0) return;
            if (left > Stopwatch.Frequency / 500) Thread.Sleep(1);
            else Thread.SpinWait(64);
        }
    }

    public void Dispose()
    {
        Libc.Munmap(_probe, (nuint)_probeLength);
        _probeHandle.Dispose();
        if (_sessionNice is not null)
        {
            try
            {
                File.WriteAllText("/proc/self/autogroup", _sessionNice);
            }
            catch (IOException)
            {
            }
        }
        _system.Terminate().Wait(TimeSpan.FromSeconds(30));
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
