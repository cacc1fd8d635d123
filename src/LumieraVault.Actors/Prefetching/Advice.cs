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
    /// the same window), then advises the frame's pages and gives the pin back. If there is no room it is simply dropped.
    /// </summary>
    public static FileMapProtocol.FrameRequest AheadRequest(VaultFile file, FrameSpan span, DateTimeOffset now)
    {
        var reply = new TaskCompletionSource<Frame>(TaskCreationOptions.RunContinuationsAsynchronously);
        reply.Task.ContinueWith(static t =>
        {
            if (!t.IsCompletedSuccessfully)
            {
                _ = t.Exception; // no room, or the file went: nothing to advise
                return;
            }
            using var frame = t.Result;
            Madvise(frame.Address, frame.Length, Libc.MadvWillNeed);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new FileMapProtocol.FrameRequest(file, span.Offset, span.Length, FrameAccess.ReadOnly, AheadHints, now, reply, Stopwatch.GetTimestamp(), Ahead: true);
    }

    /// <summary>Advises frames of windows the caller pinned, and unpins them. WILLNEED starts reads, so it runs on the thread pool.</summary>
    public static void Start(List<(Window Window, FrameSpan Span)> pinned, bool willNeed)
    {
        if (!willNeed)
        {
            Run(pinned, Libc.MadvDontNeed);
            return;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static p => Run(p, Libc.MadvWillNeed), pinned, preferLocal: false);
    }

    private static void Run(List<(Window Window, FrameSpan Span)> pinned, int advice)
    {
        foreach (var (window, span) in pinned)
        {
            try
            {
                Madvise(window.Address + (nint)(span.Offset - window.MapOffset), span.Length, advice);
            }
            finally
            {
                window.Unpin();
            }
        }
    }

    /// <summary>
    /// madvise on the pages a frame touches. A page a neighbour shares is included: DONTNEED on a shared file mapping
    /// only drops the page-table entries, and the next touch finds the page in the page cache again.
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
