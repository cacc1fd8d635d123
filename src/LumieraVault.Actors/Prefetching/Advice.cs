using System.Diagnostics;
using LumieraVault.Files;
using LumieraVault.Frames;
using LumieraVault.Mapping;
using LumieraVault.Native;
using Microsoft.Win32.SafeHandles;

namespace LumieraVault.Prefetching;

/// <summary>
/// A frame of a look-ahead as reading ahead sees it: when it will be shown (the reader reads the nearest first) and whether
/// its pages are in. One mark stands for the frame in every clip of its timeline: the prefetcher expects one read per
/// clip, and the frame is ready once each of them is done and none failed or was skipped.
/// </summary>
internal class ReadAheadMark
{
    private int _pending;
    private int _missed;

    /// <summary>When the frame will be shown (UTC ticks); the reader takes the smallest first.</summary>
    public long DueTicks { get; set; }

    /// <summary>One more read of the frame's pages to wait for.</summary>
    public void Expect() => Interlocked.Increment(ref _pending);

    /// <summary>A read expected is done: its pages are in (<paramref name="ready"/>), or it failed or was skipped.</summary>
    public void Done(bool ready)
    {
        if (!ready) Volatile.Write(ref _missed, 1);
        Interlocked.Decrement(ref _pending);
    }

    /// <summary>Every read expected is done, whatever came of it.</summary>
    public bool IsFinished => Volatile.Read(ref _pending) <= 0;

    /// <summary>Every read expected is done and the frame's pages are in.</summary>
    public bool IsReady => IsFinished && Volatile.Read(ref _missed) == 0;
}

/// <summary>
/// The system calls behind the prefetcher's advice, as a file's actor makes them: madvise on the pages of frames in
/// mapped windows, posix_fadvise on the file's pages in the page cache.
/// </summary>
internal static class Advice
{
    /// <summary>
    /// How many of the nearest frames the reader has the kernel read at once (madvise WILLNEED, which only starts the
    /// reads) while it waits for the nearest one's pages: the disk always has the next frames queued, and never a frame
    /// far ahead before a near one.
    /// </summary>
    public const int Depth = 4;

    /// <summary>A request of the file's own for a frame the prefetcher advised: droppable, below everything, and it waits for no room.</summary>
    private static readonly FrameHints AheadHints = new(null, true, FramePriority.Background, PlayAction.Unspecified);

    /// <summary>
    /// A request that maps the window of an advised frame through the ordinary miss path (merged with real requests for
    /// the same window), then has the frame's pages read and gives the pin back. If there is no room it is simply dropped.
    /// The answer hands the frame to the reader on the actor's own thread (no hop through the thread pool), so frames
    /// reach the reader in the order their windows were mapped. With <c>touch</c>, once the frame's pages are read, the reader
    /// also reads one byte of each (<see cref="TouchPages"/>).
    /// </summary>
    public static FileMapProtocol.FrameRequest AheadRequest(VaultFile file, FrameSpan span, DateTimeOffset now, CancellationToken stale, ReadAheadMark? mark, bool touch)
    {
        var reply = new TaskCompletionSource<Frame>();
        reply.Task.ContinueWith(static (t, state) =>
        {
            var (token, mark, touch) = ((CancellationToken, ReadAheadMark?, bool))state!;
            if (!t.IsCompletedSuccessfully)
            {
                _ = t.Exception; // no room, or the file went: nothing to read ahead
                mark?.Done(false);
                return;
            }
            Add(new ReadAhead(null, t.Result, default, token, mark, touch));
        }, (stale, mark, touch), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new FileMapProtocol.FrameRequest(file, span.Offset, span.Length, FrameAccess.ReadOnly, AheadHints, now, reply, Stopwatch.GetTimestamp(), Ahead: true);
    }

    /// <summary>
    /// Advises frames of windows the caller pinned, and unpins them (the reader does, for WILLNEED). With <c>touch</c>, for WILLNEED,
    /// once a frame's pages are read the reader also reads one byte of each (<see cref="TouchPages"/>).
    /// </summary>
    public static void Start(List<(Window Window, FrameSpan Span, ReadAheadMark? Mark)> pinned, bool willNeed, CancellationToken stale, bool touch)
    {
        foreach (var (window, span, mark) in pinned)
        {
            if (willNeed)
            {
                Add(new ReadAhead(window, default, span, stale, mark, touch));
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
    private sealed class ReadAhead(Window? window, Frame frame, FrameSpan span, CancellationToken stale, ReadAheadMark? mark, bool touch)
    {
        public readonly ReadAheadMark? Mark = mark;
        public readonly CancellationToken Stale = stale;

        /// <summary>The frame's place in its file (read before the frame is given back).</summary>
        public readonly long Offset = window is not null ? span.Offset : frame.Offset;

        /// <summary>When it is shown (UTC ticks); a frame advised without a mark counts as due when it was queued.</summary>
        public long Due;

        /// <summary>Order of arrival, to break ties.</summary>
        public long Seq;

        /// <summary>Its pages were asked of the kernel (WILLNEED) while a nearer frame was read.</summary>
        public bool Started;

        private nint Address => window is { } w ? w.Address + (nint)(span.Offset - w.MapOffset) : frame.Address;

        private long Length => window is not null ? span.Length : frame.Length;

        /// <summary>Has the kernel start reading the pages, without waiting for them.</summary>
        public void Begin()
        {
            if (Stale.IsCancellationRequested) return;
            Madvise(Address, Length, Libc.MadvWillNeed);
        }

        public void Run()
        {
            bool ready = false;
            try
            {
                if (Stale.IsCancellationRequested) return;
                if (!Started) Madvise(Address, Length, Libc.MadvWillNeed);
                // Fault the pages in here, so the player's first touch finds them in its page tables, not on disk.
                ready = Madvise(Address, Length, Libc.MadvPopulateRead);
                // Then touch each page once, so the player's first touch of it costs no more than any later one.
                if (ready && touch && !Stale.IsCancellationRequested) _touched ^= TouchPages(Address, Length);
            }
            finally
            {
                window?.Unpin();
                frame.Dispose();
                Mark?.Done(ready);
            }
        }
    }

    private sealed class NearestFirst : IComparer<ReadAhead>
    {
        public static readonly NearestFirst Instance = new();

        public int Compare(ReadAhead? a, ReadAhead? b)
        {
            int c = a!.Due.CompareTo(b!.Due);
            return c != 0 ? c : a.Seq.CompareTo(b.Seq);
        }
    }

    private static readonly object Gate = new();

    /// <summary>What <see cref="TouchPages"/> read, kept so the reads stay.</summary>
    private static int _touched;

    /// <summary>The frames waiting to be read, nearest due first (the order of play, whatever order they were mapped in).</summary>
    private static readonly SortedSet<ReadAhead> Queue = new(NearestFirst.Instance);

    private static long _seq;

    /// <summary>
    /// One thread per process reads ahead, nearest frame first: reading is blocking work, which would starve the thread
    /// pool the actors run on, and one reader keeps the disk on the frames needed next.
    /// </summary>
    private static readonly Thread Reader = StartReader();

    private static void Add(ReadAhead item)
    {
        item.Due = item.Mark?.DueTicks ?? DateTime.UtcNow.Ticks;
        lock (Gate)
        {
            item.Seq = ++_seq;
            Queue.Add(item);
            if (Queue.Count == 1) Monitor.Pulse(Gate);
        }
        PrefetchTrace.Queued(item.Offset, item.Due);
    }

    private static Thread StartReader()
    {
        var thread = new Thread(ReadLoop) { IsBackground = true, Name = "lumiera-vault-read-ahead" };
        thread.Start();
        return thread;
    }

    private static void ReadLoop()
    {
        var begin = new List<ReadAhead>(Depth);
        while (true)
        {
            ReadAhead next;
            begin.Clear();
            lock (Gate)
            {
                while (Queue.Count == 0) Monitor.Wait(Gate);
                next = Queue.Min!;
                Queue.Remove(next);
                foreach (var later in Queue)
                {
                    if (begin.Count == Depth - 1) break;
                    if (!later.Started)
                    {
                        later.Started = true;
                        begin.Add(later);
                    }
                }
            }
            try
            {
                if (!next.Started && !next.Stale.IsCancellationRequested)
                {
                    next.Started = true;
                    next.Begin();
                }
                foreach (var later in begin) later.Begin();
                long started = Stopwatch.GetTimestamp();
                next.Run();
                PrefetchTrace.Read(next.Offset, next.Due, started, next.Mark?.IsReady ?? true);
            }
            catch (Exception)
            {
                // Advice is a hint: nothing a frame of it does may stop the reader.
            }
        }
    }

    /// <summary>
    /// madvise on the pages a frame touches. A page a neighbour shares is included: DONTNEED on a shared file mapping
    /// only drops the page-table entries, and the next touch finds the page in the page cache again. POPULATE_READ on a
    /// page a truncation took away fails with an error code, where a touch would raise SIGBUS.
    /// </summary>
    /// <returns>Whether the call succeeded.</returns>
    private static bool Madvise(nint address, long length, int advice)
    {
        nint start = address & ~(nint)(SystemLimits.PageSize - 1);
        nint end = (nint)SystemLimits.AlignUp(address + length);
        // Advice is a hint: an error (the window going away is not possible under a pin) changes nothing that matters.
        return Libc.Madvise(start, (nuint)(end - start), advice) == 0;
    }

    /// <summary>
    /// Reads one byte of every page of [<paramref name="address"/>, + <paramref name="length"/>): the first byte of the range,
    /// the first byte of each page after, and the last byte. MADV_POPULATE_READ fills the process's page tables, but a host that
    /// keeps page tables of its own for a virtual machine (shadow paging, as in PVM guests) fills its entry for a page only when
    /// the page is first accessed, through that very mapping: a trap to the hypervisor of about 2 microseconds a page on the
    /// machine of docs/benchmarks.md, 1.8 to 2.6 ms for a 3.5 MiB frame, which the player's touch paid. Reading one byte a page
    /// pays it here, on the read-ahead thread; it brings one cache line of every page (1.6% of the frame) into the cache, not
    /// the frame. On bare metal it costs one cache miss a page. The caller must hold the pages: pinned and read, in a window
    /// that the SIGBUS guard covers (a page a truncation takes away in between then reads as zeros).
    /// </summary>
    /// <returns>The bytes read, folded (so the reads cannot be dropped).</returns>
    internal static unsafe int TouchPages(nint address, long length)
    {
        if (length <= 0) return 0;
        byte* p = (byte*)address;
        byte* end = p + length;
        int page = SystemLimits.PageSize;
        int folded = *p;
        for (byte* q = (byte*)(((nint)p + page) & ~(nint)(page - 1)); q < end; q += page) folded ^= Volatile.Read(ref *q);
        return folded ^ *(end - 1);
    }

    /// <summary>posix_fadvise on each frame's bytes through the file's handle.</summary>
    public static void Fadvise(SafeFileHandle handle, IReadOnlyList<FrameSpan> frames, int advice)
    {
        int fd = (int)handle.DangerousGetHandle();
        foreach (var span in frames) _ = Libc.PosixFadvise(fd, span.Offset, span.Length, advice);
    }
}
