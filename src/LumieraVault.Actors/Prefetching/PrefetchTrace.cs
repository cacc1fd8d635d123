using System.Diagnostics;

namespace LumieraVault.Prefetching;

/// <summary>What a trace entry records.</summary>
internal enum TraceKind : byte
{
    /// <summary>A frame was handed to the reader.</summary>
    Queued,
    /// <summary>The reader finished a frame (its pages are in, or the read failed or was skipped).</summary>
    Read,
}

/// <summary>One step of reading ahead: which bytes (file offset), when they are due, and when the reader took and finished them.</summary>
internal readonly record struct TraceEntry(TraceKind Kind, long Offset, long DueTicks, long Started, long Finished, bool Ready);

/// <summary>
/// A record of what the reader did and when, to tell a frame read too late from a player that woke too late. Off unless the
/// environment variable <c>LUMIERA_PREFETCH_TRACE</c> is <c>1</c> when the process starts; then each step costs a lock and
/// a store into a fixed ring (the last <see cref="Capacity"/> steps are kept). Timestamps are <see cref="Stopwatch"/> ones.
/// </summary>
internal static class PrefetchTrace
{
    public const int Capacity = 1 << 14;

    public static readonly bool Enabled = Environment.GetEnvironmentVariable("LUMIERA_PREFETCH_TRACE") == "1";

    private static readonly TraceEntry[] Ring = Enabled ? new TraceEntry[Capacity] : [];
    private static readonly object Gate = new();
    private static long _count;

    public static void Queued(long offset, long dueTicks)
    {
        if (Enabled) Write(new TraceEntry(TraceKind.Queued, offset, dueTicks, Stopwatch.GetTimestamp(), 0, false));
    }

    public static void Read(long offset, long dueTicks, long started, bool ready)
    {
        if (Enabled) Write(new TraceEntry(TraceKind.Read, offset, dueTicks, started, Stopwatch.GetTimestamp(), ready));
    }

    private static void Write(in TraceEntry entry)
    {
        lock (Gate) Ring[_count++ % Capacity] = entry;
    }

    /// <summary>The steps kept, oldest first, and forgets them.</summary>
    public static TraceEntry[] Take()
    {
        if (!Enabled) return [];
        lock (Gate)
        {
            long n = Math.Min(_count, Capacity);
            var entries = new TraceEntry[n];
            for (long i = 0; i < n; i++) entries[i] = Ring[(_count - n + i) % Capacity];
            _count = 0;
            return entries;
        }
    }
}
