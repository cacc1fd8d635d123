using System.Buffers.Binary;

namespace LumieraVault.Audio.Wav;

/// <summary>Where the samples of a WAV file lie: the format, and the data chunk's offset in the stream and size in bytes.</summary>
internal readonly record struct WavLayout(WavFormat Format, long DataOffset, long DataBytes);

/// <summary>
/// Parses and builds RIFF/WAVE headers. Parsing is lenient where real files often are sloppy (the RIFF
/// size, the byte rate, a missing pad byte at the end) and strict where a wrong guess would give wrong
/// samples (the format fields, a data chunk longer than the file).
/// </summary>
internal static class WavHeader
{
    internal const uint Riff = 'R' | 'I' << 8 | 'F' << 16 | 'F' << 24;
    internal const uint Rifx = 'R' | 'I' << 8 | 'F' << 16 | 'X' << 24;
    internal const uint Rf64 = 'R' | 'F' << 8 | '6' << 16 | '4' << 24;
    internal const uint Bw64 = 'B' | 'W' << 8 | '6' << 16 | '4' << 24;
    internal const uint Wave = 'W' | 'A' << 8 | 'V' << 16 | 'E' << 24;
    internal const uint Fmt = 'f' | 'm' << 8 | 't' << 16 | ' ' << 24;
    internal const uint Fact = 'f' | 'a' << 8 | 'c' << 16 | 't' << 24;
    internal const uint Data = 'd' | 'a' << 8 | 't' << 16 | 'a' << 24;

    internal const ushort TagPcm = 1, TagFloat = 3, TagExtensible = 0xFFFE;
    private const int ExtensibleFmtBytes = 40;

    // The KSDATAFORMAT_SUBTYPE GUIDs all share these last 14 bytes; the first two are the format tag.
    internal static ReadOnlySpan<byte> SubtypeTail => [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    /// <summary>Reads the header up to the data chunk and leaves the stream at the first sample.</summary>
    public static WavLayout Read(Stream stream, string? path)
    {
        Span<byte> head = stackalloc byte[12];
        int got = ReadUpTo(stream, head);
        uint magic = got >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(head) : 0;
        switch (magic)
        {
            case Rf64 or Bw64:
                throw Fail(WavError.TooLarge, path, "an RF64/BW64 file (for data over 4 GiB); only RIFF files are supported.");
            case Rifx:
                throw Fail(WavError.UnsupportedFormat, path, "a big-endian RIFX file; only little-endian RIFF is supported.");
            case Riff when got < 12:
                throw Fail(WavError.MalformedHeader, path, $"the file ends inside the RIFF header, after {got} bytes.");
            case Riff:
                break;
            default:
                throw Fail(WavError.NotRiff, path, got < 4
                    ? $"only {got} bytes long, not a WAV file."
                    : $"starts with {Describe(magic)}, not 'RIFF': not a WAV file.");
        }
        uint form = BinaryPrimitives.ReadUInt32LittleEndian(head[8..]);
        if (form != Wave) throw Fail(WavError.NotWave, path, $"a RIFF file of form {Describe(form)}, not 'WAVE'.");

        long start = stream.CanSeek ? stream.Position - 12 : 0;
        long position = 12;
        long? end = stream.CanSeek ? stream.Length - start : null;
        WavFormat? format = null;
        long dataOffset = -1, dataBytes = 0;
        Span<byte> chunk = stackalloc byte[8];
        Span<byte> fmt = stackalloc byte[ExtensibleFmtBytes];
        while (ReadUpTo(stream, chunk) == 8)
        {
            position += 8;
            uint id = BinaryPrimitives.ReadUInt32LittleEndian(chunk);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            if (id == Data && dataOffset < 0)
            {
                dataOffset = position;
                dataBytes = size;
                if (format is not null) break;
                // A data chunk ahead of its format is legal but rare; only a seekable stream can come back to it.
                if (!stream.CanSeek) throw Fail(WavError.MissingFormatChunk, path, "the data chunk comes before the 'fmt ' chunk in a stream that cannot seek back.");
                if (position + size >= end) break;
            }
            else if (end is { } length && position + size > length)
            {
                throw Fail(WavError.MalformedHeader, path, $"the chunk {Describe(id)} at byte {position - 8} claims {size} bytes, past the end of the file ({length} bytes).");
            }
            if (id == Fmt && format is null)
            {
                if (size < 16) throw Fail(WavError.MalformedHeader, path, $"the 'fmt ' chunk has {size} bytes; it needs at least 16.");
                var fields = fmt[..(int)Math.Min(size, ExtensibleFmtBytes)];
                if (ReadUpTo(stream, fields) < fields.Length) throw Fail(WavError.MalformedHeader, path, "the file ends inside the 'fmt ' chunk.");
                position += fields.Length;
                format = ParseFormat(fields, path);
                size -= (uint)fields.Length;
                // The pad byte belongs to the chunk's full size, not to what is left of it.
                position += Skip(stream, size + (fields.Length + size & 1));
                continue;
            }
            position += Skip(stream, size + (size & 1));
        }
        if (format is null) throw Fail(WavError.MissingFormatChunk, path, "no 'fmt ' chunk in the file.");
        if (dataOffset < 0) throw Fail(WavError.MissingDataChunk, path, "no 'data' chunk in the file.");
        if (position != dataOffset) stream.Seek(start + dataOffset, SeekOrigin.Begin);
        if (end is { } fileLength && dataOffset + dataBytes > fileLength)
        {
            throw Fail(WavError.DataTruncated, path,
                $"the data chunk says {dataBytes} bytes ({dataBytes / format.BlockAlign} frames) but the file holds only {fileLength - dataOffset} after its start.");
        }
        return new WavLayout(format, start + dataOffset, dataBytes);
    }

    private static WavFormat ParseFormat(ReadOnlySpan<byte> f, string? path)
    {
        int tag = BinaryPrimitives.ReadUInt16LittleEndian(f);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(f[2..]);
        uint rate = BinaryPrimitives.ReadUInt32LittleEndian(f[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(f[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(f[14..]);
        uint mask = 0;
        if (tag == TagExtensible)
        {
            if (f.Length < ExtensibleFmtBytes || BinaryPrimitives.ReadUInt16LittleEndian(f[16..]) < 22)
                throw Fail(WavError.MalformedHeader, path, $"WAVE_FORMAT_EXTENSIBLE needs a 'fmt ' chunk of {ExtensibleFmtBytes} bytes with an extension of 22; this one is shorter.");
            int validBits = BinaryPrimitives.ReadUInt16LittleEndian(f[18..]);
            if (validBits > bits) throw Fail(WavError.MalformedHeader, path, $"{validBits} valid bits in a sample of {bits} bits.");
            mask = BinaryPrimitives.ReadUInt32LittleEndian(f[20..]);
            var subtype = f[24..40];
            if (!subtype[2..].SequenceEqual(SubtypeTail))
                throw Fail(WavError.UnsupportedFormat, path, $"WAVE_FORMAT_EXTENSIBLE with subformat {new Guid(subtype)}, which is not PCM or IEEE float.");
            tag = BinaryPrimitives.ReadUInt16LittleEndian(subtype);
        }
        var encoding = tag switch
        {
            TagPcm => WavEncoding.Pcm,
            TagFloat => WavEncoding.Float,
            _ => throw Fail(WavError.UnsupportedFormat, path, $"format tag 0x{tag:X4} ({TagName(tag)}); only PCM and IEEE float are supported."),
        };
        if (channels == 0) throw Fail(WavError.MalformedHeader, path, "the header says 0 channels.");
        if (rate == 0 || rate > int.MaxValue) throw Fail(WavError.MalformedHeader, path, $"the header says a sample rate of {rate} Hz.");
        if (bits == 0) throw Fail(WavError.MalformedHeader, path, "the header says 0 bits per sample.");
        if (!WavFormat.IsReadable(encoding, bits))
            throw Fail(WavError.UnsupportedFormat, path, $"{encoding} samples of {bits} bits; supported are PCM 8, 16, 24, 32 and float 32, 64.");
        if (blockAlign != channels * (bits / 8))
            throw Fail(WavError.MalformedHeader, path, $"a frame of {blockAlign} bytes does not hold {channels} samples of {bits} bits.");
        return new WavFormat(channels, (int)rate, bits, encoding) { ChannelMask = mask };
    }

    private static string TagName(int tag) => tag switch
    {
        0x0002 => "Microsoft ADPCM",
        0x0006 => "A-law",
        0x0007 => "mu-law",
        0x0011 => "IMA ADPCM",
        0x0031 => "GSM 6.10",
        0x0050 => "MPEG",
        0x0055 => "MPEG layer 3",
        0x00FF or 0x1610 => "AAC",
        _ => "unknown",
    };

    /// <summary>A chunk id as text when it is printable, else as hex, for error messages.</summary>
    private static string Describe(uint id)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, id);
        foreach (byte b in bytes)
        {
            if (b is < 0x20 or > 0x7E) return $"0x{BinaryPrimitives.ReverseEndianness(id):X8}";
        }
        return $"'{(char)bytes[0]}{(char)bytes[1]}{(char)bytes[2]}{(char)bytes[3]}'";
    }

    private static WavFormatException Fail(WavError error, string? path, string detail) => new(error, path, detail);

    /// <summary>Reads until the span is full or the stream ends; returns the bytes read.</summary>
    internal static int ReadUpTo(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>Skips bytes forward; returns how many (it may be fewer at the end of a stream that cannot seek).</summary>
    private static long Skip(Stream stream, long bytes)
    {
        if (bytes == 0) return 0;
        if (stream.CanSeek)
        {
            stream.Seek(bytes, SeekOrigin.Current);
            return bytes;
        }
        Span<byte> sink = stackalloc byte[512];
        long skipped = 0;
        while (skipped < bytes)
        {
            int n = stream.Read(sink[..(int)Math.Min(sink.Length, bytes - skipped)]);
            if (n == 0) break;
            skipped += n;
        }
        return skipped;
    }
}
