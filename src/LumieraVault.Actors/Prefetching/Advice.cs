using System.Collections.Concurrent;
using System.Diagnostics;
using LumieraVault.Files;
using LumieraVault.Frames;
using LumieraVault.Mapping;
using LumieraVault.Native;
using Microsoft.Win32.SafeHandles;

namespace LumieraVault.Prefetching;

/// <summary>
/// The system calls behind the prefetcher's advice, as a file's actor makes them: madvise on the pages of frames in
/// mapped windows, posix_fadvise on the file's pages in the page cache.
/// </summary>
internal static class Advice
{
    /// <summary>A request of the file's own for a frame the prefetcher advised: droppable, below everything, and it waits for no room.</summary>
    private static readonly FrameHints AheadHints = new(null, true, FramePriority.Background, PlayAction.Unspecified);

    /// <summary>
    /// A request that maps the window of an advised frame through the ordinary miss path (merged with real requests for
    /// the same window), then has the frame's pages read and gives the pin back. If there is no room it is simply dropped.
    /// </summary>
    public static FileMapProtocol.FrameRequest AheadRequest(VaultFile file, FrameSpan span, DateTimeOffset now, CancellationToken stale)
    {
        var reply = new TaskCompletionSource<Frame>(TaskCreationOptions.RunContinuationsAsynchronously);
        reply.Task.ContinueWith(static (t, token) =>
        {
            if (!t.IsCompletedSuccessfully)
            {
                _ = t.Exception; // no room, or the file went: nothing to advise
                return;
            }
            var frame = t.Result;
            Reader.Add(new ReadAhead(null, frame, default, (CancellationToken)token!));
        }, stale, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new FileMapProtocol.FrameRequest(file, span.Offset, span.Length, FrameAccess.ReadOnly, AheadHints, now, reply, Stopwatch.GetTimestamp(), Ahead: true);
    }

    /// <summary>Advises frames of windows the caller pinned, and unpins them (the reader does, for WILLNEED).</summary>
    public static void Start(List<(Window Window, FrameSpan Span)> pinned, bool willNeed, CancellationToken stale)
    {
        foreach (var (window, span) in pinned)
        {
            if (willNeed)
            {
                Reader.Add(new ReadAhead(window, default, span, stale));
                continue;
            }
            try
            {
                Madvise(window.Address + (nint)(span.Offset - window.MapOffset), span.Length, Libc.MadvDontNeed);
            }
            finally
            {
                window.Unpin();
            }
        }
    }

    /// <summary>A frame to read ahead, pinned by its window pin or by a frame; skipped (only unpinned) once its look-ahead is stale.</summary>
    private readonly record struct ReadAhead(Window? Window, Frame Frame, FrameSpan Span, CancellationToken Stale)
    {
        public void Run()
        {
            try
            {
                if (Stale.IsCancellationRequested) return;
                nint address = Window is { } w ? w.Address + (nint)(Span.Offset - w.MapOffset) : Frame.Address;
                long length = Window is not null ? Span.Length : Frame.Length;
                Madvise(address, length, Libc.MadvWillNeed);
                // Fault the pages in here, so the player's first touch finds them in its page tables, not on disk.
                Madvise(address, length, Libc.MadvPopulateRead);
            }
            finally
            {
                Window?.Unpin();
                Frame.Dispose();
            }
        }
    }

    /// <summary>
    /// One thread per process reads ahead, in the order the frames were advised (nearest first): reading is blocking work,
    /// which would starve the thread pool the actors run on, and one reader keeps the disk on the frame needed next.
    /// </summary>
    private static readonly BlockingCollection<ReadAhead> Reader = StartReader();

    private static BlockingCollection<ReadAhead> StartReader()
    {
        var queue = new BlockingCollection<ReadAhead>();
        var thread = new Thread(() =>
        {
            foreach (var item in queue.GetConsumingEnumerable()) item.Run();
        })
        {
            IsBackground = true,
            Name = "lumiera-vault-read-ahead",
        };
        thread.Start();
        return queue;
    }

    /// <summary>
    /// madvise on the pages a frame touches. A page a neighbour shares is included: DONTNEED on a shared file mapping
    /// only drops the page-table entries, and the next touch finds the page in the page cache again. POPULATE_READ on a
    /// page a truncation took away fails with an error code, where a touch would raise SIGBUS.
    /// </summary>
    private static void Madvise(nint address, long length, int advice)
    {
        nint start = address & ~(nint)(SystemLimits.PageSize - 1);
        nint end = (nint)SystemLimits.AlignUp(address + length);
        // Advice is a hint: an error (the window going away is not possible under a pin) changes nothing that matters.
        _ = Libc.Madvise(start, (nuint)(end - start), advice);
    }

    /// <summary>posix_fadvise on each frame's bytes through the file's handle.</summary>
    public static void Fadvise(SafeFileHandle handle, IReadOnlyList<FrameSpan> frames, int advice)
    {
        int fd = (int)handle.DangerousGetHandle();
        foreach (var span in frames) _ = Libc.PosixFadvise(fd, span.Offset, span.Length, advice);
    }
}
