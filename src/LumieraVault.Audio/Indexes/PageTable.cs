using System.Collections;

namespace LumieraVault.Audio.Indexes;

/// <summary>
/// The recorded form of one version of a sequence, as the page-tabled layout has it: the sequence's base index with
/// edits written into it. Position p of the first <see cref="TakeEntries"/> positions lines up with entry p of the
/// take; an entry of 0 or more is that block, -1 a silent block, and <c>-(k + 2)</c> names event k of
/// <see cref="Events"/>, which keeps the entry it replaced. Positions from <see cref="TakeEntries"/> on hold only
/// events: the table grows there when an event has no free place in the take (a take with no entries, or a region
/// played twice). Entries are kept in index groups of 256k.
/// </summary>
/// <remarks>
/// The walk: start by stepping onto position 0; a block entry plays whole (clipped to <see cref="Length"/>) and the
/// walk steps onto the next position; an event fires and the walk goes on at its <see cref="PageEvent.Next"/>.
/// It stops after <see cref="Length"/> samples (so the last event's Next, never followed, is 0:0). Each position
/// is stepped onto at most once, so the walk ends.
/// </remarks>
public sealed class PageTable
{
    /// <summary>What an event past the take's end keeps: that position had no entry.</summary>
    public const int NoEntry = int.MinValue;

    private readonly int[][] _groups;

    internal PageTable(int[][] groups, int count, int takeEntries, int samplesPerEntry, long length, PageEvent[] events)
    {
        _groups = groups;
        Count = count;
        TakeEntries = takeEntries;
        SamplesPerEntry = samplesPerEntry;
        Length = length;
        Events = events;
        Entries = new EntryList(this);
    }

    /// <summary>Samples the walk plays.</summary>
    public long Length { get; }

    /// <summary>Positions in the table.</summary>
    public int Count { get; }

    /// <summary>Positions that line up with the take's base index (the rest hold events only).</summary>
    public int TakeEntries { get; }

    /// <summary>Samples in the block an entry names (512 float32, 1024 int16).</summary>
    public int SamplesPerEntry { get; }

    /// <summary>The entries, position by position.</summary>
    public IReadOnlyList<int> Entries { get; }

    /// <summary>The events the negative entries name.</summary>
    public IReadOnlyList<PageEvent> Events { get; }

    /// <summary>The entry at <paramref name="position"/>.</summary>
    public int this[int position] => (uint)position < (uint)Count
        ? _groups[position >> AudioLayout.IndexGroupShift][position & (AudioLayout.IndexGroupEntries - 1)]
        : throw new AudioException(AudioError.OutOfRange, $"The page table has {Count} positions; there is no position {position}.");

    /// <summary>The entry that names event <paramref name="k"/>.</summary>
    public static int EventEntry(int k) => -(k + 2);

    /// <summary>True when <paramref name="entry"/> names an event (-1 is a silent block, not an event of the table).</summary>
    public static bool IsEvent(int entry) => entry <= -2;

    /// <summary>The event an entry names.</summary>
    public static int EventNumber(int entry) => -(entry + 2);

    /// <summary>The event at <paramref name="position"/>, or null when a block entry is there.</summary>
    public PageEvent? EventAt(int position)
    {
        int entry = this[position];
        return IsEvent(entry) ? Events[EventNumber(entry)] : null;
    }

    /// <summary>The plain base index: the take's positions with every event's kept entry put back in its place.</summary>
    public int[] KeptEntries()
    {
        var kept = new int[TakeEntries];
        for (int p = 0; p < kept.Length; p++)
        {
            int entry = this[p];
            kept[p] = IsEvent(entry) ? Events[EventNumber(entry)].Replaced : entry;
        }
        return kept;
    }

    /// <inheritdoc />
    public override string ToString() => $"page table: {Count} positions ({TakeEntries} of the take), {Events.Count} events, {Length} samples";

    internal static int[][] Chunk(int[] flat, int count)
    {
        var groups = new int[(count + AudioLayout.IndexGroupEntries - 1) >> AudioLayout.IndexGroupShift][];
        for (int g = 0; g < groups.Length; g++)
        {
            int from = g << AudioLayout.IndexGroupShift;
            groups[g] = flat.AsSpan(from, Math.Min(AudioLayout.IndexGroupEntries, count - from)).ToArray();
        }
        return groups;
    }

    // ---------------------------------------------------------------- binary form (the manifest's)

    private enum Tag : byte { Jump, Splice, Silence, Gain, Fade, Trim }

    internal void WriteTo(BinaryWriter w)
    {
        w.Write(Length);
        w.Write(TakeEntries);
        w.Write(Count);
        foreach (var group in _groups) w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(group.AsSpan()));
        w.Write(Events.Count);
        foreach (var e in Events)
        {
            w.Write((byte)(e switch
            {
                PageEvent.Jump => Tag.Jump,
                PageEvent.Splice => Tag.Splice,
                PageEvent.Silence => Tag.Silence,
                PageEvent.Gain => Tag.Gain,
                PageEvent.Fade => Tag.Fade,
                _ => Tag.Trim,
            }));
            w.Write(e.Replaced);
            w.Write(e.Next.Entry);
            w.Write(e.Next.Sample);
            switch (e)
            {
                case PageEvent.Splice s:
                    w.Write(s.Source);
                    w.Write(s.Start);
                    w.Write(s.Length);
                    break;
                case PageEvent.Silence s:
                    w.Write(s.Length);
                    break;
                case PageEvent.Gain g:
                    w.Write(g.Span);
                    w.Write(g.Factor);
                    break;
                case PageEvent.Fade f:
                    w.Write(f.Span);
                    w.Write(f.Factor);
                    w.Write(f.Lines.Count);
                    foreach (var line in f.Lines)
                    {
                        w.Write(line.Offset);
                        w.Write(line.Length);
                        w.Write(line.From);
                        w.Write(line.To);
                    }
                    break;
                case PageEvent.Trim t:
                    w.Write(t.From);
                    w.Write(t.To);
                    break;
            }
        }
    }

    /// <summary>Reads a table written by <see cref="WriteTo"/>; throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
    internal static PageTable ReadFrom(BinaryReader r, int samplesPerEntry)
    {
        long length = r.ReadInt64();
        int takeEntries = r.ReadInt32(), count = r.ReadInt32();
        if (length < 0 || takeEntries < 0 || count < takeEntries) throw new InvalidDataException($"its page table has {count} positions, {takeEntries} of the take, {length} samples");
        var groups = new int[(count + AudioLayout.IndexGroupEntries - 1) >> AudioLayout.IndexGroupShift][];
        for (int g = 0; g < groups.Length; g++)
        {
            groups[g] = new int[Math.Min(AudioLayout.IndexGroupEntries, count - (g << AudioLayout.IndexGroupShift))];
            r.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(groups[g].AsSpan()));
        }
        int eventCount = r.ReadInt32();
        if (eventCount < 0) throw new InvalidDataException($"its page table has {eventCount} events");
        var events = new PageEvent[eventCount];
        for (int k = 0; k < eventCount; k++)
        {
            byte tag = r.ReadByte();
            int replaced = r.ReadInt32();
            var next = new PageCursor(r.ReadInt32(), r.ReadInt32());
            events[k] = (Tag)tag switch
            {
                Tag.Jump => new PageEvent.Jump(replaced, next),
                Tag.Splice => new PageEvent.Splice(replaced, r.ReadInt32(), r.ReadInt64(), r.ReadInt64(), next),
                Tag.Silence => new PageEvent.Silence(replaced, r.ReadInt64(), next),
                Tag.Gain => new PageEvent.Gain(replaced, r.ReadInt64(), r.ReadSingle(), next),
                Tag.Fade => ReadFade(r, replaced, next),
                Tag.Trim => new PageEvent.Trim(replaced, r.ReadInt32(), r.ReadInt32(), next),
                _ => throw new InvalidDataException($"event {k} of its page table has the unknown kind {tag}"),
            };
        }
        var table = new PageTable(groups, count, takeEntries, samplesPerEntry, length, events);
        for (int p = 0; p < count; p++)
        {
            int entry = table[p];
            if (IsEvent(entry))
            {
                int k = EventNumber(entry);
                if (k >= eventCount) throw new InvalidDataException($"position {p} of its page table names event {k} of {eventCount}");
                int kept = events[k].Replaced;
                if (p < takeEntries ? kept < AudioLayout.SilentBlockEntry : kept != NoEntry)
                    throw new InvalidDataException($"the event at position {p} of its page table keeps entry {kept}");
            }
            else if (p >= takeEntries) throw new InvalidDataException($"position {p} of its page table, past its take, holds entry {entry} instead of an event");
        }
        return table;
    }

    private static PageEvent.Fade ReadFade(BinaryReader r, int replaced, PageCursor next)
    {
        long span = r.ReadInt64();
        float factor = r.ReadSingle();
        int n = r.ReadInt32();
        if (n < 0 || n > 1 << 20) throw new InvalidDataException($"a fade event of its page table has {n} lines");
        var lines = new FadeLine[n];
        for (int i = 0; i < n; i++) lines[i] = new FadeLine(r.ReadInt64(), r.ReadInt64(), r.ReadSingle(), r.ReadSingle());
        return new PageEvent.Fade(replaced, span, factor, lines, next);
    }

    private sealed class EntryList(PageTable table) : IReadOnlyList<int>
    {
        public int this[int index] => table[index];

        public int Count => table.Count;

        public IEnumerator<int> GetEnumerator()
        {
            for (int p = 0; p < table.Count; p++) yield return table[p];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
