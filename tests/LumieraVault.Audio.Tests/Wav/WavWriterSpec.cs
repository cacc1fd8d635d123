using LumieraVault.Audio.Wav;
using Xunit;
using static LumieraVault.Audio.Tests.Wav.WavBytes;

namespace LumieraVault.Audio.Tests.Wav;

public sealed class WavWriterSpec
{
    public static TheoryData<int, WavEncoding, int> Formats()
    {
        var data = new TheoryData<int, WavEncoding, int>();
        foreach (int channels in new[] { 1, 2, 6 })
        {
            foreach (int bits in new[] { 16, 24, 32 }) data.Add(bits, WavEncoding.Pcm, channels);
            data.Add(32, WavEncoding.Float, channels);
        }
        return data;
    }

    /// <summary>Samples the format holds exactly: multiples of its step, the extremes, and (float) arbitrary values.</summary>
    private static float[][] Signal(WavFormat format, int frames)
    {
        float step = format.Encoding == WavEncoding.Float ? 0 : MathF.Pow(2, -(Math.Min(format.BitsPerSample, 24) - 1));
        var random = new Random(format.Channels * 100 + format.BitsPerSample);
        return Enumerable.Range(0, format.Channels).Select(c => Enumerable.Range(0, frames).Select(f => f switch
        {
            0 => -1f,
            1 => 1f - (step == 0 ? 0.5f : step),
            _ when step == 0 => (float)(random.NextDouble() * 2 - 1) * (1 + c),
            _ => Math.Clamp(MathF.Round((float)(random.NextDouble() * 2 - 1) / step), -1 / step, 1 / step - 1) * step,
        }).ToArray()).ToArray();
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Every_format_and_channel_count_comes_back_exactly(int bits, WavEncoding encoding, int channels)
    {
        var format = new WavFormat(channels, 48000, bits, encoding);
        const int frames = 2500;
        var signal = Signal(format, frames);
        using var folder = new TempFolder();
        string path = folder.Sub("round.wav");
        using (var writer = WavWriter.Create(path, format, bufferBytes: 999))
        {
            writer.Write(signal, 0, frames);
            Assert.Equal(frames, writer.FramesWritten);
        }
        Assert.Equal(HeaderBytes(format) + (long)frames * format.BlockAlign + frames * format.BlockAlign % 2, new FileInfo(path).Length);
        using var reader = WavReader.Open(path);
        Assert.Equal(format with { ChannelMask = reader.Format.ChannelMask }, reader.Format);
        Assert.Equal(frames, reader.FrameCount);
        var back = Enumerable.Range(0, channels).Select(_ => new float[frames]).ToArray();
        reader.Read(back, 0, frames);
        for (int c = 0; c < channels; c++) Assert.Equal(signal[c], back[c]);
    }

    private static int HeaderBytes(WavFormat format) => format.Channels > 2 ? 68 + (format.Encoding == WavEncoding.Float ? 12 : 0)
        : format.Encoding == WavEncoding.Float ? 58 : 44;

    [Fact]
    public void A_16_bit_stereo_file_is_the_canonical_44_byte_header_and_the_interleaved_samples()
    {
        var stream = new MemoryStream();
        using (var writer = new WavWriter(stream, WavFormat.Pcm(2, 44100, 16), leaveOpen: true))
        {
            writer.BeginBlock(2);
            writer.PutChannel(1, new short[] { 3, 4 });
            writer.PutChannel(0, new short[] { 1, -2 });
            writer.EndBlock();
        }
        Assert.Equal(Simple(1, 2, 44100, 16, Pcm16(1, 3, -2, 4)), stream.ToArray());
    }

    [Fact]
    public void A_float_file_has_the_18_byte_format_and_a_fact_chunk_with_its_frame_count()
    {
        var stream = new MemoryStream();
        using (var writer = new WavWriter(stream, WavFormat.Float32(1, 48000), leaveOpen: true)) writer.Write([[0.5f, -2f, 0f]], 0, 3);
        var expected = Wave(Chunk("fmt ", Concat(FmtBody(3, 1, 48000, 32), U16(0))), Chunk("fact", U32(3)), Chunk("data", Float32(0.5f, -2f, 0f)));
        Assert.Equal(expected, stream.ToArray());
    }

    [Fact]
    public void Six_channels_are_written_as_extensible_with_the_5_1_speaker_mask()
    {
        var stream = new MemoryStream();
        var six = Enumerable.Range(0, 6).Select(c => new[] { c / 8f }).ToArray();
        using (var writer = new WavWriter(stream, WavFormat.Pcm(6, 48000, 24), leaveOpen: true)) writer.Write(six, 0, 1);
        byte[] data = six.SelectMany(c => new byte[] { 0, 0, (byte)(c[0] * 128) }).ToArray();
        var expected = Wave(Chunk("fmt ", ExtensibleBody(1, 6, 48000, 24, 24, 0x3F)), Chunk("data", data));
        Assert.Equal(expected, stream.ToArray());
    }

    [Fact]
    public void Odd_data_gets_a_pad_byte_that_the_riff_size_counts_and_the_data_size_does_not()
    {
        var stream = new MemoryStream();
        using (var writer = new WavWriter(stream, WavFormat.Pcm(1, 8000, 24), leaveOpen: true)) writer.Write([[0f, 0f, 0f]], 0, 3);
        var bytes = stream.ToArray();
        Assert.Equal(44 + 9 + 1, bytes.Length);
        Assert.Equal(U32(bytes.Length - 8), bytes[4..8]);
        Assert.Equal(U32(9), bytes[40..44]);
        Assert.Equal(Simple(1, 1, 8000, 24, new byte[9]), bytes);
    }

    [Fact]
    public void Floats_become_integers_scaled_rounded_half_to_even_and_clamped()
    {
        float[] input = [1f, -1f, 2f, -2f, float.NaN, 0.5f / 32768, 1.5f / 32768, 2.5f / 32768, -1.5f / 32768, 32767.25f / 32768, float.PositiveInfinity];
        Assert.Equal([32767, -32768, 32767, -32768, 0, 0, 2, 2, -2, 32767, 32767], Encode(WavFormat.Pcm(1, 8000, 16), input, 2).Select(b => (int)BitConverter.ToInt16(b)));
        Assert.Equal([8388607, -8388608, 8388607, -8388608, 0, 128, 384, 640, -384, 8388416, 8388607],
            Encode(WavFormat.Pcm(1, 8000, 24), input, 3).Select(b => BitConverter.ToInt32([0, .. b]) >> 8));
        Assert.Equal([int.MaxValue, int.MinValue, int.MaxValue, int.MinValue, 0, 32768, 98304, 163840, -98304, 2147434496, int.MaxValue],
            Encode(WavFormat.Pcm(1, 8000, 32), input, 4).Select(b => BitConverter.ToInt32(b)));
    }

    private static IEnumerable<byte[]> Encode(WavFormat format, float[] samples, int bytes)
    {
        var stream = new MemoryStream();
        using (var writer = new WavWriter(stream, format, leaveOpen: true)) writer.Write([samples], 0, samples.Length);
        var data = stream.ToArray()[44..];
        return Enumerable.Range(0, samples.Length).Select(i => data[(i * bytes)..((i + 1) * bytes)]);
    }

    [Fact]
    public void Int16_samples_go_unchanged_into_16_bit_and_scaled_into_the_other_formats()
    {
        short[] samples = [short.MinValue, short.MaxValue, -1, 1234];
        foreach (var format in new[] { WavFormat.Pcm(1, 8000, 16), WavFormat.Pcm(1, 8000, 24), WavFormat.Pcm(1, 8000, 32), WavFormat.Float32(1, 8000) })
        {
            var stream = new MemoryStream();
            using (var writer = new WavWriter(stream, format, leaveOpen: true))
            {
                writer.BeginBlock(samples.Length);
                writer.PutChannel(0, samples);
                writer.EndBlock();
            }
            stream.Position = 0;
            using var reader = new WavReader(stream);
            var back = new float[samples.Length];
            reader.Read([back], 0, samples.Length);
            Assert.Equal(samples.Select(s => s / 32768f), back);
        }
    }

    [Fact]
    public void Data_past_what_a_riff_header_can_describe_is_refused_as_too_large_and_the_file_so_far_stays_valid()
    {
        using var folder = new TempFolder();
        string path = folder.Sub("big.wav");
        // The limit is 4 GiB in use; a small one here stands for it. Header 44 bytes: the RIFF size allows 100 - 36 - 1 = 63 data bytes.
        using (var writer = WavWriter.Create(path, WavFormat.Pcm(1, 8000, 16), WavReader.DefaultBufferBytes, maxRiffBytes: 100))
        {
            writer.Write([new float[31]], 0, 31);
            var e = Assert.Throws<WavFormatException>(() => writer.BeginBlock(1));
            Assert.Equal(WavError.TooLarge, e.Error);
            Assert.Contains(path, e.Message);
        }
        using var reader = WavReader.Open(path);
        Assert.Equal(31, reader.FrameCount);
    }

    [Fact]
    public void A_block_with_a_channel_missing_is_refused()
    {
        using var writer = new WavWriter(new MemoryStream(), WavFormat.Pcm(2, 8000, 16));
        writer.BeginBlock(1);
        writer.PutChannel(0, new float[1]);
        Assert.Throws<InvalidOperationException>(() => writer.EndBlock());
        Assert.Throws<ArgumentException>(() => writer.PutChannel(1, new float[2]));
    }

    [Fact]
    public void Formats_the_writer_does_not_produce_and_streams_it_cannot_seek_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new WavWriter(new MemoryStream(), WavFormat.Pcm(1, 8000, 8)));
        Assert.Throws<ArgumentException>(() => new WavWriter(new MemoryStream(), new WavFormat(1, 8000, 64, WavEncoding.Float)));
        Assert.Throws<ArgumentException>(() => new WavWriter(new ForwardOnlyStream(new MemoryStream()), WavFormat.Pcm(1, 8000, 16)));
    }

    [Fact]
    public void A_file_in_a_missing_folder_fails_with_a_message_naming_its_path()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "no-such-folder", "out.wav");
        var e = Assert.Throws<DirectoryNotFoundException>(() => WavWriter.Create(path, WavFormat.Pcm(1, 8000, 16)));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Nothing_can_be_written_after_complete()
    {
        using var writer = new WavWriter(new MemoryStream(), WavFormat.Pcm(1, 8000, 16));
        writer.Complete();
        Assert.Throws<InvalidOperationException>(() => writer.BeginBlock(1));
    }
}
