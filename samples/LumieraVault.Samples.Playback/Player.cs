using System.Diagnostics;
using System.Globalization;
using LumieraVault.Files;
using LumieraVault.Frames;
using Microsoft.Extensions.Logging;

namespace LumieraVault.Samples.Playback;

/// <summary>Null if the frame is right; otherwise what is wrong with it.</summary>
internal delegate string? FrameCheck(long frameNumber, ReadOnlySpan<byte> frame);

/// <summary>What a playback run saw.</summary>
internal sealed class PlaybackResult
{
    public long Played;
    public long Good;
    public long Bad;
    public long Late;
    public long Dropped;
    public long Failed;
    public long DroppedRecovered;
    public TimeSpan Elapsed;
    public volatile string Segment = "";
    public readonly List<string> Problems = new();

    public bool AllGood => Bad == 0 && Failed == 0 && Good + DroppedRecovered == Played;

    public void Problem(string text)
    {
        if (Problems.Count < 10) Problems.Add(text);
    }

    public string ToReport(int fps, bool prefetch)
    {
        var c = CultureInfo.InvariantCulture;
        var s = string.Create(c,
            $"Playback ({(prefetch ? "prefetch on" : "prefetch off")}): {Played} frames at {fps} fps in {Elapsed.TotalSeconds:0.00} s: good {Good}, bad {Bad}, late {Late}, " +
            $"dropped {Dropped} (checked afterwards: {DroppedRecovered}), failed {Failed}\n");
        foreach (var p in Problems) s += "  " + p + "\n";
        return s;
    }
}

/// <summary>
/// Plays a clip's frames through the vault at a frame rate, following a <see cref="PlayScript"/> (forward, backward, 2x,
/// scrub), one frame ahead of the play head: the frame of tick t+1 is asked for when the frame of tick t is shown, with
/// its due time as the deadline and the hints of its segment, and is late if it is not there when its tick comes. Every
/// frame is checked while its pin is held, then disposed. A rendered layer composited over the clip would be asked for
/// beside the clip's frame in <see cref="Ask"/> and checked in <see cref="Show"/>.
/// </summary>
internal sealed class Player(Vault vault, ILogger<Player> log)
{
    public async Task PlayAsync(VaultFile file, int fps, PlayScript script, FrameCheck check, PlaybackResult result, CancellationToken cancel)
    {
        long frames = file.FrameCount;
        var interval = TimeSpan.FromSeconds(1.0 / fps);
        var droppedFrames = new List<long>();
        log.LogInformation("Playing {Total} frames of {Path} ({Frames} frames of {Size} bytes) at {Fps} fps: {Pattern}",
            script.Ticks, file.Path, frames, (file.Layout as FrameLayout.FixedLayout)?.FrameSize, fps, string.Join(", ", script.Segments.Select(s => s.Name)));

        // Preroll, as a player fills its first frame before it starts the clock: the first miss also pays for JIT and first touch.
        (await vault.GetFrameAsync(file, 0, FrameHints.None, FrameAccess.ReadOnly)).Dispose();

        var clock = Stopwatch.StartNew();
        var wallStart = DateTimeOffset.UtcNow;
        using var ticks = script.Frames().GetEnumerator();
        long t = 0;
        (PlaySegment Segment, long Frame)? Next() => ticks.MoveNext() ? ticks.Current : null;
        ValueTask<Frame> Ask((PlaySegment Segment, long Frame) at) => vault.GetFrameAsync(file, at.Frame, at.Segment.Hints(wallStart + interval * (t + 1)));

        using var timer = new PeriodicTimer(interval);
        var current = Next();
        ValueTask<Frame>? next = current is { } first ? Ask(first) : null;
        try
        {
            while (current is { } now)
            {
                await timer.WaitForNextTickAsync(cancel);
                result.Segment = now.Segment.Name;
                var request = next!.Value;
                next = null;
                bool ready = request.IsCompleted;
                t++;
                current = Next();
                if (current is { } following) next = Ask(following);
                if (!ready) Interlocked.Increment(ref result.Late);
                await Show(request, now.Frame, check, result, droppedFrames);
            }
        }
        finally
        {
            // Interrupted between asking and showing: the frame asked for still holds a pin until disposed.
            if (next is { } pending)
            {
                try
                {
                    (await pending).Dispose();
                }
                catch (VaultException)
                {
                }
            }
        }
        result.Elapsed = clock.Elapsed;

        // Dropping is playback's right, but every frame still has to check out: ask again without a deadline.
        foreach (long n in droppedFrames)
        {
            try
            {
                using var frame = await vault.GetFrameAsync(file, n, FrameHints.None, FrameAccess.ReadOnly);
                if (check(n, frame.Span) is { } problem) result.Problem($"dropped frame {n}, asked again: {problem}");
                else result.DroppedRecovered++;
            }
            catch (VaultException e)
            {
                result.Failed++;
                result.Problem($"dropped frame {n}, asked again: {e.Error}: {e.Message}");
            }
        }
    }

    private async Task Show(ValueTask<Frame> request, long n, FrameCheck check, PlaybackResult result, List<long> droppedFrames)
    {
        Interlocked.Increment(ref result.Played);
        try
        {
            using var frame = await request;
            if (check(n, frame.Span) is { } problem)
            {
                result.Bad++;
                result.Problem($"frame {n}: {problem}");
                log.LogError("Frame {Frame} is wrong: {Problem}", n, problem);
            }
            else
            {
                result.Good++;
            }
        }
        catch (FrameDroppedException e)
        {
            Interlocked.Increment(ref result.Dropped);
            droppedFrames.Add(n);
            log.LogDebug("Frame {Frame} dropped: {Reason}", n, e.Reason);
        }
        catch (VaultException e)
        {
            result.Failed++;
            result.Problem($"frame {n}: {e.Error}: {e.Message}");
            log.LogError("Frame {Frame} failed: {Error}: {Message}", n, e.Error, e.Message);
        }
    }
}
