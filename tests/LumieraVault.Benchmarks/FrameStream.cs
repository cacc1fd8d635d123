namespace LumieraVault.Benchmarks;

/// <summary>
/// The order in which a variant reads frames: back to back through the whole file, then from the start
/// again. Every variant of a comparison gets its own stream of the same shape, so all read the same frames
/// in the same order.
/// </summary>
public sealed class FrameStream(int frameSize, long fileSize)
{
    private long _offset;

    public int FrameSize { get; } = frameSize;

    public long Next()
    {
        long offset = _offset;
        long next = offset + FrameSize;
        _offset = next + FrameSize <= fileSize ? next : 0;
        return offset;
    }
}
