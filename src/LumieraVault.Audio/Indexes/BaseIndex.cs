using LumieraVault.Audio.Blocks;

namespace LumieraVault.Audio.Indexes;

/// <summary>
/// A base index: the stream of 32-bit entries of one take, in index groups of 256k entries (1 MiB each, allocated
/// as the take grows). An entry of 0 or more is a block number; a negative entry names an event
/// (<see cref="AudioLayout.SilentBlockEntry"/>: a block of silence that takes no storage). Entries are only ever
/// appended: a published entry never changes, so every edit of every sequence can point into the index, and many
/// sequences share its blocks. Sample position p of the take lies in entry p >> shift at sample p &amp; mask.
/// One writer appends; readers on any thread see the entries below <see cref="Count"/>.
/// </summary>
internal sealed class BaseIndex
{
    private readonly BlockTable _blocks;
    private volatile int[][] _groups = [];
    private long _count;
    private volatile SampleSummary[] _coarse = new SampleSummary[16];
    private long _coarseCount;

    public BaseIndex(int owner, SampleFormat format, BlockTable blocks)
    {
        Owner = owner;
        Format = format;
        _blocks = blocks;
        Shift = format.BlockShift();
        SamplesPerBlock = format.SamplesPerBlock();
        EntriesPerCoarse = AudioLayout.CoarseSummarySamples / SamplesPerBlock;
    }

    /// <summary>The id of the sequence whose take this is.</summary>
    public int Owner { get; }

    public SampleFormat Format { get; }

    public int Shift { get; }

    public int SamplesPerBlock { get; }

    public int EntriesPerCoarse { get; }

    /// <summary>Entries published.</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>Samples the published entries hold.</summary>
    public long SampleCount => Count << Shift;

    public int this[long entry] => _groups[entry >> AudioLayout.IndexGroupShift][entry & (AudioLayout.IndexGroupEntries - 1)];

    /// <summary>The index groups, for the walker's inner loop (read <see cref="Count"/> first).</summary>
    public int[][] Groups => _groups;

    public void Append(int entry)
    {
        long n = _count;
        if (n >= int.MaxValue) throw new AudioException(AudioError.OutOfRange, "A base index holds at most 2^31 entries.");
        int g = (int)(n >> AudioLayout.IndexGroupShift);
        var groups = _groups;
        if (g == groups.Length)
        {
            var grown = new int[g + 1][];
            groups.CopyTo(grown, 0);
            grown[g] = new int[AudioLayout.IndexGroupEntries];
            _groups = groups = grown;
        }
        groups[g][n & (AudioLayout.IndexGroupEntries - 1)] = entry;
        Volatile.Write(ref _count, n + 1);
        if ((n + 1) % EntriesPerCoarse == 0) AddCoarse(n + 1 - EntriesPerCoarse);
    }

    /// <summary>The fine summary (256 samples) that starts at sample <paramref name="position"/> (a multiple of 256).</summary>
    public SampleSummary Fine(long position)
    {
        int entry = this[position >> Shift];
        if (entry < 0) return SampleSummary.Silence(AudioLayout.FineSummarySamples);
        return _blocks.FineSummary(entry, (int)((position & (SamplesPerBlock - 1)) >> 8));
    }

    /// <summary>The coarse summary (65,536 samples) that starts at <paramref name="position"/>, if it is complete.</summary>
    public bool TryCoarse(long position, out SampleSummary summary)
    {
        long k = position / AudioLayout.CoarseSummarySamples;
        if (k < Volatile.Read(ref _coarseCount))
        {
            summary = _coarse[k];
            return true;
        }
        summary = default;
        return false;
    }

    private void AddCoarse(long firstEntry)
    {
        var s = SampleSummary.Empty;
        for (long e = firstEntry; e < firstEntry + EntriesPerCoarse; e++)
        {
            int entry = this[e];
            if (entry < 0) s = s.Combine(SampleSummary.Silence(SamplesPerBlock));
            else s = s.Combine(_blocks[entry >> AudioLayout.GroupShift]!.BlockSummary(entry & (AudioLayout.BlocksPerGroup - 1)));
        }
        long k = _coarseCount;
        var coarse = _coarse;
        if (k == coarse.Length)
        {
            var grown = new SampleSummary[coarse.Length * 2];
            coarse.CopyTo(grown, 0);
            _coarse = coarse = grown;
        }
        coarse[k] = s;
        Volatile.Write(ref _coarseCount, k + 1);
    }
}
