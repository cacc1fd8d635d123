using LumieraVault.Audio.Editing;

namespace LumieraVault.Audio.Indexes;

/// <summary>
/// Writes a version's runs into its take's base index as events: the recorded form (<see cref="PageTable"/>).
/// Deterministic: the same runs over the same take give the same table.
/// </summary>
/// <remarks>
/// Runs are written in order. A run of the sequence's own take at gain 1 is played by the take's own entries where
/// it can be: the walk lands on its first block (at any sample) and steps through the rest, so a cut costs one
/// <see cref="PageEvent.Jump"/> where the walk would have gone on, as in the proposal. A run that ends inside a
/// block and is followed by more ends with a <see cref="PageEvent.Trim"/> on that block. Gain and fades are an
/// envelope event before the run; silence is an event; a run of another take is a <see cref="PageEvent.Splice"/>.
/// An event goes where the walk steps next (a free position of the take) or, when the walk got there through an
/// event, at the end of the table. A position is stepped onto at most once: when a run's blocks are taken already
/// (the take is played twice) the run is a Splice of the take itself.
/// </remarks>
internal sealed class PageTableEncoder
{
    private readonly BaseIndex _take;
    private readonly int _n, _shift, _spb;
    private int[] _entries;
    private int _count;
    private readonly bool[] _claimed;
    private readonly List<PageEvent> _events = new();
    private int _natural;   // the walk steps onto this position next (-1: it does not)
    private int _open = -1; // the event whose Next is the next thing written (-1: none)

    private PageTableEncoder(BaseIndex take, int takeEntries)
    {
        _take = take;
        _n = takeEntries;
        _shift = take.Shift;
        _spb = take.SamplesPerBlock;
        _entries = new int[takeEntries + 4];
        for (int p = 0; p < takeEntries; p++) _entries[p] = take[p];
        _count = takeEntries;
        _claimed = new bool[takeEntries];
    }

    /// <summary>The page table of <paramref name="runs"/>, over the first <paramref name="takeEntries"/> entries of <paramref name="take"/>.</summary>
    public static PageTable Encode(ReadOnlySpan<Run> runs, BaseIndex take, int takeEntries)
    {
        var e = new PageTableEncoder(take, takeEntries);
        long length = 0;
        for (int i = 0; i < runs.Length; i++)
        {
            e.Write(runs[i], last: i == runs.Length - 1);
            length += runs[i].Length;
        }
        return new PageTable(PageTable.Chunk(e._entries, e._count), e._count, takeEntries, e._spb, length, e._events.ToArray());
    }

    private void Write(Run run, bool last)
    {
        if (run.IsSilent)
        {
            Place(new PageEvent.Silence(0, run.Length, default));
            return;
        }
        if (run.Ramps is { } ramps)
            Place(new PageEvent.Fade(0, run.Length, run.Gain, ramps.Select(r => new FadeLine(r.Start - run.SourceStart, r.Length, r.From, r.To)).ToArray(), default));
        else if (run.Gain != 1f)
            Place(new PageEvent.Gain(0, run.Length, run.Gain, default));
        if (ReferenceEquals(run.Source, _take) && TryOwnBlocks(run.SourceStart, run.Length, last)) return;
        Place(new PageEvent.Splice(0, run.Source!.Owner, run.SourceStart, run.Length, default));
    }

    /// <summary>Plays take samples [start, start + length) by the take's own entries, if their positions are free.</summary>
    private bool TryOwnBlocks(long start, long length, bool last)
    {
        int first = (int)(start >> _shift), offset = (int)(start & (_spb - 1));
        long end = start + length;
        int lastBlock = (int)((end - 1) >> _shift);
        int endSample = (int)(end - ((long)lastBlock << _shift));
        // The walk stops at the sequence's end, so the last run needs no way out.
        bool naturalExit = !last && endSample == _spb && IsFree(lastBlock + 1);
        bool trim = !last && !naturalExit;
        if (lastBlock == first)
        {
            if (!trim)
            {
                Link(PageCursor.At(first, offset));
                if (!last) _natural = first + 1;
                return true;
            }
            if (!IsFree(first) && _natural != first) return false;
            PlaceAt(first, new PageEvent.Trim(0, offset, endSample, default));
            return true;
        }
        for (int p = first + 1; p <= lastBlock; p++)
        {
            if (!IsFree(p)) return false;
        }
        Link(PageCursor.At(first, offset));
        for (int p = first + 1; p < lastBlock; p++) Claim(p);
        if (trim) _open = SetEvent(lastBlock, new PageEvent.Trim(0, 0, endSample, default));
        else
        {
            Claim(lastBlock);
            if (!last) _natural = lastBlock + 1;
        }
        return true;
    }

    /// <summary>True when nothing is at <paramref name="p"/> and nothing will be: it may take an event or be stepped through.</summary>
    private bool IsFree(int p) => p != _natural && (p < _n ? !_claimed[p] : p == _count);

    private void Claim(int p)
    {
        if (p < _n)
        {
            _claimed[p] = true;
            return;
        }
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        _count++;
    }

    /// <summary>Puts <paramref name="e"/> at <paramref name="p"/>, keeping the entry that was there; returns its number.</summary>
    private int SetEvent(int p, PageEvent e)
    {
        int kept = p < _n ? _take[p] : PageTable.NoEntry;
        Claim(p);
        int k = _events.Count;
        _events.Add(e with { Replaced = kept });
        _entries[p] = PageTable.EventEntry(k);
        return k;
    }

    /// <summary>Makes the walk go on at <paramref name="target"/> from where the last write left it.</summary>
    private void Link(PageCursor target)
    {
        if (_natural >= 0)
        {
            int x = _natural;
            _natural = -1;
            if (target == PageCursor.At(x, 0) && x < _n) Claim(x);
            else SetEvent(x, new PageEvent.Jump(0, target));
        }
        else if (_open >= 0)
        {
            _events[_open] = _events[_open] with { Next = target };
            _open = -1;
        }
    }

    /// <summary>Puts <paramref name="e"/> where the walk steps next, or at the table's end; its Next is the next write.</summary>
    private void Place(PageEvent e)
    {
        if (_natural >= 0)
        {
            int p = _natural;
            _natural = -1;
            _open = SetEvent(p, e);
            return;
        }
        int at = _count;
        int k = SetEvent(at, e);
        Link(PageCursor.Step(at));
        _open = k;
    }

    /// <summary>Puts <paramref name="e"/> at position <paramref name="p"/> (free, or where the walk steps next) and sends the walk there.</summary>
    private void PlaceAt(int p, PageEvent e)
    {
        if (_natural == p)
        {
            _natural = -1;
            _open = SetEvent(p, e);
            return;
        }
        int k = SetEvent(p, e);
        Link(PageCursor.Step(p));
        _open = k;
    }
}
