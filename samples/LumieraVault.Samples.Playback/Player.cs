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
    public long TitlesShown;
    public long TitlesLate;
    public long TitlesDropped;
    public long TitlesBad;
    public TimeSpan Elapsed;
    public volatile string Segment = "";
    public readonly List<string> Problems = new();

    public bool AllGood => Bad == 0 && TitlesBad == 0 && Failed == 0 && Good + DroppedRecovered == Played;

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
        if (TitlesShown + TitlesDropped + TitlesBad > 0)
            s += string.Create(c, $"Titles (rendered layer): composited {TitlesShown}, late {TitlesLate}, dropped {TitlesDropped}, bad {TitlesBad}\n");
        foreach (var p in Problems) s += "  " + p + "\n";
        return s;
    }
}

/// <summary>
/// Plays a clip's frames through the vault at a frame rate, following a <see cref="PlayScript"/> (forward, backward, 2x,
/// scrub), one frame ahead of the play head: the frame of tick t+1 is asked for when the frame of tick t is shown, with
/// its due time as the deadline and the hints of its segment, and is late if it is not there when its tick comes. Every
/// frame is checked while its pin is held, then disposed. With a title layer, the title of each tick is asked for from the
/// render scheduler beside the clip's frame, checked, and composited over it.
/// </summary>
internal sealed class Player(Vault vault, ILogger<Player> log)
{
    /// <summary>The frames of one tick: the clip's, and the title's when the timeline has the rendered layer.</summary>
    private readonly record struct Shot(ValueTask<Frame> Clip, ValueTask<Frame>? Title);

    public async Task PlayAsync(VaultFile file, int fps, PlayScript script, FrameCheck check, PlaybackResult result, CancellationToken cancel,
        TitleLayer? titles = null)
    {
        long frames = file.FrameCount;
        var interval = TimeSpan.FromSeconds(1.0 / fps);
        var droppedFrames = new List<long>();
        log.LogInformation("Playing {Total} frames of {Path} ({Frames} frames of {Size} bytes) at {Fps} fps: {Pattern}",
            script.Ticks, file.Path, frames, (file.Layout as FrameLayout.FixedLayout)?.FrameSize, fps, string.Join(", ", script.Segments.Select(s => s.Name)));

        // Preroll, as a player fills its first frame before it starts the clock: the first miss also pays for JIT and first touch.
        (await vault.GetFrameAsync(file, 0, FrameHints.None, FrameAccess.ReadOnly)).Dispose();
        if (titles is not null) await titles.PrerollAsync(0);

        var clock = Stopwatch.StartNew();
        var wallStart = DateTimeOffset.UtcNow;
        using var ticks = script.Frames().GetEnumerator();
        long t = 0;
        (PlaySegment Segment, long Frame)? Next() => ticks.MoveNext() ? ticks.Current : null;
        Shot Ask((PlaySegment Segment, long Frame) at)
        {
            var hints = at.Segment.Hints(wallStart + interval * (t + 1));
            return new Shot(vault.GetFrameAsync(file, at.Frame, hints), titles?.Render.GetFrameAsync(titles.Renderer, at.Frame, hints));
        }

        using var timer = new PeriodicTimer(interval);
        var current = Next();
        Shot? next = current is { } first ? Ask(first) : null;
        try
        {
            while (current is { } now)
            {
                await timer.WaitForNextTickAsync(cancel);
                result.Segment = now.Segment.Name;
                var request = next!.Value;
                next = null;
                bool ready = request.Clip.IsCompleted;
                if (request.Title is { IsCompleted: false }) Interlocked.Increment(ref result.TitlesLate);
                t++;
                current = Next();
                if (current is { } following) next = Ask(following);
                if (!ready) Interlocked.Increment(ref result.Late);
                await Show(request, now.Frame, check, result, droppedFrames, titles);
            }
        }
        finally
        {
            // Interrupted between asking and showing: the frame asked for still holds a pin until disposed.
            if (next is { } pending)
            {
                foreach (var request in (ValueTask<Frame>?[])[pending.Clip, pending.Title])
                {
                    try
                    {
                        if (request is { } r) (await r).Dispose();
                    }
                    catch (VaultException)
                    {
                    }
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

    private async Task Show(Shot shot, long n, FrameCheck check, PlaybackResult result, List<long> droppedFrames, TitleLayer? titles)
    {
        Interlocked.Increment(ref result.Played);
        Frame clip = default, title = default;
        try
        {
            clip = await Take(shot.Clip, n, result, droppedFrames);
            if (shot.Title is { } t) title = await TakeTitle(t, n, result);
            if (!clip.IsValid) return;
            if (check(n, clip.Span) is { } problem)
            {
                result.Bad++;
                result.Problem($"frame {n}: {problem}");
                log.LogError("Frame {Frame} is wrong: {Problem}", n, problem);
                return;
            }
            result.Good++;
            // What a viewer would show: the clip's frame with the title band over its bottom rows.
            if (title.IsValid && titles is not null) titles.Show(n, clip.Span, title.Span, result);
        }
        finally
        {
            clip.Dispose();
            title.Dispose();
        }
    }

    private async Task<Frame> Take(ValueTask<Frame> request, long n, PlaybackResult result, List<long> droppedFrames)
    {
        try
        {
            return await request;
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
        return default;
    }

    private async Task<Frame> TakeTitle(ValueTask<Frame> request, long n, PlaybackResult result)
    {
        try
        {
            return await request;
        }
        catch (FrameDroppedException e)
        {
            // A title not rendered in time is left off that frame, as a player would.
            result.TitlesDropped++;
            log.LogDebug("Title of frame {Frame} dropped: {Reason}", n, e.Reason);
        }
        catch (VaultException e)
        {
            result.TitlesBad++;
            result.Problem($"title of frame {n}: {e.Error}: {e.Message}");
        }
        return default;
    }
}
