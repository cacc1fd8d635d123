using LumieraVault.Files;
using LumieraVault.Prefetching;
using LumieraVault.Rendering;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LumieraVault.Samples.Playback;

/// <summary>
/// One run of the sample: find or make the clip, tell the prefetcher of its timeline, play it through the vault with the
/// live view running, report, clean up. Returns the exit code.
/// </summary>
internal sealed class PlaybackRun(Vault vault, Prefetcher prefetcher, RenderService render, TitleRenderer title, RenderCacheFolder renderCache, Player player,
    LiveView view, IHostApplicationLifetime lifetime, ILogger<PlaybackRun> log)
{
    internal const int Width = 640, Height = 360;

    private ulong _touched;

    public async Task<int> RunAsync(PlaybackArguments arguments)
    {
        string? temp = null;
        VaultFile? file = null;
        var stopping = lifetime.ApplicationStopping;
        try
        {
            string path;
            FrameLayout layout;
            FrameCheck check;
            if (arguments.File is null)
            {
                temp = Directory.CreateTempSubdirectory("lumiera-vault-playback-").FullName;
                int frames = (int)Math.Clamp(Math.Round(arguments.Fps * arguments.Seconds), 25, 300);
                var clip = SyntheticClip.Create(temp, Width, Height, arguments.Fps, frames, stopping);
                log.LogInformation("Made a synthetic clip: {Frames} frames of {Width}x{Height} RGBA ({Size} MiB) in {Path}",
                    frames, Width, Height, clip.FileSize >> 20, clip.Path);
                path = clip.Path;
                layout = FrameLayout.Fixed(clip.FrameSize, SyntheticClip.HeaderBytes);
                check = SyntheticClip.Check;
            }
            else
            {
                path = arguments.File;
                layout = FrameLayout.Fixed(arguments.FrameSize!.Value, arguments.HeaderBytes);
                check = Readable;
            }

            file = await vault.OpenAsync(path, FileOpenMode.Read, layout);
            if (file.FrameCount == 0)
            {
                log.LogError("{Path} ({Size} bytes) holds no whole frame of {FrameSize} bytes after a header of {Header} bytes",
                    file.Path, file.Size, ((FrameLayout.FixedLayout)layout).FrameSize, layout.HeaderBytes);
                return 1;
            }
            // The timeline: the clip, and over it the rendered title band (only over the synthetic clip, whose width it knows).
            var titles = arguments.Titles && arguments.File is null ? new TitleLayer(render, title, renderCache.Path) : null;
            using var playback = titles is null
                ? await prefetcher.WatchAsync(arguments.Fps, PlaybackSource.Clip(file))
                : await prefetcher.WatchAsync(arguments.Fps, PlaybackSource.Clip(file), PlaybackSource.Rendered(title));
            var script = new PlayScript(arguments.Pattern, file.FrameCount, Math.Max(1, (long)Math.Round(arguments.Seconds * arguments.Fps)));
            var result = new PlaybackResult();
            await using (var live = view)
            {
                live.Start(result, () => result.Segment);
                await player.PlayAsync(file, arguments.Fps, script, check, result, stopping, titles);
            }
            var prefetching = await prefetcher.GetStatisticsAsync();
            var statistics = await vault.GetStatisticsAsync();
            Console.WriteLine();
            Console.Write(result.ToReport(arguments.Fps, arguments.Prefetch));
            Console.WriteLine();
            Console.Write(prefetching.ToReport());
            Console.WriteLine();
            Console.Write(statistics.ToReport());
            if (titles is not null)
            {
                Console.WriteLine();
                Console.Write(await titles.ReportAsync());
            }
            Console.WriteLine();
            Console.WriteLine(result.AllGood
                ? "PASS: every frame checked out."
                : $"FAIL: {result.Bad} bad and {result.Failed} failed of {result.Played} frames.");
            return result.AllGood ? 0 : 1;
        }
        catch (VaultException e) when (!stopping.IsCancellationRequested)
        {
            log.LogError("{Error}: {Message}", e.Error, e.Message);
            return 1;
        }
        catch (Exception e) when (stopping.IsCancellationRequested && e is OperationCanceledException or VaultException)
        {
            // Ctrl+C stops the host, and with it the actor system: requests still in flight then fail with VaultStopped.
            log.LogWarning("Interrupted");
            return 130;
        }
        finally
        {
            if (file is not null) await CloseQuietly(file);
            if (temp is not null) DeleteQuietly(temp);
        }
    }

    private async Task CloseQuietly(VaultFile file)
    {
        try
        {
            await vault.CloseAsync(file);
        }
        catch (VaultException e) when (e.Error == VaultError.VaultStopped)
        {
            // Interrupted: the actor system stopped first, and closed everything with it.
        }
    }

    private void DeleteQuietly(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException e)
        {
            log.LogWarning("Could not remove {Folder}: {Message}", folder, e.Message);
        }
    }

    /// <summary>A file of unknown content can only be checked for being readable: every byte is read.</summary>
    private string? Readable(long frameNumber, ReadOnlySpan<byte> frame)
    {
        _touched ^= SyntheticClip.Checksum(frame);
        return null;
    }
}
