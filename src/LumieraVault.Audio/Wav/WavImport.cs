using System.Diagnostics;

namespace LumieraVault.Audio.Wav;

/// <summary>What an import made: one sequence per channel, in channel order, and the file's format.</summary>
/// <param name="Sequences">The new sequences, channel 0 first.</param>
/// <param name="Format">The WAV file's format (the sequences keep its sample rate).</param>
/// <param name="Frames">Frames imported: every sequence is this long.</param>
/// <param name="Elapsed">How long the import took.</param>
public sealed record WavImportResult(IReadOnlyList<SampleSequence> Sequences, WavFormat Format, long Frames, TimeSpan Elapsed);

/// <summary>Reads a WAV file into a sample store, streaming block by block: one new sequence per channel.</summary>
public static class WavImport
{
    /// <summary>The store format that keeps a WAV file's samples: <see cref="SampleFormat.Int16"/> for 16-bit PCM, else <see cref="SampleFormat.Float32"/>.</summary>
    public static SampleFormat StoreFormat(WavFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        return format.IsInt16 ? SampleFormat.Int16 : SampleFormat.Float32;
    }

    /// <summary>The names an import gives the sequences of a file of <paramref name="channels"/> channels: the name itself for mono, else <c>name.1</c>, <c>name.2</c>, ...</summary>
    public static IReadOnlyList<string> SequenceNames(string name, int channels)
        => channels == 1 ? [name] : Enumerable.Range(1, channels).Select(c => $"{name}.{c}").ToArray();

    /// <summary>
    /// Imports the WAV file at <paramref name="path"/> into new sequences of <paramref name="store"/> named after
    /// <paramref name="name"/> (default: the file's name without extension; see <see cref="SequenceNames"/>).
    /// 16-bit PCM goes into <see cref="SampleFormat.Int16"/> sequences without loss, everything else into
    /// <see cref="SampleFormat.Float32"/> ones (24-bit exactly; 32-bit PCM rounded to float's 24-bit precision).
    /// The file is checked whole before anything is made: a file that is not WAV, has a bad or unsupported header,
    /// or is shorter than its header says fails with a <see cref="WavFormatException"/>, and names already taken
    /// fail with <see cref="AudioError.SequenceExists"/>, with the store untouched. A failure part-way (the file
    /// shrinks or cannot be read, the store cannot write, <paramref name="cancellationToken"/> is cancelled)
    /// removes the sequences made so far (<see cref="SampleStore.RemoveSequenceAsync"/>): the store lists what it
    /// listed before, and the blocks sealed for them stay unused in their groups.
    /// </summary>
    /// <param name="store">The store to import into.</param>
    /// <param name="path">The WAV file.</param>
    /// <param name="name">The sequences' name (see <see cref="SequenceNames"/>); default the file's name without extension.</param>
    /// <param name="progress">Told the frames imported so far after every block, on the importing thread.</param>
    /// <param name="cancellationToken">Stops the import between blocks.</param>
    /// <exception cref="WavFormatException">The file is not a WAV file this codec reads, or its data is cut short.</exception>
    /// <exception cref="AudioException">A sequence name is taken, the store is closed, or writing blocks failed.</exception>
    /// <exception cref="FileNotFoundException">There is no such file (the message names it).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<WavImportResult> ImportAsync(SampleStore store, string path, string? name = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var clock = Stopwatch.StartNew();
        using var reader = WavReader.Open(path);
        var wav = reader.Format;
        var format = StoreFormat(wav);
        var names = SequenceNames(string.IsNullOrEmpty(name) ? Path.GetFileNameWithoutExtension(path) : name, wav.Channels);
        foreach (string n in names)
        {
            if (store.Sequences.Any(s => s.Name == n))
                throw new AudioException(AudioError.SequenceExists, $"Cannot import '{path}': the store in '{store.Folder}' has a sequence named '{n}' already.");
        }
        cancellationToken.ThrowIfCancellationRequested();

        var sequences = names.Select(n => store.CreateSequence(n, format, wav.SampleRate)).ToArray();
        int channels = sequences.Length;
        // The group files are made ahead of need, beside the writers; those not used are deleted when this ends.
        using var expected = store.ExpectAppends(format, reader.FrameCount, channels);
        try
        {
            // Each channel is decoded straight into its sequence's staged blocks (no array between; 16-bit samples stay
            // int16), summarized and written by its own writer: the channels after the first on the thread pool, at
            // the same time, each with its own staging, lease and group file. The reader's block is only read by them.
            var others = new Task[channels - 1];
            using var ahead = new ReadAhead(reader, cancellationToken);
            long position = 0;
            int frames;
            while ((frames = ahead.Next()) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (int c = 1; c < channels; c++)
                {
                    var sequence = sequences[c];
                    int channel = c;
                    others[c - 1] = Task.Run(() => sequence.AppendChannelAsync(reader, channel, cancellationToken).AsTask(), cancellationToken);
                }
                try
                {
                    await sequences[0].AppendChannelAsync(reader, 0, cancellationToken);
                }
                finally
                {
                    // The reader's buffer is theirs until they are done, failed or not.
                    await Task.WhenAll(others).ContinueWith(static _ => { }, TaskScheduler.Default);
                }
                await Task.WhenAll(others);
                ahead.Done();
                position += frames;
                progress?.Report(position);
            }
            foreach (var s in sequences) await s.FinishAppendAsync();
        }
        catch
        {
            await AbandonAsync(store, sequences);
            throw;
        }
        return new WavImportResult(sequences, wav, reader.FrameCount, clock.Elapsed);
    }

    /// <summary>
    /// Reads the file's blocks ahead on a thread of its own, into two buffers that take turns: while the channels
    /// decode one block, the next is read, so that a file coming from the disk is read while the samples are
    /// written (a plain loop waits for each read with nothing else to do). <see cref="Next"/> makes the next block
    /// the reader's current one; <see cref="Done"/> gives its buffer back for the block after. Disposing stops the
    /// thread and waits for it, so the reader is no longer used when the import disposes it.
    /// </summary>
    private sealed class ReadAhead : IDisposable
    {
        private readonly WavReader _reader;
        private readonly object _gate = new();
        private readonly Queue<byte[]> _free = new(2);
        private byte[]? _ready;
        private int _readyFrames;
        private Exception? _failure;
        private bool _ended, _stopped;
        private byte[]? _current;
        private readonly Thread _thread;
        private readonly byte[][] _owned;
        private readonly CancellationToken _cancellationToken;
        private readonly CancellationTokenRegistration _wake;

        public ReadAhead(WavReader reader, CancellationToken cancellationToken)
        {
            _reader = reader;
            _cancellationToken = cancellationToken;
            // A cancellation wakes a wait for the next block.
            _wake = cancellationToken.UnsafeRegister(static self => ((ReadAhead)self!).Wake(), this);
            int bytes = reader.MaxBlockFrames * reader.Format.BlockAlign;
            _owned = [System.Buffers.ArrayPool<byte>.Shared.Rent(bytes), System.Buffers.ArrayPool<byte>.Shared.Rent(bytes)];
            foreach (var buffer in _owned) _free.Enqueue(buffer);
            _thread = new Thread(Run, 256 * 1024) { IsBackground = true, Name = "lumiera-wav-read" };
            _thread.Start();
        }

        /// <summary>Waits for the next block and makes it the reader's current one; 0 frames at the end of the data.</summary>
        /// <exception cref="WavFormatException">The read failed (the data ended early, say): the reader's failure, as it was thrown.</exception>
        /// <exception cref="OperationCanceledException">The import's token was cancelled.</exception>
        public int Next()
        {
            byte[] buffer;
            int frames;
            lock (_gate)
            {
                while (_ready is null && _failure is null && !_ended)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    Monitor.Wait(_gate);
                }
                if (_ready is null)
                {
                    if (_failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_failure);
                    return 0;
                }
                (buffer, frames) = (_ready, _readyFrames);
                _ready = null;
                Monitor.PulseAll(_gate);
            }
            _current = buffer;
            _reader.UseBlock(buffer, frames);
            return frames;
        }

        /// <summary>The current block is used up: its buffer takes the block after the next.</summary>
        public void Done()
        {
            if (_current is not { } used) return;
            _current = null;
            lock (_gate)
            {
                _free.Enqueue(used);
                Monitor.PulseAll(_gate);
            }
        }

        private void Run()
        {
            while (true)
            {
                byte[] buffer;
                lock (_gate)
                {
                    while (!_stopped && (_free.Count == 0 || _ready is not null)) Monitor.Wait(_gate);
                    if (_stopped) return;
                    buffer = _free.Dequeue();
                }
                int frames;
                try
                {
                    frames = _reader.ReadBlockInto(buffer);
                }
                catch (Exception e)
                {
                    lock (_gate)
                    {
                        _failure = e;
                        Monitor.PulseAll(_gate);
                    }
                    return;
                }
                lock (_gate)
                {
                    if (frames == 0) _ended = true;
                    else (_ready, _readyFrames) = (buffer, frames);
                    Monitor.PulseAll(_gate);
                    if (_ended) return;
                }
            }
        }

        private void Wake()
        {
            lock (_gate) Monitor.PulseAll(_gate);
        }

        public void Dispose()
        {
            _wake.Dispose();
            lock (_gate)
            {
                _stopped = true;
                Monitor.PulseAll(_gate);
            }
            _thread.Join();
            // The reader's current block may be one of them: it is not read again after this.
            foreach (var buffer in _owned) System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>After a failure part-way: removes the sequences, which gives their block groups back to the store.</summary>
    private static async Task AbandonAsync(SampleStore store, SampleSequence[] sequences)
    {
        foreach (var s in sequences)
        {
            try
            {
                await store.RemoveSequenceAsync(s);
            }
            catch (AudioException)
            {
                // The failure that brought us here is the one to report (a closed store, say).
            }
        }
    }
}
