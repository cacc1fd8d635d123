using LumieraVault.Files;
using LumieraVault.Frames;

namespace LumieraVault.Mapping;

/// <summary>Messages to a file's actor. Replies go to the completion each message carries, exactly once.</summary>
internal static class FileMapProtocol
{
    /// <summary>A frame request that missed the fast path, with its hints and the absolute deadline derived from them.</summary>
    public sealed record FrameRequest(VaultFile File, long Offset, int Length, FrameAccess Access, FrameHints Hints, DateTimeOffset Deadline,
        TaskCompletionSource<Frame> Reply, long StartedAt);

    /// <summary>Make every write to the file durable (msync and fsync).</summary>
    public sealed record Flush(TaskCompletionSource<bool> Reply);

    /// <summary>The last opener closed the file: flush, retire the windows, stop.</summary>
    public sealed record Close(TaskCompletionSource<bool> Reply);

    /// <summary>Periodic look at the file's size and identity.</summary>
    public sealed record CheckForChange
    {
        public static readonly CheckForChange Instance = new();
    }
}
