namespace LumieraVault.Audio.Editing;

/// <summary>
/// One version of a sequence: its runs and where each starts. Immutable, so the walker reads a version without a
/// lock while an edit builds the next; an edit costs one copy of the run array (O(runs), not O(samples)).
/// </summary>
internal sealed class SequenceState
{
    public static readonly SequenceState Empty = new([]);

    public SequenceState(Run[] runs)
    {
        Runs = runs;
        Starts = new long[runs.Length + 1];
        long at = 0;
        for (int i = 0; i < runs.Length; i++)
        {
            Starts[i] = at;
            at += runs[i].Length;
        }
        Starts[runs.Length] = at;
        Length = at;
    }

    public Run[] Runs { get; }

    /// <summary>Where each run starts; one more entry than runs, the last being <see cref="Length"/>.</summary>
    public long[] Starts { get; }

    public long Length { get; }

    /// <summary>The run that holds <paramref name="position"/> (a position below <see cref="Length"/>).</summary>
    public int RunAt(long position)
    {
        int i = Array.BinarySearch(Starts, 0, Runs.Length, position);
        return i >= 0 ? i : ~i - 1;
    }

    /// <summary>The runs that make up [start, start + length), cut to fit.</summary>
    public Run[] Slice(long start, long length)
    {
        if (length == 0) return [];
        var list = new List<Run>();
        long end = start + length;
        for (int i = RunAt(start); i < Runs.Length && Starts[i] < end; i++)
        {
            long from = Math.Max(start, Starts[i]) - Starts[i];
            long to = Math.Min(end, Starts[i + 1]) - Starts[i];
            list.Add(Runs[i].Slice(from, to - from));
        }
        return list.ToArray();
    }

    /// <summary>
    /// The version with [at, at + removeLength) replaced by <paramref name="insert"/>, and the runs that were there.
    /// Neighbouring runs that continue each other are joined, so undoing an edit gives back as few runs as before.
    /// </summary>
    public SequenceState Splice(long at, long removeLength, ReadOnlySpan<Run> insert, out Run[] removed)
    {
        removed = Slice(at, removeLength);
        long end = at + removeLength;
        var list = new List<Run>(Runs.Length + insert.Length + 2);
        int i = 0;
        for (; i < Runs.Length && Starts[i + 1] <= at; i++) list.Add(Runs[i]);
        if (i < Runs.Length && Starts[i] < at) list.Add(Runs[i].Left(at - Starts[i]));
        foreach (var r in insert)
        {
            if (r.Length > 0) Add(list, r);
        }
        for (; i < Runs.Length && Starts[i + 1] <= end; i++) { }
        if (i < Runs.Length)
        {
            long skip = Math.Max(0, end - Starts[i]);
            Add(list, skip > 0 ? Runs[i].Right(skip) : Runs[i]);
            for (i++; i < Runs.Length; i++) list.Add(Runs[i]);
        }
        return new SequenceState(list.ToArray());
    }

    /// <summary>This version with <paramref name="run"/> at the end (joined to the last run when it continues it).</summary>
    public SequenceState Append(Run run)
    {
        if (Runs.Length > 0 && Runs[^1].Continues(run))
        {
            var runs = (Run[])Runs.Clone();
            runs[^1] = runs[^1] with { Length = runs[^1].Length + run.Length };
            return new SequenceState(runs);
        }
        var grown = new Run[Runs.Length + 1];
        Runs.CopyTo(grown, 0);
        grown[^1] = run;
        return new SequenceState(grown);
    }

    private static void Add(List<Run> list, Run run)
    {
        if (list.Count > 0 && list[^1].Continues(run)) list[^1] = list[^1] with { Length = list[^1].Length + run.Length };
        else list.Add(run);
    }
}
