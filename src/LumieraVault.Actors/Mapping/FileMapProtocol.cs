using LumieraVault.Files;
using LumieraVault.Frames;
using LumieraVault.Prefetching;

namespace LumieraVault.Mapping;

/// <summary>Messages to a file's actor. Replies go to the completion each message carries, exactly once.</summary>
internal static class FileMapProtocol
{
    /// <summary>A frame request that missed the fast path, with its hints and the absolute deadline derived from them.</summary>
    /// <remarks><paramref name="Ahead"/>: made by the file's actor for prefetcher advice, not by a caller: not counted in the vault's statistics.</remarks>
    public sealed record FrameRequest(VaultFile File, long Offset, int Length, FrameAccess Access, FrameHints Hints, DateTimeOffset Deadline,
        TaskCompletionSource<Frame> Reply, long StartedAt, bool Ahead = false) : ILocalMessage;

    /// <summary>
    /// The prefetcher's advice on frames of the file: they will be needed soon (<paramref name="WillNeed"/>: map their windows within
    /// the budget and <c>madvise(MADV_WILLNEED)</c> their pages), or they are done with (<c>madvise(MADV_DONTNEED)</c>, and
    /// <c>posix_fadvise(POSIX_FADV_DONTNEED)</c> too when <paramref name="DropPageCache"/>). Frames in play order, nearest first;
    /// reading ahead stops for frames whose look-ahead was superseded (<paramref name="Stale"/> cancelled). <paramref name="Marks"/>,
    /// when given, has one mark per frame: when it is shown (the reader reads the nearest first) and, once read, whether it is in.
    /// <paramref name="TouchPages"/>: once a frame's pages are read, the reader also reads one byte of each (prefetch.touch-pages).
    /// </summary>
    public sealed record Advise(IReadOnlyList<FrameSpan> Frames, bool WillNeed, bool DropPageCache = false, CancellationToken Stale = default,
        IReadOnlyList<ReadAheadMark>? Marks = null, bool TouchPages = false) : ILocalMessage;

    /// <summary>Make every write to the file durable (msync and fsync).</summary>
    public sealed record Flush(TaskCompletionSource<bool> Reply) : ILocalMessage;

    /// <summary>The last opener closed the file: flush, retire the windows, stop.</summary>
    public sealed record Close(TaskCompletionSource<bool> Reply) : ILocalMessage;

    /// <summary>
    /// Periodic look at the file's size and identity, also sent when inotify reports the file touched. One that reaches a
    /// file actor already stopped (the file was closed, then deleted) has nothing to check and is not logged as a dead letter.
    /// </summary>
    public sealed record CheckForChange : ILocalMessage, Akka.Event.IDeadLetterSuppression
    {
        public static readonly CheckForChange Instance = new();
    }
}

/// <summary>A frame's bytes in its file.</summary>
internal readonly record struct FrameSpan(long Offset, int Length);
