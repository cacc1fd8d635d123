using System.Runtime.CompilerServices;
using LumieraVault.Frames;

namespace LumieraVault.Prefetching;

/// <summary>What a tap entry records.</summary>
internal enum TapKind : byte
{
    /// <summary>A request served on the fast path: the frame was ready when asked.</summary>
    Hit,
    /// <summary>A request that went to the file's actor: the frame was not ready when asked.</summary>
    Miss,
    /// <summary>A miss answered with the frame.</summary>
    Ready,
    /// <summary>A miss answered "dropped".</summary>
    Dropped,
    /// <summary>A miss answered with a failure.</summary>
    Failed,
    /// <summary>The program said where it is (<see cref="Playback.Report"/>), for layers the vault does not serve.</summary>
    Report,
}

/// <summary>One observation of a watched timeline; <see cref="Where"/> is a file offset, or a timeline frame for reports.</summary>
internal struct TapEntry
{
    public long Seq;
    public long Where;
    /// <summary>The hint's deadline (UTC ticks), 0 when the request had none.</summary>
    public long Deadline;
    /// <summary>When the request was made (scheduler clock, UTC ticks); 0 for hits, which do not read the clock.</summary>
    public long Asked;
    /// <summary>When a miss was answered (scheduler clock, UTC ticks).</summary>
    public long Answered;
    public float Speed;
    public short Layer;
    public TapKind Kind;
    public PlayAction Action;
}

/// <summary>
/// The observations of one watched timeline, written by whichever thread asks for its frames and drained by the
/// prefetcher on its tick: a ring of fixed entries, so recording a fast-path hit costs one atomic increment and a few
/// stores, no lock and no allocation, and never a message. Each entry carries its sequence number, written last;
/// the reader takes an entry only if the number is the one it expects before and after copying it, so an entry
/// that a lapping writer overwrote is counted lost rather than read torn.
/// </summary>
internal sealed class PlayTap
{
    private readonly TapEntry[] _ring;
    private readonly int _mask;
    private long _head;
    private long _tail;

    public PlayTap(int capacity, Func<DateTimeOffset> now)
    {
        int n = 1;
        while (n < capacity) n <<= 1;
        _ring = new TapEntry[n];
        _mask = n - 1;
        for (int i = 0; i < n; i++) _ring[i].Seq = long.MinValue;
        Now = now;
    }

    /// <summary>The clock of the actor system (virtual in tests): misses read it, hits do not.</summary>
    public Func<DateTimeOffset> Now { get; }

    /// <summary>Entries overwritten before the prefetcher read them.</summary>
    public long Lost { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(short layer, TapKind kind, long where, in FrameHints hints, long asked, long answered)
    {
        long i = Interlocked.Increment(ref _head) - 1;
        ref var e = ref _ring[i & _mask];
        Volatile.Write(ref e.Seq, ~i);
        e.Where = where;
        e.Deadline = hints.Deadline is { } d ? d.UtcTicks : 0;
        e.Asked = asked;
        e.Answered = answered;
        e.Speed = hints.Speed;
        e.Layer = layer;
        e.Kind = kind;
        e.Action = hints.Action;
        Volatile.Write(ref e.Seq, i);
    }

    /// <summary>Entries claimed so far.</summary>
    public long Written => Volatile.Read(ref _head);

    /// <summary>Whether exactly <paramref name="count"/> entries were claimed and every one of them is written (for specs to wait on).</summary>
    public bool HasWritten(long count)
        => Written == count && (count == 0 || Volatile.Read(ref _ring[(count - 1) & _mask].Seq) == count - 1 && AllWritten(count));

    private bool AllWritten(long count)
    {
        for (long i = Math.Max(0, count - _ring.Length); i < count; i++)
        {
            if (Volatile.Read(ref _ring[i & _mask].Seq) < 0) return false;
        }
        return true;
    }

    /// <summary>Copies the entries written since the last drain into <paramref name="into"/>, in the order they were claimed.</summary>
    public void Drain(List<TapEntry> into)
    {
        long head = Volatile.Read(ref _head);
        if (head - _tail > _ring.Length)
        {
            Lost += head - _tail - _ring.Length;
            _tail = head - _ring.Length;
        }
        while (_tail < head)
        {
            ref var e = ref _ring[_tail & _mask];
            long seq = Volatile.Read(ref e.Seq);
            if (seq != _tail)
            {
                // A later writer owns the slot (lapped): this entry is gone. Otherwise its writer has claimed it and not
                // finished (or not started): read it on the next drain.
                if (seq > _tail || seq < 0 && seq != long.MinValue && ~seq > _tail)
                {
                    Lost++;
                    _tail++;
                    continue;
                }
                break;
            }
            var copy = e;
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref e.Seq) == _tail) into.Add(copy);
            else Lost++;
            _tail++;
        }
    }
}

/// <summary>
/// The tap of one file layer of a watched timeline, hung on the file (<c>VaultFile.Tap</c>) so that the vault's
/// request paths record into it without looking anything up.
/// </summary>
internal sealed class FileTap(PlayTap tap, short layer)
{
    public PlayTap Tap { get; } = tap;

    public short Layer { get; } = layer;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Hit(long offset, in FrameHints hints) => Tap.Write(Layer, TapKind.Hit, offset, in hints, 0, 0);

    /// <summary>A miss: recorded now, and again when the file's actor answers it (the answer's time and kind).</summary>
    public void Miss(long offset, in FrameHints hints, DateTimeOffset asked, Task<Frame> reply)
    {
        Tap.Write(Layer, TapKind.Miss, offset, in hints, asked.UtcTicks, 0);
        reply.ContinueWith(static (t, state) => ((MissWatch)state!).Answered(t), new MissWatch(this, offset, hints, asked.UtcTicks),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private sealed class MissWatch(FileTap tap, long offset, FrameHints hints, long asked)
    {
        public void Answered(Task<Frame> t)
        {
            var kind = t.IsCompletedSuccessfully ? TapKind.Ready
                : t.Exception?.InnerException is FrameDroppedException ? TapKind.Dropped
                : TapKind.Failed;
            tap.Tap.Write(tap.Layer, kind, offset, in hints, asked, tap.Tap.Now().UtcTicks);
        }
    }
}
