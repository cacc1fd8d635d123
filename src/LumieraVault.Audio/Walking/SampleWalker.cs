using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LumieraVault.Audio.Blocks;
using LumieraVault.Audio.Editing;
using LumieraVault.Audio.Indexes;
using LumieraVault.Frames;

namespace LumieraVault.Audio.Walking;

/// <summary>
/// Renders and summarizes sequences on the caller's thread: walks the runs of the sequence's current version and
/// the base indexes they point into, copying each block's samples straight out of its mapped block group into
/// the caller's buffer (int16 widened to float), with gains and fades applied. No allocation and no message per
/// call once the block groups it needs are pinned; it keeps up to <c>lumiera.audio.walker.pinned-groups</c> pinned.
/// A group that is not mapped is asked of the vault, and the call waits for it: call
/// <see cref="PrepareAsync"/> ahead of playback so that <see cref="Render"/> never waits.
/// One walker per thread (a playback cursor, a waveform painter); dispose it to give the pins back.
/// </summary>
public sealed class SampleWalker : IDisposable
{
    private readonly SampleStore _store;
    private readonly int[] _pinGroup;
    private readonly Frame[] _pinFrame;
    private readonly nint[] _pinAddress;
    private readonly long[] _pinUsed;
    private int[] _slotOf = new int[64]; // group number -> pin slot + 1 (0: not pinned)
    private long _tick;
    private int _lastGroup = -1;
    private nint _lastAddress;
    private bool _disposed;

    // Where the last render ended: playback asks for the samples that follow, and finds their run without a search.
    private SequenceState? _cursorState;
    private long _cursorPosition = -1;
    private int _cursorRun;

    internal SampleWalker(SampleStore store)
    {
        _store = store;
        int n = store.Settings.PinnedGroups;
        _pinGroup = new int[n];
        Array.Fill(_pinGroup, -1);
        _pinFrame = new Frame[n];
        _pinAddress = new nint[n];
        _pinUsed = new long[n];
    }

    /// <summary>Block groups pinned now.</summary>
    public int PinnedGroups => _pinGroup.Count(g => g >= 0);

    /// <summary>Writes samples [start, start + destination.Length) of <paramref name="sequence"/> to <paramref name="destination"/>.</summary>
    public void Render(SampleSequence sequence, long start, Span<float> destination)
    {
        var state = Check(sequence, start, destination.Length);
        RenderState(state, start, destination);
    }

    /// <summary>
    /// Plays backward from <paramref name="end"/>: <c>destination[i]</c> is sample <c>end - 1 - i</c>, so the
    /// destination holds samples [end - destination.Length, end) in reverse.
    /// </summary>
    public void RenderBackward(SampleSequence sequence, long end, Span<float> destination)
    {
        var state = Check(sequence, end - destination.Length, destination.Length);
        RenderState(state, end - destination.Length, destination);
        destination.Reverse();
    }

    /// <summary>Pins the block groups that samples [start, start + length) need (as many as the walker keeps), so that rendering them does not wait.</summary>
    public async ValueTask PrepareAsync(SampleSequence sequence, long start, long length)
    {
        var state = Check(sequence, start, length);
        var groups = new List<int>();
        long end = start + length;
        for (int i = state.Runs.Length == 0 || length == 0 ? state.Runs.Length : state.RunAt(start); i < state.Runs.Length && state.Starts[i] < end; i++)
        {
            var run = state.Runs[i];
            if (run.Source is not { } index) continue;
            long from = run.SourceStart + Math.Max(0, start - state.Starts[i]);
            long to = run.SourceStart + Math.Min(run.Length, end - state.Starts[i]);
            for (long e = from >> index.Shift; e <= (to - 1) >> index.Shift && groups.Count < _pinGroup.Length; e++)
            {
                int entry = index[e];
                if (entry >= 0 && !groups.Contains(entry >> AudioLayout.GroupShift)) groups.Add(entry >> AudioLayout.GroupShift);
            }
            if (groups.Count >= _pinGroup.Length) break;
        }
        foreach (int g in groups)
        {
            if (Slot(g) >= 0) continue;
            var group = _store.Blocks[g]!;
            var frame = await _store.Vault.GetFrameAtAsync(await group.ReadFileAsync(), 0, AudioLayout.GroupBytes);
            Keep(g, frame);
        }
    }

    /// <summary>The summary of samples [start, start + length): from the stored summaries, reading samples only at
    /// edit boundaries (less than 256 per boundary) and under fades.</summary>
    public SampleSummary Summarize(SampleSequence sequence, long start, long length)
    {
        var state = Check(sequence, start, length);
        return SummarizeState(state, start, length);
    }

    /// <summary>
    /// Summaries of consecutive buckets of <paramref name="bucketSamples"/> samples from <paramref name="start"/>, one per
    /// element of <paramref name="buckets"/>: what a waveform display draws (one bucket per pixel column). Buckets
    /// past the end of the sequence are empty; the last one that reaches past it is cut to fit.
    /// </summary>
    public void Summarize(SampleSequence sequence, long start, int bucketSamples, Span<SampleSummary> buckets)
    {
        if (bucketSamples <= 0) throw new AudioException(AudioError.InvalidArgument, $"A bucket holds at least one sample (was {bucketSamples}).");
        var state = Check(sequence, start, 0);
        for (int b = 0; b < buckets.Length; b++)
        {
            long from = start + (long)b * bucketSamples;
            buckets[b] = from >= state.Length ? SampleSummary.Empty : SummarizeState(state, from, Math.Min(bucketSamples, state.Length - from));
        }
    }

    /// <summary>Gives every pin back.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (int i = 0; i < _pinGroup.Length; i++) Unpin(i);
    }

    private SequenceState Check(SampleSequence sequence, long start, long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!ReferenceEquals(sequence.Store, _store))
            throw new AudioException(AudioError.InvalidArgument, $"'{sequence.Name}' belongs to another store than this walker.");
        var state = sequence.State;
        if (length < 0) throw new AudioException(AudioError.NegativeLength, $"A length cannot be negative (was {length}).");
        if (start < 0 || start > state.Length - length)
            throw new AudioException(AudioError.OutOfRange, $"Out of range: samples {start}..{start + length} are not all in '{sequence.Name}' ({state.Length} samples).");
        return state;
    }

    private void RenderState(SequenceState state, long start, Span<float> destination)
    {
        if (destination.IsEmpty) return;
        int i = ReferenceEquals(state, _cursorState) && start == _cursorPosition && start < state.Starts[_cursorRun + 1]
            ? _cursorRun
            : state.RunAt(start);
        long offset = start - state.Starts[i];
        int done = 0;
        while (true)
        {
            ref readonly var run = ref state.Runs[i];
            int n = (int)Math.Min(run.Length - offset, destination.Length - done);
            RenderRun(run, offset, destination.Slice(done, n));
            done += n;
            if (done == destination.Length)
            {
                _cursorState = state;
                _cursorPosition = start + done;
                _cursorRun = offset + n < run.Length ? i : i + 1;
                return;
            }
            offset = 0;
            i++;
        }
    }

    private void RenderRun(in Run run, long offset, Span<float> destination)
    {
        if (run.Source is not { } index)
        {
            destination.Clear();
            return;
        }
        long position = run.SourceStart + offset;
        RenderTake(index, position, destination);
        if (run.Gain != 1f) SampleMath.Scale(destination, run.Gain);
        if (run.Ramps is { } ramps)
        {
            foreach (var ramp in ramps)
            {
                for (int k = 0; k < destination.Length; k++) destination[k] *= ramp.At(position + k);
            }
        }
    }

    /// <summary>The hot loop: samples of a take, block by block, out of the mapped groups.</summary>
    private unsafe void RenderTake(BaseIndex index, long position, Span<float> destination)
    {
        int shift = index.Shift;
        int perBlock = index.SamplesPerBlock;
        int[][] entries = index.Groups;
        bool int16 = index.Format == SampleFormat.Int16;
        int done = 0;
        while (done < destination.Length)
        {
            int within = (int)(position & (perBlock - 1));
            int n = Math.Min(perBlock - within, destination.Length - done);
            long e = position >> shift;
            int entry = entries[e >> AudioLayout.IndexGroupShift][e & (AudioLayout.IndexGroupEntries - 1)];
            var part = destination.Slice(done, n);
            if (entry < 0)
            {
                part.Clear();
            }
            else
            {
                // A take as recorded names consecutive blocks of a group: copy them in one go.
                int last = entry;
                while (done + n < destination.Length && (last & (AudioLayout.BlocksPerGroup - 1)) != AudioLayout.BlocksPerGroup - 1)
                {
                    long next = e + (last - entry) + 1;
                    if (entries[next >> AudioLayout.IndexGroupShift][next & (AudioLayout.IndexGroupEntries - 1)] != last + 1) break;
                    last++;
                    n += Math.Min(perBlock, destination.Length - done - n);
                }
                part = destination.Slice(done, n);
                nint block = GroupAddress(entry >> AudioLayout.GroupShift) + (entry & (AudioLayout.BlocksPerGroup - 1)) * AudioLayout.BlockBytes;
                if (int16) SampleMath.Widen((short*)block + within, part, SampleMath.Int16Scale);
                else new ReadOnlySpan<float>((float*)block + within, n).CopyTo(part);
            }
            done += n;
            position += n;
        }
    }

    private SampleSummary SummarizeState(SequenceState state, long start, long length)
    {
        var sum = SampleSummary.Empty;
        if (length == 0) return sum;
        int i = state.RunAt(start);
        long offset = start - state.Starts[i];
        long done = 0;
        while (done < length)
        {
            var run = state.Runs[i];
            long n = Math.Min(run.Length - offset, length - done);
            sum = sum.Combine(SummarizeRun(run, offset, n));
            done += n;
            offset = 0;
            i++;
        }
        return sum;
    }

    private SampleSummary SummarizeRun(in Run run, long offset, long length)
    {
        if (run.Source is not { } index) return SampleSummary.Silence(length);
        if (run.Ramps is not null) return Read(run, offset, length);
        long s0 = run.SourceStart + offset, s1 = s0 + length;
        const int fine = AudioLayout.FineSummarySamples;
        const int coarse = AudioLayout.CoarseSummarySamples;
        var sum = SampleSummary.Empty;
        long a = Math.Min(s1, (s0 + fine - 1) / fine * fine);
        if (a > s0) sum = sum.Combine(Read(index, s0, a - s0));
        long b = Math.Max(a, s1 / fine * fine);
        while (a < b)
        {
            if (a % coarse == 0 && a + coarse <= b && index.TryCoarse(a, out var c))
            {
                sum = sum.Combine(c);
                a += coarse;
            }
            else
            {
                sum = sum.Combine(index.Fine(a));
                a += fine;
            }
        }
        if (s1 > b) sum = sum.Combine(Read(index, b, s1 - b));
        return sum.Scale(run.Gain);
    }

    private SampleSummary Read(BaseIndex index, long position, long length) => Read(new Run(index, position, length, 1f, null), 0, length);

    private SampleSummary Read(in Run run, long offset, long length)
    {
        Span<float> buffer = stackalloc float[AudioLayout.BlockBytes / sizeof(float)];
        var sum = SampleSummary.Empty;
        for (long done = 0; done < length;)
        {
            int n = (int)Math.Min(buffer.Length, length - done);
            RenderRun(run, offset + done, buffer[..n]);
            sum = sum.Combine(SampleSummary.Of(buffer[..n]));
            done += n;
        }
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private nint GroupAddress(int group)
    {
        if (group == _lastGroup) return _lastAddress;
        return Lookup(group);
    }

    private nint Lookup(int group)
    {
        int slot = Slot(group);
        if (slot < 0)
        {
            var g = _store.Blocks[group] ?? throw new AudioException(AudioError.UnknownBlock, $"Block group {group} is not in the store.");
            if (!g.TryGetReadFile(out var file) || !_store.Vault.TryGetFrameAt(file, 0, AudioLayout.GroupBytes, out var frame))
            {
                // A miss on the playing thread: the caller did not prepare. Waiting beats playing wrong samples.
                file ??= g.ReadFileAsync().GetAwaiter().GetResult();
                frame = _store.Vault.GetFrameAtAsync(file, 0, AudioLayout.GroupBytes).AsTask().GetAwaiter().GetResult();
            }
            slot = Keep(group, frame);
        }
        _pinUsed[slot] = ++_tick;
        _lastGroup = group;
        _lastAddress = _pinAddress[slot];
        return _lastAddress;
    }

    private int Slot(int group) => group < _slotOf.Length ? _slotOf[group] - 1 : -1;

    private unsafe int Keep(int group, Frame frame)
    {
        int victim = 0;
        for (int k = 1; k < _pinGroup.Length; k++)
        {
            if (_pinUsed[k] < _pinUsed[victim]) victim = k;
        }
        Unpin(victim);
        if (group >= _slotOf.Length) Array.Resize(ref _slotOf, Math.Max(_slotOf.Length * 2, group + 1));
        _slotOf[group] = victim + 1;
        _pinGroup[victim] = group;
        _pinFrame[victim] = frame;
        _pinAddress[victim] = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(frame.Span));
        _pinUsed[victim] = ++_tick;
        return victim;
    }

    private void Unpin(int slot)
    {
        if (_pinGroup[slot] < 0) return;
        if (_pinGroup[slot] == _lastGroup) _lastGroup = -1;
        _slotOf[_pinGroup[slot]] = 0;
        _pinFrame[slot].Dispose();
        _pinFrame[slot] = default;
        _pinGroup[slot] = -1;
        _pinUsed[slot] = 0;
    }
}
