namespace LumieraVault.Audio.Wav;

/// <summary>
/// Streams the samples of a RIFF/WAVE file block by block. <see cref="ReadBlock"/> reads the next frames into
/// the reader's own buffer with one large sequential read; <see cref="GetChannel(int, Span{float})"/> then
/// converts one channel of them into a span of the caller's (an array, a mapped store block, ...). Neither
/// allocates. The header is checked when the reader is made: a file that is not WAV, a malformed or
/// unsupported header, or a data chunk longer than the file fail at once with a <see cref="WavFormatException"/>.
/// </summary>
/// <remarks>
/// Accepted leniently, since real files often have them: a RIFF size that disagrees with the file, a wrong
/// byte rate, a missing pad byte at the very end, chunks after the data (never read), and a last partial
/// frame (ignored). Unknown chunks before the data are skipped, odd-sized ones with their pad byte.
/// </remarks>
public sealed class WavReader : IDisposable
{
    /// <summary>Bytes read from the file at a time unless the caller says otherwise: large enough to run at disk speed.</summary>
    public const int DefaultBufferBytes = 1 << 20;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private byte[] _buffer;
    private long _framesRead;
    private int _blockFrames;
    private bool _disposed;

    /// <summary>Reads the header of a WAV stream, leaving the stream at the first sample.</summary>
    /// <param name="stream">The WAV data from its RIFF header on; a seekable stream also allows a data chunk before the format.</param>
    /// <param name="leaveOpen">Whether disposing the reader leaves the stream open.</param>
    /// <param name="bufferBytes">Bytes per read; rounded down to whole frames, at least one frame.</param>
    /// <exception cref="WavFormatException">The header is not a supported WAV header, or the data is shorter than it says.</exception>
    public WavReader(Stream stream, bool leaveOpen = false, int bufferBytes = DefaultBufferBytes)
        : this(stream, null, leaveOpen, bufferBytes)
    {
    }

    private WavReader(Stream stream, string? path, bool leaveOpen, int bufferBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferBytes, 1);
        _stream = stream;
        _leaveOpen = leaveOpen;
        Path = path;
        var layout = WavHeader.Read(stream, path);
        Format = layout.Format;
        FrameCount = layout.DataBytes / Format.BlockAlign;
        MaxBlockFrames = Math.Max(1, bufferBytes / Format.BlockAlign);
        _buffer = GC.AllocateUninitializedArray<byte>(MaxBlockFrames * Format.BlockAlign);
    }

    /// <summary>Opens a WAV file for sequential reading and checks its header.</summary>
    /// <exception cref="WavFormatException">The file is not a supported WAV file; the message names the path.</exception>
    /// <exception cref="FileNotFoundException">There is no such file (the message names the path).</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read (the message names the path).</exception>
    /// <exception cref="IOException">Another I/O failure.</exception>
    public static WavReader Open(string path, int bufferBytes = DefaultBufferBytes)
    {
        // No FileStream buffer: every read is one of ours, already large.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        try
        {
            return new WavReader(stream, path, leaveOpen: false, bufferBytes);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The file read, or null for a stream.</summary>
    public string? Path { get; }

    /// <summary>The format from the header.</summary>
    public WavFormat Format { get; }

    /// <summary>Whole frames in the data chunk.</summary>
    public long FrameCount { get; }

    /// <summary>The play time of <see cref="FrameCount"/> frames.</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds((double)FrameCount / Format.SampleRate);

    /// <summary>Frames one <see cref="ReadBlock"/> reads at most.</summary>
    public int MaxBlockFrames { get; }

    /// <summary>Frames read so far, including the current block.</summary>
    public long Position => _framesRead;

    /// <summary>Frames not read yet.</summary>
    public long FramesLeft => FrameCount - _framesRead;

    /// <summary>Frames in the block last read (0 before the first and at the end).</summary>
    public int BlockFrames => _blockFrames;

    /// <summary>
    /// Reads the next block of at most <paramref name="maxFrames"/> frames (and at most <see cref="MaxBlockFrames"/>)
    /// into the reader; returns how many, 0 at the end of the data.
    /// </summary>
    /// <exception cref="WavFormatException"><see cref="WavError.DataTruncated"/>: the file ended before its data did.</exception>
    public int ReadBlock(int maxFrames = int.MaxValue)
    {
        _blockFrames = 0;
        return _blockFrames = ReadInto(_buffer, maxFrames);
    }

    /// <summary>
    /// Reads the next block into <paramref name="buffer"/> (at least <see cref="MaxBlockFrames"/> frames' bytes long) instead
    /// of the reader's own, leaving the current block as it is: for reading ahead on another thread while the current
    /// block is decoded. <see cref="UseBlock"/> makes it the current block. Returns the frames read, 0 at the end.
    /// </summary>
    /// <exception cref="WavFormatException"><see cref="WavError.DataTruncated"/>: the file ended before its data did.</exception>
    internal int ReadBlockInto(byte[] buffer) => ReadInto(buffer, int.MaxValue);

    /// <summary>Makes <paramref name="frames"/> frames that <see cref="ReadBlockInto"/> read into <paramref name="buffer"/> the current block.</summary>
    internal void UseBlock(byte[] buffer, int frames)
    {
        if (buffer.Length < frames * Format.BlockAlign) throw new ArgumentException($"A buffer of {buffer.Length} bytes for {frames} frames.", nameof(buffer));
        _buffer = buffer;
        _blockFrames = frames;
    }

    private int ReadInto(byte[] buffer, int maxFrames)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(maxFrames);
        int frames = (int)Math.Min(Math.Min(maxFrames, MaxBlockFrames), FramesLeft);
        if (frames == 0) return 0;
        int bytes = frames * Format.BlockAlign;
        int got = WavHeader.ReadUpTo(_stream, buffer.AsSpan(0, bytes));
        if (got < bytes)
        {
            long frame = _framesRead + got / Format.BlockAlign;
            throw new WavFormatException(WavError.DataTruncated, Path,
                $"the data ends at frame {frame} of the {FrameCount} its header says (the file shrank, or the stream ended early).");
        }
        _framesRead += frames;
        return frames;
    }

    /// <summary>Converts one channel of the current block to float (PCM scaled to -1..1 by 2^(bits-1)).</summary>
    /// <param name="channel">0 to <see cref="WavFormat.Channels"/> - 1.</param>
    /// <param name="destination">At least <see cref="BlockFrames"/> long; the first <see cref="BlockFrames"/> samples are written.</param>
    public void GetChannel(int channel, Span<float> destination)
    {
        CheckChannel(channel, destination.Length);
        SampleCodec.Decode(Format, _buffer, _blockFrames, channel, destination);
    }

    /// <summary>One channel of the current block of a 16-bit PCM file, exactly as stored.</summary>
    /// <exception cref="InvalidOperationException">The file is not 16-bit PCM (see <see cref="WavFormat.IsInt16"/>).</exception>
    public void GetChannel(int channel, Span<short> destination)
    {
        if (!Format.IsInt16) throw new InvalidOperationException($"Only 16-bit PCM is read as 16-bit samples; this file is {Format}.");
        CheckChannel(channel, destination.Length);
        SampleCodec.DecodeRaw16(Format, _buffer, _blockFrames, channel, destination);
    }

    /// <summary>Channel <paramref name="channel"/> of frames <paramref name="firstFrame"/>.. of the current block (as many as <paramref name="destination"/> holds), as float.</summary>
    internal void DecodeChannel(int channel, int firstFrame, Span<float> destination)
        => SampleCodec.Decode(Format, _buffer.AsSpan(CheckPiece(channel, firstFrame, destination.Length)), destination.Length, channel, destination);

    /// <summary>Channel <paramref name="channel"/> of frames <paramref name="firstFrame"/>.. of the current block of a 16-bit PCM file, unchanged.</summary>
    internal void DecodeChannel(int channel, int firstFrame, Span<short> destination)
    {
        if (!Format.IsInt16) throw new InvalidOperationException($"Only 16-bit PCM is read as 16-bit samples; this file is {Format}.");
        SampleCodec.DecodeRaw16(Format, _buffer.AsSpan(CheckPiece(channel, firstFrame, destination.Length)), destination.Length, channel, destination);
    }

    private int CheckPiece(int channel, int firstFrame, int frames)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, Format.Channels);
        if (firstFrame < 0 || frames < 0 || firstFrame > _blockFrames - frames)
            throw new ArgumentOutOfRangeException(nameof(firstFrame), $"Frames {firstFrame}..{firstFrame + frames} are not all in the block of {_blockFrames} frames.");
        return firstFrame * Format.BlockAlign;
    }

    /// <summary>
    /// Reads up to <paramref name="count"/> frames into per-channel arrays from <paramref name="offset"/> on; returns
    /// how many were read (fewer only at the end of the data).
    /// </summary>
    public int Read(IReadOnlyList<float[]> channels, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Count != Format.Channels) throw new ArgumentException($"{channels.Count} arrays for {Format.Channels} channels.", nameof(channels));
        int done = 0;
        while (done < count)
        {
            int frames = ReadBlock(count - done);
            if (frames == 0) break;
            for (int c = 0; c < channels.Count; c++) GetChannel(c, channels[c].AsSpan(offset + done, frames));
            done += frames;
        }
        return done;
    }

    private void CheckChannel(int channel, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, Format.Channels);
        if (length < _blockFrames) throw new ArgumentException($"A destination of {length} samples for a block of {_blockFrames} frames.", nameof(length));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_leaveOpen) _stream.Dispose();
    }
}
