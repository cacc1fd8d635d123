using LumieraVault.Audio.Editing;

namespace LumieraVault.Audio.Indexes;

/// <summary>
/// Walks a <see cref="PageTable"/> once, as the proposal's processor would, and writes down what it plays as runs:
/// the decoded form the walker renders from. Throws <see cref="InvalidDataException"/> for a table that cannot be
/// walked (a loop, a walk past the table's end, a splice outside its source).
/// </summary>
internal sealed class PageTableDecoder
{
    private readonly PageTable _table;
    private readonly BaseIndex _take;
    private readonly List<Run> _runs = new();
    private readonly List<Envelope> _envelopes = new();
    private long _produced;

    private sealed class Envelope(long start, long remaining, float factor, IReadOnlyList<FadeLine>? lines)
    {
        public long Start { get; } = start;
        public long Remaining { get; set; } = remaining;
        public float Factor { get; } = factor;
        public IReadOnlyList<FadeLine>? Lines { get; } = lines;
    }

    private PageTableDecoder(PageTable table, BaseIndex take)
    {
        _table = table;
        _take = take;
    }

    /// <summary>The runs <paramref name="table"/> plays over <paramref name="take"/>; <paramref name="takes"/> finds a splice's source by sequence id.</summary>
    public static SequenceState Decode(PageTable table, BaseIndex take, Func<int, BaseIndex?> takes)
    {
        var d = new PageTableDecoder(table, take);
        d.Walk(takes);
        return new SequenceState(d._runs.ToArray());
    }

    private void Walk(Func<int, BaseIndex?> takes)
    {
        int spb = _table.SamplesPerEntry;
        if (spb != _take.SamplesPerBlock) throw new InvalidDataException($"its page table has {spb} samples per entry, its take {_take.SamplesPerBlock}");
        long limit = _table.Count + 2L * _table.Events.Count + 2, steps = 0;
        var at = PageCursor.Step(0);
        while (_produced < _table.Length)
        {
            if (++steps > limit) throw new InvalidDataException("its page table loops");
            int p = at.Entry;
            if (!at.Steps)
            {
                if ((uint)p >= (uint)_table.TakeEntries || at.Sample >= spb)
                    throw new InvalidDataException($"its page table resumes at {at}, outside its take of {_table.TakeEntries} entries");
                Emit(_take, ((long)p << _take.Shift) + at.Sample, spb - at.Sample);
                at = PageCursor.Step(p + 1);
                continue;
            }
            if ((uint)p >= (uint)_table.Count) throw new InvalidDataException($"the walk of its page table runs past position {_table.Count} after {_produced} of {_table.Length} samples");
            int entry = _table[p];
            if (!PageTable.IsEvent(entry))
            {
                Emit(_take, (long)p << _take.Shift, spb);
                at = PageCursor.Step(p + 1);
                continue;
            }
            var e = _table.Events[PageTable.EventNumber(entry)];
            switch (e)
            {
                case PageEvent.Jump:
                    break;
                case PageEvent.Trim t:
                    if (t.From < 0 || t.From > t.To || t.To > spb || p >= _table.TakeEntries) throw new InvalidDataException($"the trim at position {p} of its page table is out of range");
                    Emit(_take, ((long)p << _take.Shift) + t.From, t.To - t.From);
                    break;
                case PageEvent.Splice s:
                    var source = takes(s.Source);
                    if (source is null || source.Format != _take.Format || s.Start < 0 || s.Length < 0 || s.Start > source.SampleCount - s.Length)
                        throw new InvalidDataException($"the splice at position {p} of its page table names samples {s.Start}+{s.Length} of sequence #{s.Source}, which it does not have");
                    Emit(source, s.Start, s.Length);
                    break;
                case PageEvent.Silence z:
                    if (z.Length < 0) throw new InvalidDataException($"the silence at position {p} of its page table is {z.Length} samples long");
                    Emit(null, 0, z.Length);
                    break;
                case PageEvent.Gain g:
                    Push(p, g.Span, g.Factor, null);
                    break;
                case PageEvent.Fade f:
                    Push(p, f.Span, f.Factor, f.Lines);
                    break;
            }
            at = e.Next;
        }
    }

    private void Push(int p, long span, float factor, IReadOnlyList<FadeLine>? lines)
    {
        if (span <= 0) throw new InvalidDataException($"the envelope at position {p} of its page table spans {span} samples");
        _envelopes.Add(new Envelope(_produced, span, factor, lines));
    }

    /// <summary>Adds what the walk played, cut to the table's length and at the envelopes' ends.</summary>
    private void Emit(BaseIndex? source, long start, long length)
    {
        length = Math.Min(length, _table.Length - _produced);
        while (length > 0)
        {
            long chunk = length;
            foreach (var v in _envelopes) chunk = Math.Min(chunk, v.Remaining);
            Run run;
            if (source is null) run = Run.Silent(chunk);
            else
            {
                float gain = 1f;
                List<Ramp>? ramps = null;
                foreach (var v in _envelopes)
                {
                    gain *= v.Factor;
                    // Ramps are fixed to the take: the span's sample 0 lies at take position start - (produced - span start).
                    long origin = start - (_produced - v.Start);
                    foreach (var line in v.Lines ?? [])
                        (ramps ??= new()).Add(new Ramp(origin + line.Offset, line.Length, line.From, line.To));
                }
                run = new Run(source, start, chunk, gain, ramps?.ToArray());
            }
            if (_runs.Count > 0 && _runs[^1].Continues(run)) _runs[^1] = _runs[^1] with { Length = _runs[^1].Length + chunk };
            else _runs.Add(run);
            _produced += chunk;
            start += chunk;
            length -= chunk;
            foreach (var v in _envelopes) v.Remaining -= chunk;
            _envelopes.RemoveAll(v => v.Remaining == 0);
        }
    }
}
