using LumieraVault.Frames;

namespace LumieraVault.Rendering.Cache;

/// <summary>
/// Room in the render cache for one frame being rendered: write the frame's bytes into <see cref="Frame"/>, then
/// <see cref="RenderCache.CommitAsync"/> it, or <see cref="RenderCache.Abandon"/> it if the render failed. Exactly one
/// of the two, once. Until then the bytes are in no index: a crash leaves them unreferenced, never half-served.
/// </summary>
public sealed class RenderSlot
{
    private const int Open = 0, Closing = 1;
    private int _state;

    internal RenderSlot(RenderCache owner, FrameKey key, int length, Frame frame, Segment segment, long offset, long room, FrameHints hints)
    {
        Owner = owner;
        Key = key;
        Length = length;
        Frame = frame;
        Segment = segment;
        Offset = offset;
        Room = room;
        Hints = hints;
    }

    /// <summary>The key of the frame being rendered.</summary>
    public FrameKey Key { get; }

    /// <summary>The frame's length in bytes.</summary>
    public int Length { get; }

    /// <summary>The readwrite frame to render into. The cache disposes it on commit or abandon.</summary>
    public Frame Frame { get; }

    internal RenderCache Owner { get; }
    internal Segment Segment { get; }
    internal long Offset { get; }

    /// <summary>The bytes the slot takes in its segment (its length rounded up to the alignment).</summary>
    internal long Room { get; }

    internal FrameHints Hints { get; }

    /// <summary>Readonly frames of its bytes were handed out before the commit: its room is never reused.</summary>
    internal volatile bool Shared;

    /// <summary>True for the one caller that may commit or abandon the slot.</summary>
    internal bool TryClose() => Interlocked.CompareExchange(ref _state, Closing, Open) == Open;

    /// <inheritdoc />
    public override string ToString() => $"render slot {Key} ({Length} bytes in segment {Segment.Id} @{Offset})";
}
