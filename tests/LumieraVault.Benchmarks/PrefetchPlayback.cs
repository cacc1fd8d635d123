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
public sealed record PlaybackRunResult(PlaybackWay Way, PlayPattern Pattern, double Fps, int Shown, int Late, double[] ReadyMicroseconds)
{
    public double Percentile(double p) => ReadyMicroseconds.Length == 0 ? double.NaN : QuickHarness.Percentile(ReadyMicroseconds, p);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Way,-10} {Pattern,-8} {Fps,5:0} fps: {Shown} frames, late {Late}; ready p50 {Percentile(50) / 1000:0.000} ms, p99 {Percentile(99) / 1000:0.000} ms, max {ReadyMicroseconds.DefaultIfEmpty().Max() / 1000:0.000} ms");
}

/// <summary>
/// The playback macro benchmark: a clip of 1280x720 RGBA frames (3.5 MiB each) played at a frame rate by a consumer that
/// touches every byte of every frame, with the clip's pages dropped from the page cache before each run. Frame t is asked
/// for when it is due (start + t/fps); its time to ready runs from then until every byte is touched, and it is late if
/// that ends after the next frame is due. The three ways share the player loop: only the line that gets the bytes differs.
/// </summary>
public sealed class PrefetchPlayback : IDisposable
{
    public const int Width = 1280, Height = 720, FrameSize = Width * Height * 4;

    private readonly string _folder;
    private readonly ActorSystem _system;
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(FrameSize, pinned: true);

    private PrefetchPlayback(string folder, string path, int frames, ActorSystem system)
    {
        _folder = folder;
        Path = path;
        Frames = frames;
        _system = system;
    }

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

    public PlaybackRunResult Play(PlaybackWay way, PlayPattern pattern, double fps, int shown)
    {
        DropPages();
        var order = Order(pattern, shown);
        return way == PlaybackWay.PlainRead ? PlayPlain(pattern, fps, order) : PlayVault(way, pattern, fps, order);
    }

    private PlaybackRunResult PlayPlain(PlayPattern pattern, double fps, long[] order)
    {
        using var handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Read);
        // The same preroll as the vault ways: the first frame read, then the same wait before the clock starts.
        if (RandomAccess.Read(handle, _buffer, order[0] * FrameSize) != FrameSize) throw new IOException($"short read of frame {order[0]}");
        Thread.Sleep(PrerollTime);
        // The same preroll as the vault ways: the first frame read, then the same wait before the clock starts.
        if (RandomAccess.Read(handle, _buffer, order[0] * FrameSize) != FrameSize) throw new IOException($"short read of frame {order[0]}");
        Thread.Sleep(PrerollTime);
        return Loop(PlaybackWay.PlainRead, pattern, fps, order, (n, _) =>
        {
            int read = RandomAccess.Read(handle, _buffer, n * FrameSize);
            if (read != FrameSize) throw new IOException($"short read of frame {n}");
            QuickHarness.Sink ^= Consumer.Touch(_buffer);
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
            // Preroll, as a player does before it starts the clock: it shows the first frame (asked for with the hints of the
            // play to come, so the prefetcher knows the play head) and buffers for PrerollTime. All three ways get the same.
            using (var first = vault.GetFrameAsync(file, order[0], FrameHints.Playback(DateTimeOffset.UtcNow + PrerollTime, forward, speed)).AsTask().GetAwaiter().GetResult())
                QuickHarness.Sink ^= first.Span[0];
            Thread.Sleep(PrerollTime);
            return Loop(way, pattern, fps, order, (n, deadline) =>
            {
                var request = vault.GetFrameAsync(file, n, FrameHints.Playback(deadline, forward, speed));
                using var frame = request.IsCompletedSuccessfully ? request.Result : request.AsTask().GetAwaiter().GetResult();
                QuickHarness.Sink ^= Consumer.Touch(frame.Span);
            });
        }
        finally
        {
            watched?.Dispose();
            vault.CloseAsync(file).GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// The player: frame i is due at start + i/fps; it is asked for then and must be touched before the next is due. A late
    /// frame slips the clock by its lateness, as a player that holds the late frame on screen would, so one stall counts
    /// once and the frames after it are judged on their own.
    /// </summary>
    private static PlaybackRunResult Loop(PlaybackWay way, PlayPattern pattern, double fps, long[] order, Action<long, DateTimeOffset> show)
    {
        long interval = (long)(Stopwatch.Frequency / fps);
        var ready = new double[order.Length];
        int late = 0;
        long start = Stopwatch.GetTimestamp() + interval;
        for (int i = 0; i < order.Length; i++)
        {
            long due = start + i * interval;
            WaitUntil(due);
            long asked = Stopwatch.GetTimestamp();
            var deadline = DateTimeOffset.UtcNow + Stopwatch.GetElapsedTime(asked, due + interval);
            show(order[i], deadline);
            long done = Stopwatch.GetTimestamp();
            ready[i] = Stopwatch.GetElapsedTime(asked, done).TotalMicroseconds;
            if (done > due + interval)
            {
                late++;
                start += done - (due + interval);
            }
        }
        return new PlaybackRunResult(way, pattern, fps, order.Length, late, ready);
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
