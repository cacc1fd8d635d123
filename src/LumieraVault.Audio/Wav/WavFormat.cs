namespace LumieraVault.Audio.Wav;

/// <summary>
/// The shape of WAV audio: channels, sample rate and how a sample is coded. The codec reads PCM of 8
/// (unsigned), 16, 24 and 32 bits and IEEE float of 32 and 64 bits, and writes PCM 16, 24, 32 and float 32.
/// </summary>
public sealed record WavFormat
{
    /// <summary>Makes a format, checking that the codec can read it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// No channels, more than fit a frame of 65,535 bytes, a sample rate of 0, or bits the encoding does not have.
    /// </exception>
    public WavFormat(int channels, int sampleRate, int bitsPerSample, WavEncoding encoding, uint channelMask = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        if (!IsReadable(encoding, bitsPerSample))
            throw new ArgumentOutOfRangeException(nameof(bitsPerSample), bitsPerSample, $"{encoding} samples of {bitsPerSample} bits are not supported.");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, ushort.MaxValue / (bitsPerSample / 8));
        Channels = channels;
        SampleRate = sampleRate;
        BitsPerSample = bitsPerSample;
        Encoding = encoding;
        ChannelMask = channelMask;
    }

    /// <summary>Integer PCM of 16, 24 or 32 bits (8 bits is read, not written).</summary>
    public static WavFormat Pcm(int channels, int sampleRate, int bitsPerSample) => new(channels, sampleRate, bitsPerSample, WavEncoding.Pcm);

    /// <summary>IEEE float of 32 bits.</summary>
    public static WavFormat Float32(int channels, int sampleRate) => new(channels, sampleRate, 32, WavEncoding.Float);

    /// <summary>Number of interleaved channels in a frame.</summary>
    public int Channels { get; }

    /// <summary>Frames per second.</summary>
    public int SampleRate { get; }

    /// <summary>Bits of one sample as stored: 8, 16, 24, 32 (PCM) or 32, 64 (float).</summary>
    public int BitsPerSample { get; }

    /// <summary>Integer PCM or IEEE float.</summary>
    public WavEncoding Encoding { get; }

    /// <summary>The speaker positions of WAVE_FORMAT_EXTENSIBLE (bit 0 front left, ...); 0 when the file named none.</summary>
    public uint ChannelMask { get; init; }

    /// <summary>Bytes of one sample.</summary>
    public int BytesPerSample => BitsPerSample / 8;

    /// <summary>Bytes of one frame (one sample of every channel).</summary>
    public int BlockAlign => BytesPerSample * Channels;

    /// <summary>True for 16-bit PCM, whose samples the reader also hands out as <see cref="short"/> without loss.</summary>
    public bool IsInt16 => Encoding == WavEncoding.Pcm && BitsPerSample == 16;

    /// <summary>Whether the reader handles this encoding and size.</summary>
    public static bool IsReadable(WavEncoding encoding, int bitsPerSample) => encoding switch
    {
        WavEncoding.Pcm => bitsPerSample is 8 or 16 or 24 or 32,
        WavEncoding.Float => bitsPerSample is 32 or 64,
        _ => false,
    };

    /// <summary>Whether the writer produces this encoding and size.</summary>
    public bool IsWritable => Encoding == WavEncoding.Pcm ? BitsPerSample is 16 or 24 or 32 : BitsPerSample == 32;

    /// <inheritdoc/>
    public override string ToString()
        => $"{Channels} ch, {SampleRate} Hz, {(Encoding == WavEncoding.Float ? "float" : "PCM")} {BitsPerSample} bit";
}
