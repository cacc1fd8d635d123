using LumieraVault.Frames;

namespace LumieraVault.Rendering;

/// <summary>
/// A registered renderer as the scheduler keeps it: what it read of the renderer once at registration (identity,
/// batch size), the prefix of its frame keys, and its recent render time, which the scheduler alone updates.
/// </summary>
internal sealed class RenderNode
{
    private readonly byte[] _keyPrefix;

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
    /// A running average of how long a frame took (Stopwatch-free: a TimeSpan); zero until the first render. The
    /// scheduler uses it to tell whether a droppable job can still be ready by its deadline.
    /// </summary>
    public TimeSpan Estimate { get; private set; }

    /// <summary>Frames rendered and their total time, for the statistics report.</summary>
    public long Rendered { get; private set; }

    public TimeSpan RenderTime { get; private set; }

    /// <summary>The frame's key: <c>FrameKey.For(Id).Time(time).Build()</c>.</summary>
    public FrameKey KeyAt(long time) => FrameKeyBuilder.KeyAt(_keyPrefix, time);

    public void Record(TimeSpan perFrame, int frames)
    {
        Rendered += frames;
        RenderTime += perFrame * frames;
        // Weighted towards the recent past: a renderer whose cost changes (a heavier effect) is followed within a few frames.
        Estimate = Estimate == TimeSpan.Zero ? perFrame : (Estimate * 3 + perFrame) / 4;
    }

    public override string ToString() => Id;
}
