using LumieraVault.Frames;

namespace LumieraVault.Rendering;

/// <summary>
/// A registered renderer as the scheduler keeps it: what it read of the renderer once at registration (identity,
/// batch size), the prefix of its frame keys, and its recent render time, which the scheduler alone updates.
/// </summary>
internal sealed class RenderNode
{
    /// <summary>How many recent render times the estimate is the median of.</summary>
    private const int Samples = 5;

    private readonly byte[] _keyPrefix;
    private readonly long[] _recent = new long[Samples];
    private int _recorded;

    public RenderNode(IRenderer renderer)
    {
        Renderer = renderer;
        Id = renderer.Id;
        if (string.IsNullOrEmpty(Id))
            throw new VaultException(VaultError.InvalidArgument, $"A renderer ({renderer.GetType().Name}) needs a non-empty Id: it names its frames.");
        MaxBatch = Math.Max(1, renderer.MaxBatch);
        _keyPrefix = FrameKeyBuilder.NodePrefix(Id);
        Tag = new KeyValuePair<string, object?>("renderer", Id);
    }

    public IRenderer Renderer { get; }

    public string Id { get; }

    public int MaxBatch { get; }

    /// <summary>The metrics tag naming this renderer.</summary>
    public KeyValuePair<string, object?> Tag { get; }

    /// <summary>
    /// How long a frame takes the renderer itself (not the store): the median of the last few render times, leaving out
    /// the first render, which pays for cold starts (JIT, first page faults); zero until the second render. The
    /// scheduler uses it to tell whether a droppable job can still be ready by its deadline, so one outlier must not
    /// move it: an estimate too high drops every frame that follows, and a dropped frame gives no new sample.
    /// </summary>
    public TimeSpan Estimate { get; private set; }

    /// <summary>Whether <see cref="Estimate"/> is measured (from the second render on); a renderer that does nothing may measure zero.</summary>
    public bool HasEstimate => _recorded > 0;

    /// <summary>Frames rendered and their total time, for the statistics report.</summary>
    public long Rendered { get; private set; }

    public TimeSpan RenderTime { get; private set; }

    /// <summary>The frame's key: <c>FrameKey.For(Id).Time(time).Build()</c>.</summary>
    public FrameKey KeyAt(long time) => FrameKeyBuilder.KeyAt(_keyPrefix, time);

    public void Record(TimeSpan perFrame, int frames)
    {
        Rendered += frames;
        RenderTime += perFrame * frames;
        if (Rendered == frames) return; // the first render
        _recent[_recorded++ % Samples] = perFrame.Ticks;
        // A short median: a renderer whose cost changes (a heavier effect) is followed within a few frames, a single pause is not.
        Span<long> sorted = stackalloc long[Samples];
        int n = Math.Min(_recorded, Samples);
        _recent.AsSpan(0, n).CopyTo(sorted);
        sorted = sorted[..n];
        sorted.Sort();
        Estimate = TimeSpan.FromTicks(sorted[(n - 1) / 2]);
    }

    public override string ToString() => Id;
}
