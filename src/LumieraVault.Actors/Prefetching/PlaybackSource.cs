using LumieraVault.Files;
using LumieraVault.Rendering;

namespace LumieraVault.Prefetching;

/// <summary>
/// One layer of a timeline the prefetcher looks ahead in. Timeline frame <c>t</c> is frame <c>FirstFrame + t</c> of a
/// clip (a vault file with a frame layout), or the frame a renderer makes at time <c>TimeOf(t)</c>. Make it with
/// <see cref="Clip"/> or <see cref="Rendered"/>, and hand the layers of a timeline to <see cref="Prefetcher.WatchAsync"/>.
/// </summary>
public sealed class PlaybackSource
{
    private PlaybackSource()
    {
    }

    /// <summary>The clip's file; null for a rendered layer.</summary>
    public VaultFile? File { get; private init; }

    /// <summary>The clip's frame shown at timeline frame 0.</summary>
    public long FirstFrame { get; private init; }

    /// <summary>The renderer of a rendered layer; null for a clip.</summary>
    public IRenderer? Renderer { get; private init; }

    /// <summary>The renderer's time of a timeline frame; null means the timeline frame itself.</summary>
    public Func<long, long>? TimeOf { get; private init; }

    /// <summary>How many timeline frames the layer has; null means all the clip holds past <see cref="FirstFrame"/> (a rendered layer: no end).</summary>
    public long? Length { get; private init; }

    /// <summary>
    /// Frames of <paramref name="file"/>, which needs a frame layout (<see cref="FrameLayout.Fixed"/> or
    /// <see cref="FrameLayout.Table"/>): the prefetcher tells its actor which of them will be needed.
    /// </summary>
    public static PlaybackSource Clip(VaultFile file, long firstFrame = 0, long? length = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Layout is FrameLayout.ByteLayout)
            throw new VaultException(VaultError.InvalidArgument, $"'{file.Path}' has no frame layout; a clip to play needs one (FrameLayout.Fixed or Table).") { Path = file.Path };
        if (firstFrame < 0 || length < 0)
            throw new VaultException(VaultError.InvalidArgument, $"A clip's first frame and length cannot be negative (were {firstFrame}, {length}).") { Path = file.Path };
        return new PlaybackSource { File = file, FirstFrame = firstFrame, Length = length };
    }

    /// <summary>Frames <paramref name="renderer"/> makes: the prefetcher queues background render jobs for them, with the deadlines at which they will be shown.</summary>
    public static PlaybackSource Rendered(IRenderer renderer, long? length = null, Func<long, long>? timeOf = null)
    {
        ArgumentNullException.ThrowIfNull(renderer);
        if (length < 0) throw new VaultException(VaultError.InvalidArgument, $"A rendered layer's length cannot be negative (was {length}).");
        return new PlaybackSource { Renderer = renderer, Length = length, TimeOf = timeOf };
    }

    /// <summary>Timeline frames this layer has (<see cref="long.MaxValue"/> for no end).</summary>
    internal long Frames => Length ?? (File is { } f ? Math.Max(0, f.FrameCount - FirstFrame) : long.MaxValue);

    /// <summary>The renderer's time of timeline frame <paramref name="frame"/>.</summary>
    internal long RenderTime(long frame) => TimeOf is { } f ? f(frame) : frame;

    /// <summary>Where timeline frame <paramref name="frame"/> lies in the clip's file.</summary>
    internal bool TryLocate(long frame, out long offset, out int length)
    {
        offset = 0;
        length = 0;
        return File is { } f && frame >= 0 && frame < Frames && f.Layout.TryLocate(FirstFrame + frame, out offset, out length);
    }

    /// <summary>The timeline frame at a file offset the vault was asked for; false if it is no frame of this layer.</summary>
    internal bool TryFrameAt(long offset, out long frame)
    {
        frame = -1;
        switch (File?.Layout)
        {
            case FrameLayout.FixedLayout fixedLayout:
                long rel = offset - fixedLayout.HeaderBytes;
                if (rel < 0 || rel % fixedLayout.FrameSize != 0) return false;
                frame = rel / fixedLayout.FrameSize - FirstFrame;
                break;
            case FrameLayout.TableLayout table:
                _offsets ??= BuildIndex(table);
                if (!_offsets.TryGetValue(offset, out long n)) return false;
                frame = n - FirstFrame;
                break;
            default:
                return false;
        }
        return frame >= 0 && frame < Frames;
    }

    private Dictionary<long, long>? _offsets;

    private static Dictionary<long, long> BuildIndex(FrameLayout.TableLayout table)
    {
        var index = new Dictionary<long, long>(table.Frames.Count);
        for (int i = 0; i < table.Frames.Count; i++) index.TryAdd(table.Frames[i].Offset, i);
        return index;
    }
}
