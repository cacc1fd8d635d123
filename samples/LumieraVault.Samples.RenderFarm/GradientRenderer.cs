using LumieraVault.Rendering;

namespace LumieraVault.Samples.RenderFarm;

/// <summary>
/// The sample's render node: a small RGBA frame of a moving gradient. It waits a little per frame as a heavier
/// effect would (the machine may have two cores only), then draws; every node draws the same bytes for the same time,
/// so the host checks each frame it gets back against its own drawing.
/// </summary>
internal sealed class GradientRenderer(TimeSpan cost) : IRenderer
{
    public const int Width = 160;
    public const int Height = 90;
    public const int Length = Width * Height * 4;

    private int _rendered;

    public string Id => $"gradient:{Width}x{Height}";

    /// <summary>Frames this node's renderer drew.</summary>
    public int Rendered => Volatile.Read(ref _rendered);

    public int FrameLength(long time) => Length;

    public async ValueTask RenderAsync(RenderContext context, CancellationToken cancellation)
    {
        await Task.Delay(cost, cancellation).ConfigureAwait(false);
        Draw(context.Target, context.Time);
        Interlocked.Increment(ref _rendered);
    }

    public static void Draw(Span<byte> target, long time)
    {
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                int i = (y * Width + x) * 4;
                target[i] = (byte)(x + time * 3);
                target[i + 1] = (byte)(y * 2 + time);
                target[i + 2] = (byte)(x ^ y);
                target[i + 3] = 255;
            }
        }
    }
}
