using System.Buffers;
using System.Runtime.InteropServices;
using LumieraVault.Audio.Blocks;
using LumieraVault.Audio.Editing;
using LumieraVault.Audio.Indexes;
using LumieraVault.Audio.Walking;

namespace LumieraVault.Audio;

/// <summary>
/// One channel of audio in the store: a take (its own base index, appended to while recording or importing) and
/// the sequence made of runs of takes and silence that the edits built. Edits only replace runs; each keeps the
/// runs it replaced, so undo and redo swap them back without touching a sample. The runs are the decoded form of
/// the version; its recorded form, the one the store saves, is the take's base index with the edits in it as
/// events (<see cref="GetPageTable"/>).
/// </summary>
/// <remarks>
/// Thread safety: edits, undo and redo may come from any thread (they are serialized); one append at a time.
/// Walkers read the current version without a lock on their own threads. A failed request throws
/// <see cref="AudioException"/> and changes nothing.
/// </remarks>
public sealed class SampleSequence
{
    private readonly object _gate = new();
    private readonly SemaphoreSlim _appendGate = new(1, 1);
    private readonly List<AppliedEdit> _done = new();
    private readonly List<AppliedEdit> _undone = new();
    private volatile SequenceState _state = SequenceState.Empty;

    // The writer: the block being filled, the group lent to it, and the sealed take samples not yet published.
    // Blocks are staged in a group-sized buffer at their slot's offset and written with pwrite (see Write).
    private readonly bool _staging16;
    private byte[]? _staging;
    private int _pendingCount;
    private int _lastValid;
    private GroupLease? _lease;
    private readonly List<int> _madeGroups = new(); // groups made for this append, until it finishes
    private long _unpublishedFrom = -1, _unpublishedTo;
    private readonly List<Run> _unpublished = new();

    internal SampleSequence(SampleStore store, int id, string name, SampleFormat format, int sampleRate)
    {
        Store = store;
        SampleRate = sampleRate;
        Id = id;
        Name = name;
        Format = format;
        Take = new BaseIndex(id, format, store.Blocks);
        _staging16 = format == SampleFormat.Int16;
    }

    /// <summary>The store the sequence lives in.</summary>
    public SampleStore Store { get; }

    /// <summary>The sequence's id in its store: what a <see cref="SequenceEdit.Paste"/> names as its source.</summary>
    public int Id { get; }

    /// <summary>The sequence's name, unique in its store.</summary>
    public string Name { get; }

    /// <summary>The format of the sequence's blocks; pastes need sources of the same format.</summary>
    public SampleFormat Format { get; }

    /// <summary>Samples per second, as given when the sequence was made (kept, not used by the store).</summary>
    public int SampleRate { get; }

    /// <summary>Samples in the sequence now (appended samples count once their block is sealed).</summary>
    public long Length => _state.Length;

    /// <summary>Runs (pieces of takes and silence) the sequence is made of now: the cost of walking it, in index look-ups.</summary>
    public int RunCount => _state.Runs.Length;

    /// <summary>Entries in the sequence's own base index (blocks appended to its take).</summary>
    public long BaseIndexCount => Take.Count;

    /// <summary>The edits done, oldest first (undone edits are not in it).</summary>
    public IReadOnlyList<SequenceEdit> History
    {
        get
        {
            lock (_gate) return _done.Select(a => a.Edit).ToArray();
        }
    }

    /// <summary>True when there is an edit to undo.</summary>
    public bool CanUndo
    {
        get { lock (_gate) return _done.Count > 0; }
    }

    /// <summary>True when there is an undone edit to redo.</summary>
    public bool CanRedo
    {
        get { lock (_gate) return _undone.Count > 0; }
    }

    internal BaseIndex Take { get; }

    internal bool IsRemoved { get; private set; }

    internal void MarkRemoved()
    {
        lock (_gate)
        {
            IsRemoved = true;
            _state = SequenceState.Empty;
            _done.Clear();
            _undone.Clear();
        }
    }

    /// <summary>True if the current version or any edit in the history points into <paramref name="take"/>.</summary>
    internal bool Uses(BaseIndex take)
    {
        lock (_gate)
        {
            static bool In(Run[] runs, BaseIndex t) => runs.Any(r => ReferenceEquals(r.Source, t));
            return In(_state.Runs, take) || _done.Concat(_undone).Any(a => In(a.Removed, take) || In(a.Inserted, take));
        }
    }

    private void ThrowIfRemoved()
    {
        Store.ThrowIfClosed();
        if (IsRemoved) throw new AudioException(AudioError.UnknownSequence, $"'{Name}' was removed from its store.");
    }

    internal SequenceState State => _state;

    /// <summary>Entry <paramref name="entry"/> of the sequence's base index: a block number, or a negative event.</summary>
    public int GetBaseEntry(long entry)
    {
        if ((ulong)entry >= (ulong)Take.Count)
            throw new AudioException(AudioError.OutOfRange, $"The base index of '{Name}' has {Take.Count} entries; there is no entry {entry}.");
        return Take[entry];
    }

    /// <summary>
    /// The current version in its recorded form: the sequence's base index with the edits written into it as
    /// events (negative entries), each keeping the entry it replaced. This is what the store saves; the runs the
    /// walker plays are decoded from it when the store opens.
    /// </summary>
    public PageTable GetPageTable()
    {
        ThrowIfRemoved();
        return EncodePageTable();
    }

    /// <summary>The page table of the current version (of no entries for a removed sequence).</summary>
    internal PageTable EncodePageTable()
    {
        // The version first: every entry its runs name was published before it, so the count read after covers them.
        var state = _state;
        int count = IsRemoved ? 0 : (int)Take.Count;
        return PageTableEncoder.Encode(state.Runs, Take, count);
    }

    // ---------------------------------------------------------------- edits

    /// <summary>Applies <paramref name="edit"/> and records it for undo; a pending redo is forgotten.</summary>
    public void Apply(SequenceEdit edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        ThrowIfRemoved();
        lock (_gate)
        {
            var state = _state;
            var (at, removeLength, insert) = Plan(state, edit);
            var next = state.Splice(at, removeLength, insert, out var removed);
            var applied = new AppliedEdit(edit, at, removed, insert, removeLength, next.Length - state.Length + removeLength);
            _done.Add(applied);
            int limit = Store.Settings.HistoryLimit;
            if (limit > 0 && _done.Count > limit) _done.RemoveRange(0, _done.Count - limit);
            _undone.Clear();
            _state = next;
        }
    }

    /// <summary>Undoes the last edit done; returns it.</summary>
    public SequenceEdit Undo()
    {
        lock (_gate)
        {
            if (_done.Count == 0) throw new AudioException(AudioError.NothingToUndo, $"'{Name}' has no edit to undo.");
            var a = _done[^1];
            _done.RemoveAt(_done.Count - 1);
            _state = _state.Splice(a.At, a.InsertedLength, a.Removed, out _);
            _undone.Add(a);
            return a.Edit;
        }
    }

    /// <summary>Does the last undone edit again; returns it.</summary>
    public SequenceEdit Redo()
    {
        lock (_gate)
        {
            if (_undone.Count == 0) throw new AudioException(AudioError.NothingToRedo, $"'{Name}' has no undone edit to redo.");
            var a = _undone[^1];
            _undone.RemoveAt(_undone.Count - 1);
            _state = _state.Splice(a.At, a.RemovedLength, a.Inserted, out _);
            _done.Add(a);
            return a.Edit;
        }
    }

    /// <summary>Where an edit splices, what it removes and what it puts there; checks everything first.</summary>
    private (long At, long RemoveLength, Run[] Insert) Plan(SequenceState state, SequenceEdit edit)
    {
        switch (edit)
        {
            case SequenceEdit.Cut c:
                CheckRange(state, c.Start, c.Length);
                return (c.Start, c.Length, []);
            case SequenceEdit.Trim t:
                CheckRange(state, t.Start, t.Length);
                return (0, state.Length, state.Slice(t.Start, t.Length));
            case SequenceEdit.InsertSilence s:
                CheckLength(s.Length);
                CheckPosition(state, s.At);
                return (s.At, 0, s.Length > 0 ? [Run.Silent(s.Length)] : []);
            case SequenceEdit.Silence s:
                CheckRange(state, s.Start, s.Length);
                return (s.Start, s.Length, s.Length > 0 ? [Run.Silent(s.Length)] : []);
            case SequenceEdit.Gain g:
                CheckRange(state, g.Start, g.Length);
                CheckFinite(g.Factor, nameof(g.Factor));
                return (g.Start, g.Length, state.Slice(g.Start, g.Length).Select(r => r.IsSilent ? r : r with { Gain = r.Gain * g.Factor }).ToArray());
            case SequenceEdit.Fade f:
                CheckRange(state, f.Start, f.Length);
                CheckFinite(f.From, nameof(f.From));
                CheckFinite(f.To, nameof(f.To));
                return (f.Start, f.Length, FadeRuns(state, f));
            case SequenceEdit.Paste p:
                CheckPosition(state, p.At);
                var source = Store.GetSequence(p.Source);
                if (source.Format != Format)
                    throw new AudioException(AudioError.FormatMismatch, $"Cannot paste {source.Format} samples of '{source.Name}' into {Format} sequence '{Name}'.");
                var sourceState = ReferenceEquals(source, this) ? state : source._state;
                CheckRange(sourceState, p.SourceStart, p.Length, source.Name);
                return (p.At, 0, sourceState.Slice(p.SourceStart, p.Length));
            default:
                throw new AudioException(AudioError.InvalidArgument, $"Unknown edit {edit.GetType().Name}.");
        }
    }

    private static Run[] FadeRuns(SequenceState state, SequenceEdit.Fade f)
    {
        var runs = state.Slice(f.Start, f.Length);
        long at = 0;
        for (int i = 0; i < runs.Length; i++)
        {
            var r = runs[i];
            if (!r.IsSilent)
            {
                // Fixed to the take: fade sample k lies at take position SourceStart - at + k of this run.
                var ramp = new Ramp(r.SourceStart - at, f.Length, f.From, f.To);
                runs[i] = r with { Ramps = r.Ramps is null ? [ramp] : [.. r.Ramps, ramp] };
            }
            at += r.Length;
        }
        return runs;
    }

    private void CheckRange(SequenceState state, long start, long length, string? name = null)
    {
        CheckLength(length);
        if (start < 0 || start > state.Length - length)
            throw new AudioException(AudioError.OutOfRange,
                $"Out of range: samples {start}..{start + length} are not all in '{name ?? Name}' ({state.Length} samples).");
    }

    private void CheckPosition(SequenceState state, long at)
    {
        if (at < 0 || at > state.Length)
            throw new AudioException(AudioError.OutOfRange, $"Out of range: position {at} is not in '{Name}' (0..{state.Length}).");
    }

    private static void CheckLength(long length)
    {
        if (length < 0) throw new AudioException(AudioError.NegativeLength, $"A length cannot be negative (was {length}).");
    }

    private static void CheckFinite(float value, string what)
    {
        if (!float.IsFinite(value)) throw new AudioException(AudioError.InvalidArgument, $"{what} must be a finite number (was {value}).");
    }

    // ---------------------------------------------------------------- appending

    /// <summary>
    /// Appends samples to the sequence's take (int16 sequences round and clip them). Each full block is sealed:
    /// written once into a block group, summarized, entered in the base index. The sequence grows by the sealed
    /// samples when the call returns; the last partial block waits for more or for <see cref="FinishAppendAsync"/>.
    /// </summary>
    public ValueTask AppendAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken = default)
        => AppendCoreAsync(samples, cancellationToken);

    /// <summary>Appends int16 samples (float sequences store them as <c>s / 32768</c>).</summary>
    public ValueTask AppendAsync(ReadOnlyMemory<short> samples, CancellationToken cancellationToken = default)
        => AppendCoreAsync(samples, cancellationToken);

    // One loop for both sample types: the JIT makes a copy per value type, so the typeof tests in Stage fold away.
    private async ValueTask AppendCoreAsync<T>(ReadOnlyMemory<T> samples, CancellationToken cancellationToken) where T : unmanaged
    {
        ThrowIfRemoved();
        await _appendGate.WaitAsync(cancellationToken);
        try
        {
            for (int i = 0; i < samples.Length;)
            {
                var room = Room();
                int n = Math.Min(Math.Min(room.Length / SampleBytes, PieceSamples), samples.Length - i);
                Stage(samples.Span.Slice(i, n), room);
                Staged(n);
                i += n;
            }
            Write();
            Publish();
        }
        finally
        {
            _appendGate.Release();
        }
    }

    /// <summary>
    /// Appends channel <paramref name="channel"/> of the block <paramref name="reader"/> read last, decoded
    /// straight into the staged blocks (no array between), summarized while the samples are in the cache, and
    /// written with one <c>pwrite</c> per block group touched. Like <see cref="AppendAsync(ReadOnlyMemory{short}, CancellationToken)"/> otherwise.
    /// </summary>
    internal async ValueTask AppendChannelAsync(Wav.WavReader reader, int channel, CancellationToken cancellationToken)
    {
        ThrowIfRemoved();
        await _appendGate.WaitAsync(cancellationToken);
        try
        {
            int frames = reader.BlockFrames;
            for (int i = 0; i < frames;)
            {
                var room = Room();
                int n = Math.Min(Math.Min(room.Length / SampleBytes, PieceSamples), frames - i);
                if (_staging16) reader.DecodeChannel(channel, i, MemoryMarshal.Cast<byte, short>(room)[..n]);
                else reader.DecodeChannel(channel, i, MemoryMarshal.Cast<byte, float>(room)[..n]);
                Staged(n);
                i += n;
            }
            Write();
            Publish();
        }
        finally
        {
            _appendGate.Release();
        }
    }

    /// <summary>Samples staged and summarized in one go: small enough that the summaries read them from the cache.</summary>
    private const int PieceSamples = 16 * 1024;

    private int SampleBytes => _staging16 ? 2 : 4;

    /// <summary>
    /// The staging bytes from the pending sample to the end of the lent group: a group is contiguous in the
    /// staging buffer, so a run of blocks is staged (decoded, converted) in one call. Leases a group when the
    /// writer has none or a full one (writing the full one's staged blocks first).
    /// </summary>
    private Span<byte> Room()
    {
        if (_lease is { IsFull: true } full)
        {
            Write();
            _lease = null;
            Store.ReturnLease(full);
        }
        if (_lease is null)
        {
            _lease = Store.Lease(Format);
            if (_lease.IsNew) _madeGroups.Add(_lease.Group.Number);
            _staging ??= ArrayPool<byte>.Shared.Rent(AudioLayout.GroupBytes);
        }
        int from = _lease.NextSlot * AudioLayout.BlockBytes + _pendingCount * SampleBytes;
        return _staging!.AsSpan(from, AudioLayout.GroupBytes - from);
    }

    /// <summary>Copies samples into the staged blocks, converting when the input's type is not the blocks'.</summary>
    private void Stage<T>(ReadOnlySpan<T> source, Span<byte> room) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            var src = MemoryMarshal.Cast<T, float>(source);
            if (!_staging16) src.CopyTo(MemoryMarshal.Cast<byte, float>(room));
            else
            {
                var dst = MemoryMarshal.Cast<byte, short>(room)[..src.Length];
                for (int k = 0; k < src.Length; k++) dst[k] = SampleMath.ToInt16(src[k]);
            }
        }
        else
        {
            var src = MemoryMarshal.Cast<T, short>(source);
            if (_staging16) src.CopyTo(MemoryMarshal.Cast<byte, short>(room));
            else
            {
                var dst = MemoryMarshal.Cast<byte, float>(room)[..src.Length];
                for (int k = 0; k < src.Length; k++) dst[k] = src[k] * SampleMath.Int16Scale;
            }
        }
    }

    /// <summary><paramref name="count"/> samples were staged after the pending ones: seals the blocks they fill.</summary>
    private void Staged(int count)
    {
        int spb = Take.SamplesPerBlock;
        int total = _pendingCount + count;
        for (int b = total / spb; b > 0; b--) Seal(spb);
        _pendingCount = total % spb;
    }

    /// <summary>
    /// Seals the staged block at the lease's next slot: zeroes what follows <paramref name="valid"/> samples and
    /// sets its fine summaries. It counts as sealed once <see cref="Write"/> has written it.
    /// </summary>
    private void Seal(int valid)
    {
        var lease = _lease!;
        int slot = lease.NextSlot;
        var block = _staging!.AsSpan(slot * AudioLayout.BlockBytes, AudioLayout.BlockBytes);
        block[(valid * SampleBytes)..].Clear();
        var fine = lease.Group.Fine.AsSpan(slot * AudioLayout.MaxFinePerBlock, AudioLayout.MaxFinePerBlock);
        if (_staging16) SampleMath.Summarize(MemoryMarshal.Cast<byte, short>(block), fine);
        else
        {
            var samples = MemoryMarshal.Cast<byte, float>(block);
            for (int k = 0; k < samples.Length / AudioLayout.FineSummarySamples; k++)
                fine[k] = SampleSummary.Of(samples.Slice(k * AudioLayout.FineSummarySamples, AudioLayout.FineSummarySamples));
        }
        lease.NextSlot = slot + 1;
        _lastValid = valid;
        _pendingCount = 0;
    }

    /// <summary>
    /// Writes the blocks sealed since the last write with one positioned write into their group file, then marks
    /// them sealed and enters them in the base index (unpublished until <see cref="Publish"/>). A failed write
    /// drops them: their slots were never sealed, so the next writer uses them.
    /// </summary>
    private void Write()
    {
        if (_lease is not { } lease || lease.WrittenSlot == lease.NextSlot) return;
        int first = lease.WrittenSlot, end = lease.NextSlot;
        try
        {
            RandomAccess.Write(lease.Handle, _staging!.AsSpan(first * AudioLayout.BlockBytes, (end - first) * AudioLayout.BlockBytes), (long)first * AudioLayout.BlockBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            lease.NextSlot = first;
            _pendingCount = 0;
            throw e is ObjectDisposedException
                ? new AudioException(AudioError.StoreClosed, $"The store in '{Store.Folder}' is closed.", e)
                : new AudioException(AudioError.IoError, $"Could not write blocks of '{Name}' to '{lease.Group.Path}': {e.Message}", e);
        }
        lease.Group.MarkSealed(end - 1);
        lease.WrittenSlot = end;
        int spb = Take.SamplesPerBlock;
        for (int slot = first; slot < end; slot++)
        {
            Take.Append(lease.Group.FirstBlock + slot);
            Unpublished(Take.SampleCount - spb, slot == end - 1 ? _lastValid : spb);
        }
    }

    /// <summary>
    /// Ends an append: seals the partial last block (its unused tail is never played: the sequence ends where the
    /// samples did, sample-accurately) and gives the block group back to the store for other writers.
    /// </summary>
    public async ValueTask FinishAppendAsync()
    {
        await _appendGate.WaitAsync();
        try
        {
            if (_pendingCount > 0) Seal(_pendingCount);
            Write();
            Publish();
            ReleaseWriter();
        }
        finally
        {
            _appendGate.Release();
        }
    }

    /// <summary>
    /// Ends an append without sealing what waits: staged samples are dropped, never written (a removal). Returns
    /// the groups made for this append (since it last finished), for the store to discard if nothing else uses
    /// them, and the lease held if its group is one of them (kept from other writers until the store decides).
    /// </summary>
    internal async ValueTask<(int[] Made, GroupLease? Held)> DropAppendAsync()
    {
        await _appendGate.WaitAsync();
        try
        {
            _pendingCount = 0;
            _unpublished.Clear();
            _unpublishedFrom = -1;
            var made = _madeGroups.ToArray();
            GroupLease? held = null;
            if (_lease is { } lease)
            {
                lease.NextSlot = lease.WrittenSlot;
                if (made.Contains(lease.Group.Number))
                {
                    held = lease;
                    _lease = null;
                }
            }
            ReleaseWriter();
            return (made, held);
        }
        finally
        {
            _appendGate.Release();
        }
    }

    private void ReleaseWriter()
    {
        _madeGroups.Clear();
        if (_lease is { } lease)
        {
            _lease = null;
            Store.ReturnLease(lease);
        }
        if (_staging is { } staging)
        {
            _staging = null;
            ArrayPool<byte>.Shared.Return(staging);
        }
    }

    /// <summary>
    /// Appends blocks that are sealed already (of this or any sequence of the format) to the take, without copying
    /// a sample: the blocks are shared. <see cref="AudioLayout.SilentBlockEntry"/> appends a block of silence.
    /// Not while samples of a partial block wait (call <see cref="FinishAppendAsync"/> first).
    /// </summary>
    public void AppendBlocks(ReadOnlySpan<int> blocks)
    {
        ThrowIfRemoved();
        if (!_appendGate.Wait(0))
            throw new AudioException(AudioError.InvalidArgument, $"An append to '{Name}' is in progress.");
        try
        {
            if (_pendingCount > 0)
                throw new AudioException(AudioError.InvalidArgument, $"'{Name}' has {_pendingCount} samples of a partial block waiting: finish the append first.");
            int last = int.MinValue;
            foreach (int b in blocks)
            {
                // Runs of a repeated pattern check each distinct block once.
                if (b == last || b == AudioLayout.SilentBlockEntry) continue;
                Store.Blocks.Locate(b, Format);
                last = b;
            }
            foreach (int b in blocks)
            {
                Take.Append(b);
                Unpublished(Take.SampleCount - Take.SamplesPerBlock, Take.SamplesPerBlock);
            }
            Publish();
        }
        finally
        {
            _appendGate.Release();
        }
    }

    private void Unpublished(long from, long length)
    {
        if (_unpublishedFrom >= 0 && from == _unpublishedTo)
        {
            _unpublishedTo += length;
            return;
        }
        if (_unpublishedFrom >= 0) _unpublished.Add(new Run(Take, _unpublishedFrom, _unpublishedTo - _unpublishedFrom, 1f, null));
        _unpublishedFrom = from;
        _unpublishedTo = from + length;
    }

    private void Publish()
    {
        if (_unpublishedFrom >= 0) _unpublished.Add(new Run(Take, _unpublishedFrom, _unpublishedTo - _unpublishedFrom, 1f, null));
        _unpublishedFrom = -1;
        if (_unpublished.Count == 0) return;
        lock (_gate)
        {
            var state = _state;
            foreach (var run in _unpublished) state = state.Append(run);
            _state = state;
        }
        _unpublished.Clear();
    }

    internal void Restore(SequenceState state) => _state = state;

    /// <inheritdoc />
    public override string ToString() => $"{Name} (#{Id}, {Format}, {Length} samples in {RunCount} runs)";

    /// <summary>An edit as done: where it spliced, the runs it replaced and the runs it put there.</summary>
    private sealed record AppliedEdit(SequenceEdit Edit, long At, Run[] Removed, Run[] Inserted, long RemovedLength, long InsertedLength);
}
