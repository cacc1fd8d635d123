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
    public readonly List<string> Problems = new();

    public bool AllGood => Bad == 0 && Failed == 0 && Good + DroppedRecovered == Played;

    public void Problem(string text)
    {
        if (Problems.Count < 10) Problems.Add(text);
    }

    public string ToReport(int fps)
    {
        var c = CultureInfo.InvariantCulture;
        var s = string.Create(c,
            $"Playback: {Played} frames at {fps} fps in {Elapsed.TotalSeconds:0.00} s: good {Good}, bad {Bad}, late {Late}, " +
            $"dropped {Dropped} (checked afterwards: {DroppedRecovered}), failed {Failed}\n");
        foreach (var p in Problems) s += "  " + p + "\n";
        return s;
    }
}

/// <summary>
/// Plays a file's frames through the vault at a frame rate, one frame ahead of the play head: frame t is
/// asked for when frame t-1 is shown, with its due time as the deadline, and is late if it is not there
/// when its tick comes. Every frame is checked while its pin is held, then disposed.
/// </summary>
internal sealed class Player(Vault vault, TitleLayer titles, ILogger<Player> log)
{
    public async Task<PlaybackResult> PlayAsync(VaultFile file, int fps, double seconds, FrameCheck check, CancellationToken cancel)
    {
        long frames = file.FrameCount;
        long total = Math.Max(1, (long)Math.Round(seconds * fps));
        var interval = TimeSpan.FromSeconds(1.0 / fps);
        var result = new PlaybackResult();
        var droppedFrames = new List<long>();
        log.LogInformation("Playing {Total} frames of {Path} ({Frames} frames of {Size} bytes) at {Fps} fps",
            total, file.Path, frames, (file.Layout as FrameLayout.FixedLayout)?.FrameSize, fps);

        // Preroll, as a player fills its first frame before it starts the clock: the first miss also pays for JIT and first touch.
        (await vault.GetFrameAsync(file, 0, FrameHints.None, FrameAccess.ReadOnly)).Dispose();
        await titles.PrerollAsync();

        var clock = Stopwatch.StartNew();
        var wallStart = DateTimeOffset.UtcNow;
        ValueTask<Frame> Ask(long t)
        {
            var hints = FrameHints.Playback(wallStart + interval * (t + 1));
            titles.Ask(t % frames, hints);
            return vault.GetFrameAsync(file, t % frames, hints);
        }

        using var timer = new PeriodicTimer(interval);
        ValueTask<Frame>? next = Ask(0);
        try
        {
            for (long t = 0; t < total; t++)
            {
                await timer.WaitForNextTickAsync(cancel);
                var current = next!.Value;
                next = null;
                bool ready = current.IsCompleted;
                if (t + 1 < total) next = Ask(t + 1);
                if (!ready) result.Late++;
                await Show(current, t % frames, check, result, droppedFrames);
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
        return result;
    }

    private async Task Show(ValueTask<Frame> request, long n, FrameCheck check, PlaybackResult result, List<long> droppedFrames)
    {
        using var title = titles.Next();
        result.Played++;
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
            await title.ShowOverAsync(frame, result);
        }
        catch (FrameDroppedException e)
        {
            result.Dropped++;
            droppedFrames.Add(n);
            log.LogWarning("Frame {Frame} dropped: {Reason}", n, e.Reason);
        }
        catch (VaultException e)
        {
            result.Failed++;
            result.Problem($"frame {n}: {e.Error}: {e.Message}");
            log.LogError("Frame {Frame} failed: {Error}: {Message}", n, e.Error, e.Message);
        }
    }
}
