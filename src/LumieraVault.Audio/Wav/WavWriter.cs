using System.Buffers.Binary;

namespace LumieraVault.Audio.Wav;

/// <summary>
/// Writes a RIFF/WAVE file block by block: <see cref="BeginBlock"/>, one <c>PutChannel</c> per channel, then
/// <see cref="EndBlock"/>, which interleaves nothing twice and allocates nothing. <see cref="Complete"/> (or
/// disposing) fills in the header's sizes. Writes PCM 16, 24, 32 bit and IEEE float 32.
/// </summary>
/// <remarks>
/// Float samples become integers by multiplying by 2^(bits-1) (32768 for 16 bits), rounding half to even
/// and clamping to the integer range, so 1.0 gives the largest positive value and anything beyond ±1 is
/// clipped; NaN gives 0. Float output is written as it is, unclamped. 16-bit samples given to a 16-bit
/// file are written unchanged. Mono and stereo files get the plain PCM or float header (float with its
/// fact chunk), which every reader knows; more channels get WAVE_FORMAT_EXTENSIBLE with the usual speaker
/// mask for up to 8 channels (or <see cref="WavFormat.ChannelMask"/> when given).
/// </remarks>
public sealed class WavWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly byte[] _buffer;
    private readonly bool[] _put;
    private readonly long _headerBytes;
    private readonly long _factOffset;
    private readonly long _maxDataBytes;
    private long _dataBytes;
    private int _blockFrames = -1;
    private int _putCount;
    private bool _completed, _faulted, _disposed;

    /// <summary>Starts a WAV stream at the stream's position; the stream must be writable and seekable, for the sizes.</summary>
    /// <exception cref="ArgumentException">A format the writer does not produce, or a stream it cannot seek back in.</exception>
    public WavWriter(Stream stream, WavFormat format, bool leaveOpen = false, int bufferBytes = WavReader.DefaultBufferBytes)
        : this(stream, format, null, leaveOpen, bufferBytes, uint.MaxValue)
    {
    }

    internal WavWriter(Stream stream, WavFormat format, string? path, bool leaveOpen, int bufferBytes, long maxRiffBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(format);
        if (!format.IsWritable) throw new ArgumentException($"The writer does not write {format}; it writes PCM 16, 24, 32 and float 32.", nameof(format));
        if (!stream.CanWrite || !stream.CanSeek) throw new ArgumentException("A WAV writer needs a writable stream that can seek back to its header.", nameof(stream));
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferBytes, 1);
        _stream = stream;
        _leaveOpen = leaveOpen;
        Path = path;
        Format = format;
        MaxBlockFrames = Math.Max(1, bufferBytes / format.BlockAlign);
        _buffer = GC.AllocateUninitializedArray<byte>(MaxBlockFrames * format.BlockAlign);
        _put = new bool[format.Channels];

        Span<byte> header = stackalloc byte[80];
        int length = BuildHeader(format, header, out int factAt);
        _headerBytes = length;
        // The RIFF size counts everything after its own 8 bytes, the pad byte included.
        _maxDataBytes = maxRiffBytes - (length - 8) - 1;
        Start = stream.Position;
        _factOffset = factAt < 0 ? -1 : Start + factAt;
        Emit(header[..length]);
    }

    /// <summary>Creates (or replaces) a WAV file.</summary>
    /// <exception cref="UnauthorizedAccessException">The file may not be written (the message names the path).</exception>
    /// <exception cref="IOException">The folder is missing, the disk is full, ... (the message names the path).</exception>
    public static WavWriter Create(string path, WavFormat format, int bufferBytes = WavReader.DefaultBufferBytes)
        => Create(path, format, bufferBytes, uint.MaxValue);

    internal static WavWriter Create(string path, WavFormat format, int bufferBytes, long maxRiffBytes)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        try
        {
            return new WavWriter(stream, format, path, leaveOpen: false, bufferBytes, maxRiffBytes);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private long Start { get; }

    /// <summary>The file written, or null for a stream.</summary>
    public string? Path { get; }

    /// <summary>The format written.</summary>
    public WavFormat Format { get; }

    /// <summary>Frames one block holds at most.</summary>
    public int MaxBlockFrames { get; }

    /// <summary>Frames written so far.</summary>
    public long FramesWritten => _dataBytes / Format.BlockAlign;

    /// <summary>Starts a block of <paramref name="frames"/> frames (1 to <see cref="MaxBlockFrames"/>).</summary>
    /// <exception cref="WavFormatException"><see cref="WavError.TooLarge"/>: the data would pass the 4 GiB a RIFF header can describe.</exception>
    public void BeginBlock(int frames)
    {
        CheckOpen();
        if (_blockFrames >= 0) throw new InvalidOperationException("The previous block was not ended.");
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(frames, MaxBlockFrames);
        if (_dataBytes + (long)frames * Format.BlockAlign > _maxDataBytes)
        {
            throw new WavFormatException(WavError.TooLarge, Path,
                $"{FramesWritten + frames} frames of {Format.BlockAlign} bytes pass the 4 GiB a RIFF header can describe.");
        }
        _blockFrames = frames;
        _putCount = 0;
        Array.Clear(_put);
    }

    /// <summary>Gives the samples of one channel for the current block; exactly as many as the block's frames.</summary>
    public void PutChannel(int channel, ReadOnlySpan<float> samples)
    {
        CheckPut(channel, samples.Length);
        SampleCodec.Encode(Format, samples, channel, _buffer);
    }

    /// <summary>Gives 16-bit samples of one channel for the current block (unchanged in a 16-bit file, else scaled by 1/32768).</summary>
    public void PutChannel(int channel, ReadOnlySpan<short> samples)
    {
        CheckPut(channel, samples.Length);
        SampleCodec.Encode(Format, samples, channel, _buffer);
    }

    /// <summary>Writes the current block; every channel must have been put.</summary>
    public void EndBlock()
    {
        CheckOpen();
        if (_blockFrames < 0) throw new InvalidOperationException("No block was begun.");
        if (_putCount != Format.Channels) throw new InvalidOperationException($"Only {_putCount} of {Format.Channels} channels were put for this block.");
        int bytes = _blockFrames * Format.BlockAlign;
        Emit(_buffer.AsSpan(0, bytes));
        _dataBytes += bytes;
        _blockFrames = -1;
    }

    /// <summary>Writes <paramref name="count"/> frames from per-channel arrays, from <paramref name="offset"/> on.</summary>
    public void Write(IReadOnlyList<float[]> channels, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Count != Format.Channels) throw new ArgumentException($"{channels.Count} arrays for {Format.Channels} channels.", nameof(channels));
        for (int done = 0; done < count;)
        {
            int frames = Math.Min(count - done, MaxBlockFrames);
            BeginBlock(frames);
            for (int c = 0; c < channels.Count; c++) PutChannel(c, channels[c].AsSpan(offset + done, frames));
            EndBlock();
            done += frames;
        }
    }

    /// <summary>Writes the pad byte and the header's sizes and flushes. Nothing can be written after.</summary>
    public void Complete()
    {
        CheckOpen();
        if (_blockFrames >= 0) throw new InvalidOperationException("A block was begun and not ended.");
        if ((_dataBytes & 1) != 0) Emit([0]);
        long end = Start + _headerBytes + _dataBytes + (_dataBytes & 1);
        Span<byte> size = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)(end - Start - 8));
        Emit(size, Start + 4);
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)_dataBytes);
        Emit(size, Start + _headerBytes - 4);
        if (_factOffset >= 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)FramesWritten);
            Emit(size, _factOffset);
        }
        try
        {
            _stream.Seek(end, SeekOrigin.Begin);
            _stream.Flush();
        }
        catch
        {
            _faulted = true;
            throw;
        }
        _completed = true;
    }

    /// <summary>Writes at the current position, or at <paramref name="offset"/>; a failure marks the file incomplete.</summary>
    private void Emit(ReadOnlySpan<byte> bytes, long offset = -1)
    {
        try
        {
            if (offset >= 0) _stream.Seek(offset, SeekOrigin.Begin);
            _stream.Write(bytes);
        }
        catch
        {
            _faulted = true;
            throw;
        }
    }

    /// <summary>Completes the file unless a write failed or a block is half made, then closes the stream.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        try
        {
            if (!_completed && !_faulted && _blockFrames < 0) Complete();
        }
        finally
        {
            _disposed = true;
            if (!_leaveOpen) _stream.Dispose();
        }
    }

    private void CheckPut(int channel, int length)
    {
        CheckOpen();
        if (_blockFrames < 0) throw new InvalidOperationException("No block was begun.");
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, Format.Channels);
        if (length != _blockFrames) throw new ArgumentException($"{length} samples for a block of {_blockFrames} frames.", nameof(length));
        if (!_put[channel]) _putCount++;
        _put[channel] = true;
    }

    private void CheckOpen()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_faulted) throw new InvalidOperationException("A write to this WAV file failed earlier; the file is incomplete.");
        if (_completed) throw new InvalidOperationException("The WAV file is complete; nothing more can be written.");
    }

    /// <summary>Lays out RIFF, fmt (and fact) and the data chunk's header with zero sizes; returns the length.</summary>
    private static int BuildHeader(WavFormat format, Span<byte> header, out int factAt)
    {
        bool extensible = format.Channels > 2;
        bool isFloat = format.Encoding == WavEncoding.Float;
        ushort tag = isFloat ? WavHeader.TagFloat : WavHeader.TagPcm;
        int fmtBytes = extensible ? 40 : isFloat ? 18 : 16;

        int at = 0;
        void U32(uint value, Span<byte> to)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(to[at..], value);
            at += 4;
        }
        void U16(ushort value, Span<byte> to)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(to[at..], value);
            at += 2;
        }
        header.Clear();
        U32(WavHeader.Riff, header);
        U32(0, header);
        U32(WavHeader.Wave, header);
        U32(WavHeader.Fmt, header);
        U32((uint)fmtBytes, header);
        U16(extensible ? WavHeader.TagExtensible : tag, header);
        U16((ushort)format.Channels, header);
        U32((uint)format.SampleRate, header);
        U32((uint)(format.SampleRate * format.BlockAlign), header);
        U16((ushort)format.BlockAlign, header);
        U16((ushort)format.BitsPerSample, header);
        if (extensible)
        {
            U16(22, header);
            U16((ushort)format.BitsPerSample, header);
            U32(format.ChannelMask != 0 ? format.ChannelMask : DefaultMask(format.Channels), header);
            U16(tag, header);
            WavHeader.SubtypeTail.CopyTo(header[at..]);
            at += WavHeader.SubtypeTail.Length;
        }
        else if (isFloat)
        {
            U16(0, header);
        }
        factAt = -1;
        if (isFloat)
        {
            U32(WavHeader.Fact, header);
            U32(4, header);
            factAt = at;
            U32(0, header);
        }
        U32(WavHeader.Data, header);
        U32(0, header);
        return at;
    }

    /// <summary>The speaker masks of the usual layouts (quad, 5.0, 5.1, 6.1, 7.1); none for others.</summary>
    private static uint DefaultMask(int channels) => channels switch
    {
        3 => 0x7,
        4 => 0x33,
        5 => 0x37,
        6 => 0x3F,
        7 => 0x13F,
        8 => 0x63F,
        _ => 0,
    };
}
