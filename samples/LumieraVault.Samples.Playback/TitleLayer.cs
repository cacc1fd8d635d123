using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using LumieraVault.Frames;
using LumieraVault.Rendering;
using LumieraVault.Statistics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LumieraVault.Samples.Playback;

/// <summary>
/// The rendered layer of the player: for every clip frame the player asks for, it asks the render service for the
/// title at the same time with the same hints (<see cref="Ask"/>) and prefetches a few titles further on; when the frame
/// is shown (<see cref="Next"/>, <see cref="TitleRequest.ShowOverAsync"/>) it composites the title over the clip frame
/// into a buffer of its own. A title that was dropped, or is not there yet when its frame is shown, is left out: the
/// clip frame is shown alone and the title counted. Every <see cref="CheckEvery"/>th composite is checked pixel by pixel
/// against a title drawn afresh.
/// </summary>
internal sealed class TitleLayer(RenderService renders, TitleRenderer renderer, bool enabled, string cacheFolder, ILogger<TitleLayer> log)
{
    /// <summary>Titles prefetched ahead of the one asked for.</summary>
    public const int Ahead = 8;

    /// <summary>One shown composite in this many is checked.</summary>
    public const int CheckEvery = 20;

    private readonly Queue<TitleRequest> _asked = new();
    private readonly HashSet<long> _shownRendered = new();
    private readonly byte[] _scratch = new byte[renderer.FrameLength(0)];
    private byte[] _composite = [];
    private long _previous = long.MinValue, _prefetchedTo = long.MinValue;
    private long _shown, _rendered, _fromCache, _dropped, _late, _failed, _checked;

    /// <summary>
    /// The scheduler with the title renderer. A title job waits on the disk longer than it renders (the render cache makes
    /// every frame durable before it counts as cached), so there are more workers than cores.
    /// </summary>
    public static SchedulerOptions SchedulerOptions(TitleRenderer renderer) => new() { Workers = 6, Renderers = { renderer } };

    /// <summary>The layer, on unless <c>--title off</c> or a <c>--file</c> whose pixels it does not know.</summary>
    public static TitleLayer Create(IServiceProvider services, TitleRenderer renderer, PlaybackArguments arguments, RenderCacheFolder cache)
        => new(services.GetRequiredService<RenderService>(), renderer, arguments.Title && arguments.File is null, cache.Path,
            services.GetRequiredService<ILogger<TitleLayer>>());

    /// <summary>
    /// Renders (or finds) the first titles before the clock starts, as the player prerolls its first frame: this also
    /// opens the render cache, and the prefetch that follows the play head starts with a lead.
    /// </summary>
    public async Task PrerollAsync()
    {
        if (!enabled) return;
        var first = new Task<Frame>[Ahead];
        for (int t = 0; t < Ahead; t++) first[t] = renders.GetFrameAsync(renderer, t).AsTask();
        foreach (var frame in await Task.WhenAll(first)) frame.Dispose();
        _previous = 0;
        _prefetchedTo = Ahead - 1;
    }

    /// <summary>Asks for the title of clip frame <paramref name="time"/>, shown with the clip frame asked for with <paramref name="hints"/>.</summary>
    public void Ask(long time, FrameHints hints)
    {
        if (!enabled)
        {
            _asked.Enqueue(TitleRequest.None);
            return;
        }
        _asked.Enqueue(new TitleRequest(this, time, renders.GetFrameAsync(renderer, time, hints).AsTask()));
        PrefetchAhead(time, hints);
    }

    /// <summary>The title of the frame shown next (in the order asked); dispose it.</summary>
    public TitleRequest Next() => _asked.Count > 0 ? _asked.Dequeue() : TitleRequest.None;

    private void PrefetchAhead(long time, FrameHints hints)
    {
        long step = time - _previous;
        _previous = time;
        if (step is 0 or > 4 or < -4 || hints.Deadline is not { } due)
        {
            _prefetchedTo = time;
            return;
        }
        var interval = TimeSpan.FromSeconds(1.0 / renderer.Fps);
        for (long k = Math.Max(1, (_prefetchedTo - time) / step + 1); k <= Ahead; k++)
        {
            long ahead = time + step * k;
            if (ahead < 0) break;
            renders.Prefetch(renderer, ahead, hints with { Deadline = due + interval * k, Priority = FramePriority.Background });
            _prefetchedTo = ahead;
        }
    }

    private void Shown(long time, ReadOnlySpan<byte> clip, ReadOnlySpan<byte> title, PlaybackResult result)
    {
        if (_composite.Length != clip.Length) _composite = new byte[clip.Length];
        Compositor.Over(clip, title, renderer.Offset, _composite);
        if (renderer.Rendered(time) && _shownRendered.Add(time)) _rendered++;
        else _fromCache++;
        if (_shown++ % CheckEvery != 0) return;

        _checked++;
        renderer.Draw(time, _scratch);
        if (Compositor.Check(clip, _scratch, renderer.Offset, _composite, renderer.Width) is { } problem)
        {
            Interlocked.Increment(ref result.Bad);
            result.Problem($"title over frame {time}: {problem}");
            log.LogError("The title over frame {Frame} is composited wrong: {Problem}", time, problem);
        }
    }

    private void Missed(long time, Exception e, PlaybackResult result)
    {
        if (e is FrameDroppedException dropped)
        {
            _dropped++;
            log.LogDebug("Title {Frame} dropped: {Reason}", time, dropped.Reason);
            return;
        }
        _failed++;
        Interlocked.Increment(ref result.Failed);
        string error = e is VaultException v ? $"{v.Error}: {v.Message}" : e.Message;
        result.Problem($"title over frame {time}: {error}");
        log.LogError("Title {Frame} failed: {Error}", time, error);
    }

    /// <summary>What the layer saw, the render cache's counters and the scheduler's report.</summary>
    public async Task<string> ReportAsync()
    {
        if (!enabled) return "Titles: off\n";
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(c, $"Titles ({renderer.Id}): shown {_shown} (rendered in this run {_rendered}, served from the render cache {_fromCache}), ");
        sb.Append(c, $"dropped {_dropped}, late {_late} (clip shown alone), failed {_failed}; {_checked} composites checked pixel by pixel\n");
        var scheduler = await renders.GetStatisticsAsync();
        var cache = RenderCacheCounters.Read(scheduler.Vault);
        sb.Append(c, $"Render cache {cacheFolder}: hits {cache.Get("hits")}, misses {cache.Get("misses")}, commits {cache.Get("commits")}, ");
        sb.Append(c, $"damaged {cache.Get("damaged")}, evictions {cache.Get("evictions")}; {cache.Get("entries")} frames, {cache.Get("bytes") >> 20} MiB\n");
        sb.Append('\n').Append(scheduler.ToReport());
        return sb.ToString();
    }

    /// <summary>One title asked for beside a clip frame; disposing it gives back a frame nobody showed.</summary>
    internal sealed class TitleRequest : IDisposable
    {
        public static readonly TitleRequest None = new(null, 0, null);

        private readonly TitleLayer? _layer;
        private readonly long _time;
        private readonly Task<Frame>? _frame;
        private bool _taken;

        public TitleRequest(TitleLayer? layer, long time, Task<Frame>? frame)
        {
            _layer = layer;
            _time = time;
            _frame = frame;
        }

        /// <summary>Composites the title over <paramref name="clip"/> if it is there; the clip frame alone is shown otherwise.</summary>
        public async Task ShowOverAsync(Frame clip, PlaybackResult result)
        {
            if (_layer is null || _frame is null) return;
            if (!_frame.IsCompleted)
            {
                _layer._late++;
                return;
            }
            _taken = true;
            try
            {
                using var title = await _frame;
                _layer.Shown(_time, clip.Span, title.Span, result);
            }
            catch (VaultException e)
            {
                _layer.Missed(_time, e, result);
            }
        }

        public void Dispose()
        {
            if (_taken || _frame is null) return;
            _taken = true;
            _frame.ContinueWith(static t =>
            {
                if (t.IsCompletedSuccessfully) t.Result.Dispose();
                else _ = t.Exception;
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }
}

/// <summary>
/// The render cache's folder: <c>--render-cache PATH</c>, else a fresh temp folder for <c>--short</c> (CI renders every
/// title, and the folder goes at the end), else one temp folder that stays between runs, so that the second run is
/// served from the cache.
/// </summary>
internal sealed class RenderCacheFolder : IDisposable
{
    private readonly bool _temporary;

    private RenderCacheFolder(string path, bool temporary)
    {
        Path = path;
        _temporary = temporary;
    }

    public string Path { get; }

    /// <summary>The sample's render cache settings, to go ahead of the rest of the configuration; small, as it stays in the temp folder.</summary>
    public string Hocon => $"lumiera.vault.render-cache {{\n folder = {System.Text.Json.JsonSerializer.Serialize(Path)}\n max-bytes = 256 MiB\n segment-bytes = 16 MiB\n}}";

    public static RenderCacheFolder For(PlaybackArguments arguments)
        => arguments.RenderCache is { } path ? new(System.IO.Path.GetFullPath(path), false)
            : arguments.Short ? new(Directory.CreateTempSubdirectory("lumiera-playback-render-cache-").FullName, true)
            : new(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lumiera-playback-render-cache"), false);

    public void Dispose()
    {
        if (!_temporary) return;
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is the system's to clean.
        }
    }
}

/// <summary>The render cache's counters, read once from its instruments on the meter <c>LumieraVault</c>.</summary>
internal sealed class RenderCacheCounters
{
    private const string Prefix = "lumiera.vault.render-cache.";
    private readonly Dictionary<string, long> _values = new(StringComparer.Ordinal);

    public long Get(string name) => _values.GetValueOrDefault(name);

    public static RenderCacheCounters Read(string vault)
    {
        var counters = new RenderCacheCounters();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == VaultMetrics.MeterName && instrument.Name.StartsWith(Prefix, StringComparison.Ordinal)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "vault" && Equals(tag.Value, vault)) counters._values[instrument.Name[Prefix.Length..]] = value;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return counters;
    }
}
