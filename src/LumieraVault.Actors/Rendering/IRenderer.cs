namespace LumieraVault.Rendering;

/// <summary>
/// A render node the editor implements: it writes the bytes of a frame that exists in no file. The scheduler calls it
/// on a worker (a thread-pool thread), at most one call per frame at a time; it may ask for the frames it depends on
/// through <see cref="RenderContext.GetDependencyAsync(IRenderer, long, System.Threading.CancellationToken)"/>.
/// </summary>
public interface IRenderer
{
    /// <summary>
    /// The node's stable identity with its parameters (e.g. <c>"title:Hello:1920x1080"</c>): it names the renderer
    /// and goes into every frame key, so it must be the same in every run for the same output.
    /// </summary>
    string Id { get; }

    /// <summary>The length in bytes of the frame at <paramref name="time"/> (positive).</summary>
    int FrameLength(long time);

    /// <summary>Most frames one call of <see cref="RenderBatchAsync"/> takes; 1 means no batches.</summary>
    int MaxBatch => 1;

    /// <summary>Writes the frame <paramref name="context"/> names into <see cref="RenderContext.Target"/>.</summary>
    /// <param name="context">The frame to render and where to write it.</param>
    /// <param name="cancellation">Cancelled when the scheduler abandoned the job (time limit, shutdown).</param>
    ValueTask RenderAsync(RenderContext context, CancellationToken cancellation);

    /// <summary>
    /// Renders neighbouring frames of this node in one go (times ascending, or descending for backward play).
    /// The default renders them one after another.
    /// </summary>
    async ValueTask RenderBatchAsync(IReadOnlyList<RenderContext> batch, CancellationToken cancellation)
    {
        foreach (var context in batch) await RenderAsync(context, cancellation).ConfigureAwait(false);
    }
}
