using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using LumieraVault.Frames;
using LumieraVault.Rendering;
using LumieraVault.Statistics;

namespace LumieraVault.Samples.Playback;

/// <summary>
/// The rendered layer of the timeline: the title renderer and the render service that runs it. The player asks for the
/// title of each tick beside the clip's frame, with the same hints (the prefetcher queues titles ahead of the play head);
/// a title that is there in time goes over the clip frame (<see cref="Show"/>) into a picture of the layer's own, since
/// the clip frames are readonly vault frames. One composite in <see cref="CheckEvery"/> is checked pixel by pixel
/// against the title drawn afresh, which also checks that a title served from the render cache is the right one.
/// </summary>
internal sealed class TitleLayer(RenderService render, TitleRenderer renderer, string cacheFolder)
{
    /// <summary>One shown composite in this many is checked.</summary>
    public const int CheckEvery = 20;

    /// <summary>Titles rendered before the clock starts.</summary>
    public const int Preroll = 8;

    private readonly HashSet<long> _shownRendered = new();
    private readonly byte[] _fresh = new byte[renderer.FrameLength(0)];
    private byte[] _picture = [];
    private long _rendered, _fromCache, _checked;

    public RenderService Render => render;

    public TitleRenderer Renderer => renderer;

    /// <summary>
    /// The scheduler with the title renderer. A title job waits on the disk longer than it renders (the render cache makes
    /// every frame durable before it counts as cached), so there are more workers than cores.
    /// </summary>
    public static SchedulerOptions SchedulerOptions(TitleRenderer renderer) => new() { Workers = 6, Renderers = { renderer } };

    /// <summary>
    /// Renders (or finds) the titles from <paramref name="first"/> on before the clock starts, as the player prerolls its
    /// first frame: the first render also opens the render cache and pays for the renderer's first run, which would
    /// otherwise make the scheduler's estimate of a title's render time too long to meet any deadline for a while.
    /// </summary>
    public async Task PrerollAsync(long first)
    {
        var titles = new Task<Frame>[Preroll];
        for (int k = 0; k < Preroll; k++) titles[k] = render.GetFrameAsync(renderer, first + k).AsTask();
        foreach (var title in await Task.WhenAll(titles)) title.Dispose();
    }

    /// <summary>Composites the title of clip frame <paramref name="time"/> over the clip frame.</summary>
    public void Show(long time, ReadOnlySpan<byte> clip, ReadOnlySpan<byte> title, PlaybackResult result)
    {
        if (_picture.Length != clip.Length) _picture = new byte[clip.Length];
        Compositor.Over(clip, title, renderer.Offset, _picture);
        if (renderer.Rendered(time) && _shownRendered.Add(time)) _rendered++;
        else _fromCache++;
        if (result.TitlesShown++ % CheckEvery != 0) return;

        _checked++;
        renderer.Draw(time, _fresh);
        if (Compositor.Check(clip, _fresh, renderer.Offset, _picture, renderer.Width) is { } problem)
        {
            result.TitlesBad++;
            result.Problem($"title over frame {time}: {problem}");
        }
    }

    /// <summary>Where the titles came from, the render cache's counters and the scheduler's report.</summary>
    public async Task<string> ReportAsync()
    {
        var c = CultureInfo.InvariantCulture;
        var scheduler = await render.GetStatisticsAsync();
        var cache = RenderCacheCounters.Read(scheduler.Vault);
        var sb = new StringBuilder();
        sb.Append(c, $"Titles ({renderer.Id}): rendered in this run {_rendered}, served from the render cache {_fromCache}; {_checked} composites checked pixel by pixel\n");
        sb.Append(c, $"Render cache {cacheFolder}: hits {cache.Get("hits")}, misses {cache.Get("misses")}, commits {cache.Get("commits")}, ");
        sb.Append(c, $"damaged {cache.Get("damaged")}, evictions {cache.Get("evictions")}; {cache.Get("entries")} frames, {cache.Get("bytes") >> 20} MiB\n");
        sb.Append('\n').Append(scheduler.ToReport());
        return sb.ToString();
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
