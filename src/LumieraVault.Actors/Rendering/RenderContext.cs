using LumieraVault.Frames;

namespace LumieraVault.Rendering;

/// <summary>
/// What a renderer gets for one frame: which frame, where to write it, and a way to ask for the frames it is made
/// from. <see cref="Target"/> is the bytes of a readwrite frame of the render store; it may be written only until the
/// render call returns (it throws afterwards).
/// </summary>
public sealed class RenderContext
{
    private readonly RenderService _service;
    private readonly RenderJob _job;
    private Frame _target;
    private volatile bool _open = true;

    internal RenderContext(RenderService service, RenderJob job, Frame target)
    {
        _service = service;
        _job = job;
        _target = target;
    }

    /// <summary>The renderer asked to render the frame.</summary>
    public IRenderer Renderer => _job.Node.Renderer;

    /// <summary>The frame's time.</summary>
    public long Time => _job.Time;

    /// <summary>The frame's key.</summary>
    public FrameKey Key => _job.Key;

    /// <summary>The frame's length in bytes (what <see cref="IRenderer.FrameLength"/> said).</summary>
    public int Length => _target.Length;

    /// <summary>Where to write the frame: all <see cref="Length"/> bytes.</summary>
    public Span<byte> Target
    {
        get
        {
            if (!_open) throw new InvalidOperationException($"The render of {_job} is over: its target may no longer be written.");
            return _target.WritableSpan;
        }
    }

    /// <summary>
    /// A frame this one is made from, rendered first if it is not cached (recursively), as a readonly frame the caller
    /// disposes. A frame that depends on itself through its dependencies fails with <see cref="VaultError.RenderCycle"/>.
    /// </summary>
    public ValueTask<Frame> GetDependencyAsync(IRenderer renderer, long time, CancellationToken cancellation = default)
        => _service.RequestDependency(_service.NodeOf(renderer), time, _job, cancellation);

    /// <summary>The same, naming a registered renderer by its <see cref="IRenderer.Id"/>.</summary>
    public ValueTask<Frame> GetDependencyAsync(string rendererId, long time, CancellationToken cancellation = default)
        => _service.RequestDependency(_service.NodeOf(rendererId), time, _job, cancellation);

    internal void Close() => _open = false;

    internal Frame Frame => _target;
}
