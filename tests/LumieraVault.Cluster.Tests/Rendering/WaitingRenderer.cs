using LumieraVault.Rendering;

namespace LumieraVault.Cluster.Tests.Rendering;

/// <summary>
/// A renderer that waits rather than computes (<paramref name="delay"/> per frame) and writes a pattern that depends on
/// the frame's time, so that a frame from any node can be checked. Counts the renders it started.
/// </summary>
internal sealed class WaitingRenderer(string id, TimeSpan delay, string? failWith = null) : IRenderer
{
    public const int Length = 1024;

    private int _started;

    public string Id => id;

    public int Started => Volatile.Read(ref _started);

    public int FrameLength(long time) => Length;

    public async ValueTask RenderAsync(RenderContext context, CancellationToken cancellation)
    {
        Interlocked.Increment(ref _started);
        if (delay > TimeSpan.Zero) await Task.Delay(delay, cancellation).ConfigureAwait(false);
        if (failWith is not null) throw new InvalidOperationException(failWith);
        Fill(context.Target, context.Time);
    }

    public static void Fill(Span<byte> target, long time)
    {
        for (int i = 0; i < target.Length; i++) target[i] = (byte)(time * 31 + i);
    }

    public static bool IsFrame(ReadOnlySpan<byte> bytes, long time)
    {
        Span<byte> expected = stackalloc byte[Length];
        Fill(expected, time);
        return bytes.SequenceEqual(expected);
    }
}
