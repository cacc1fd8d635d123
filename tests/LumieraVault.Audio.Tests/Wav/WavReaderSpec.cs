using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LumieraVault.Audio.Wav;
using Xunit;
using static LumieraVault.Audio.Tests.Wav.WavBytes;

namespace LumieraVault.Audio.Tests.Wav;

public sealed class WavReaderSpec
{
    private static WavReader Reader(byte[] file, int bufferBytes = WavReader.DefaultBufferBytes) => new(new MemoryStream(file), bufferBytes: bufferBytes);

    private static float[][] ReadAll(WavReader reader)
    {
        var channels = Enumerable.Range(0, reader.Format.Channels).Select(_ => new float[reader.FrameCount]).ToArray();
        Assert.Equal(reader.FrameCount, reader.Read(channels, 0, (int)reader.FrameCount));
        Assert.Equal(0, reader.ReadBlock());
        return channels;
    }

    [Fact]
    public void A_canonical_16_bit_stereo_file_written_byte_by_byte_gives_its_format_and_samples()
    {
        byte[] file =
        [
            (byte)'R', (byte)'I', (byte)'F', (byte)'F', 48, 0, 0, 0, (byte)'W', (byte)'A', (byte)'V', (byte)'E',
            (byte)'f', (byte)'m', (byte)'t', (byte)' ', 16, 0, 0, 0,
            1, 0, 2, 0, 0x44, 0xAC, 0, 0, 0x10, 0xB1, 2, 0, 4, 0, 16, 0,
            (byte)'d', (byte)'a', (byte)'t', (byte)'a', 12, 0, 0, 0,
            0x00, 0x80, 0xFF, 0x7F, // frame 0: -32768, 32767
            0x01, 0x00, 0xFF, 0xFF, // frame 1: 1, -1
            0x00, 0x40, 0x00, 0xC0, // frame 2: 16384, -16384
        ];
        using var reader = Reader(file);
        Assert.Equal(new WavFormat(2, 44100, 16, WavEncoding.Pcm), reader.Format);
        Assert.Equal(3, reader.FrameCount);
        var samples = ReadAll(reader);
        Assert.Equal([-1f, 1f / 32768, 0.5f], samples[0]);
        Assert.Equal([32767f / 32768, -1f / 32768, -0.5f], samples[1]);
    }

    [Fact]
    public void Twenty_four_bit_extremes_read_as_exact_fractions_of_two_to_the_23()
    {
        byte[] data = [0x00, 0x00, 0x80, 0xFF, 0xFF, 0x7F, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x56, 0x34, 0x12];
        using var reader = Reader(Simple(1, 1, 48000, 24, data));
        Assert.Equal(6, reader.FrameCount);
        Assert.Equal([-1f, 8388607f / 8388608, 1f / 8388608, -1f / 8388608, 0f, 0x123456 / 8388608f], ReadAll(reader)[0]);
    }

    [Fact]
    public void Thirty_two_bit_pcm_maps_its_range_onto_minus_one_to_one()
    {
        byte[] data = Concat(U32(0x80000000), U32(0x7FFFFFFF), U32(0x40000000), U32(0));
        using var reader = Reader(Simple(1, 1, 48000, 32, data));
        Assert.Equal([-1f, 1f, 0.5f, 0f], ReadAll(reader)[0]);
    }

    [Fact]
    public void Eight_bit_pcm_is_unsigned_around_128()
    {
        using var reader = Reader(Simple(1, 1, 8000, 8, [0, 128, 255, 64]));
        Assert.Equal([-1f, 0f, 127f / 128, -0.5f], ReadAll(reader)[0]);
    }

    [Fact]
    public void Float_samples_are_read_as_they_are_stored_beyond_full_scale_too()
    {
        float[] values = [0.25f, -1.5f, 3e-9f, 1f];
        using (var reader = Reader(Simple(3, 1, 96000, 32, Float32(values))))
            Assert.Equal(values, ReadAll(reader)[0]);
        byte[] doubles = values.SelectMany(v => BitConverter.GetBytes((double)v)).ToArray();
        using (var reader = Reader(Simple(3, 2, 96000, 64, doubles)))
        {
            Assert.Equal(new WavFormat(2, 96000, 64, WavEncoding.Float), reader.Format);
            var samples = ReadAll(reader);
            Assert.Equal([0.25f, 3e-9f], samples[0]);
            Assert.Equal([-1.5f, 1f], samples[1]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(6)]
    public void Sixteen_bit_samples_read_as_int16_are_exactly_the_stored_ones(int channels)
    {
        // Long enough for the vector loops and their scalar tails.
        const int frames = 1000;
        var stored = new short[frames * channels];
        for (int i = 0; i < stored.Length; i++) stored[i] = (short)(i * 7919 ^ i >> 3);
        using var reader = Reader(Simple(1, channels, 48000, 16, Pcm16(stored)), bufferBytes: 333 * 2 * channels);
        var ints = new short[channels][];
        var floats = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            ints[c] = new short[frames];
            floats[c] = new float[frames];
        }
        int at = 0;
        while (reader.ReadBlock() is var n and > 0)
        {
            for (int c = 0; c < channels; c++)
            {
                reader.GetChannel(c, ints[c].AsSpan(at));
                reader.GetChannel(c, floats[c].AsSpan(at));
            }
            at += n;
        }
        Assert.Equal(frames, at);
        for (int c = 0; c < channels; c++)
        {
            for (int f = 0; f < frames; f++)
            {
                Assert.Equal(stored[f * channels + c], ints[c][f]);
                Assert.Equal(stored[f * channels + c] / 32768f, floats[c][f]);
            }
        }
    }

    [Theory]
    [InlineData(7, 3)]   // blocks of 3 frames, the last of 1
    [InlineData(6, 6)]   // one whole block
    [InlineData(0, 4)]   // no data
    public void Blocks_read_into_buffers_of_the_callers_take_turns_as_the_current_block_and_give_what_ReadBlock_gives(int frames, int blockFrames)
    {
        var samples = Enumerable.Range(0, 2 * frames).Select(i => (short)(i * 4099 - 20000)).ToArray();
        byte[] file = Simple(1, 2, 48000, 16, Pcm16(samples));
        using var plain = Reader(file, bufferBytes: blockFrames * 4);
        using var ahead = Reader(file, bufferBytes: blockFrames * 4);
        var buffers = new[] { new byte[blockFrames * 4], new byte[blockFrames * 4 + 5] };
        int n, turn = 0;
        // Two blocks read before the first is used: the current block stays until UseBlock names another.
        int pending = ahead.ReadBlockInto(buffers[0]);
        do
        {
            n = plain.ReadBlock();
            Assert.Equal(n, pending);
            if (n == 0) break;
            var current = buffers[turn];
            ahead.UseBlock(current, pending);
            turn ^= 1;
            pending = ahead.ReadBlockInto(buffers[turn]);
            Assert.Equal(n, ahead.BlockFrames);
            for (int c = 0; c < 2; c++)
            {
                var expected = new short[n];
                var got = new short[n];
                plain.GetChannel(c, expected);
                ahead.GetChannel(c, got);
                Assert.Equal(expected, got);
            }
        }
        while (n > 0);
        Assert.Equal(frames, ahead.Position);
        Assert.Throws<ArgumentException>(() => ahead.UseBlock(new byte[3], 1));
    }

    [Fact]
    public void A_block_read_ahead_past_the_end_of_a_cut_data_chunk_fails_as_truncated()
    {
        byte[] whole = Simple(1, 1, 48000, 16, Pcm16(1, 2, 3, 4, 5, 6));
        // Not seekable, so the header cannot see that the data is cut: the read that reaches the cut does.
        using var reader = new WavReader(new ForwardOnly(whole[..^4]), bufferBytes: 8);
        Assert.Equal(4, reader.ReadBlockInto(new byte[8]));
        var e = Assert.Throws<WavFormatException>(() => reader.ReadBlockInto(new byte[8]));
        Assert.Equal(WavError.DataTruncated, e.Error);
    }

    [Fact]
    public void Int16_samples_are_refused_for_a_file_that_is_not_16_bit()
    {
        using var reader = Reader(Simple(3, 1, 48000, 32, Float32(0.5f)));
        reader.ReadBlock();
        Assert.Throws<InvalidOperationException>(() => reader.GetChannel(0, new short[1]));
    }

    [Fact]
    public void Extensible_pcm_and_float_read_like_their_plain_forms_and_keep_the_channel_mask()
    {
        var pcm = Wave(Chunk("fmt ", ExtensibleBody(1, 2, 44100, 24, 20, 0x3)), Chunk("data", [0x00, 0x00, 0x80, 0x00, 0x10, 0x00]));
        using (var reader = Reader(pcm))
        {
            Assert.Equal(new WavFormat(2, 44100, 24, WavEncoding.Pcm) { ChannelMask = 3 }, reader.Format);
            var samples = ReadAll(reader);
            Assert.Equal([-1f], samples[0]);
            Assert.Equal([16 * 256 / 8388608f], samples[1]);
        }
        var single = Wave(Chunk("fmt ", ExtensibleBody(3, 1, 48000, 32, 32, 0x4)), Chunk("fact", U32(2)), Chunk("data", Float32(0.75f, -0.125f)));
        using (var reader = Reader(single))
        {
            Assert.Equal(WavEncoding.Float, reader.Format.Encoding);
            Assert.Equal([0.75f, -0.125f], ReadAll(reader)[0]);
        }
    }

    [Fact]
    public void Unknown_chunks_are_skipped_and_odd_sized_ones_with_their_pad_byte()
    {
        var file = Wave(
            Chunk("JUNK", new byte[3]),
            Chunk("fmt ", FmtBody(1, 1, 22050, 16)),
            Chunk("LIST", Concat(Text("INFO"), Text("ISFT"), U32(5), Text("abcde"), [0])),
            Chunk("bext", new byte[7]),
            Chunk("data", Pcm16(5, -5, 300)),
            Chunk("cue ", new byte[9]));
        Assert.Equal(0, file[12 + 8 + 3]); // the JUNK pad byte really is in the file
        using var reader = Reader(file);
        Assert.Equal([5 / 32768f, -5 / 32768f, 300 / 32768f], ReadAll(reader)[0]);
    }

    [Fact]
    public void A_format_chunk_larger_than_needed_and_odd_is_skipped_to_its_end()
    {
        var body = Concat(FmtBody(1, 1, 8000, 16), U16(1), [0xAB]);
        using var reader = Reader(Wave(Chunk("fmt ", body), Chunk("data", Pcm16(42))));
        Assert.Equal([42 / 32768f], ReadAll(reader)[0]);
    }

    [Fact]
    public void A_data_chunk_ahead_of_the_format_is_found_in_a_seekable_stream()
    {
        using var reader = Reader(Wave(Chunk("data", Pcm16(1, 2, 3)), Chunk("fmt ", FmtBody(1, 1, 8000, 16))));
        Assert.Equal([1 / 32768f, 2 / 32768f, 3 / 32768f], ReadAll(reader)[0]);
    }

    [Fact]
    public void A_last_partial_frame_is_ignored()
    {
        using var reader = Reader(Simple(1, 2, 8000, 16, Concat(Pcm16(1, 2, 3), [0])));
        Assert.Equal(1, reader.FrameCount);
        var samples = ReadAll(reader);
        Assert.Equal([1 / 32768f], samples[0]);
        Assert.Equal([2 / 32768f], samples[1]);
    }

    [Fact]
    public void A_stream_that_cannot_seek_is_read_through_its_chunks_in_small_pieces()
    {
        var file = Wave(Chunk("JUNK", new byte[1001]), Chunk("fmt ", FmtBody(1, 2, 8000, 16)), Chunk("data", Pcm16(7, 8, 9, 10)));
        using var reader = new WavReader(new ForwardOnlyStream(new MemoryStream(file)));
        var samples = ReadAll(reader);
        Assert.Equal([7 / 32768f, 9 / 32768f], samples[0]);
        Assert.Equal([8 / 32768f, 10 / 32768f], samples[1]);
    }

    [Fact]
    public void A_stream_that_starts_with_other_bytes_is_read_from_its_position()
    {
        var stream = new MemoryStream(Concat(new byte[5], Simple(1, 1, 8000, 16, Pcm16(-3))));
        stream.Position = 5;
        using var reader = new WavReader(stream);
        Assert.Equal([-3 / 32768f], ReadAll(reader)[0]);
    }

    [Property(MaxTest = 60)]
    public Property Blocks_of_any_size_read_the_same_samples_as_one_read(PositiveInt bufferBytes, PositiveInt asked)
    {
        const int frames = 257;
        var stored = Enumerable.Range(0, frames * 3).Select(i => (short)(i * 977)).ToArray();
        var file = Simple(1, 3, 8000, 16, Pcm16(stored));
        using var reader = Reader(file, bufferBytes.Get % 2000 + 1);
        var left = new List<float>();
        var buffer = new float[frames];
        while (reader.ReadBlock(asked.Get % 300 + 1) is var n and > 0)
        {
            Assert.True(n <= reader.MaxBlockFrames);
            reader.GetChannel(2, buffer);
            left.AddRange(buffer.Take(n));
        }
        var expected = Enumerable.Range(0, frames).Select(f => stored[f * 3 + 2] / 32768f);
        return left.SequenceEqual(expected).Label($"buffer {bufferBytes.Get % 2000 + 1}, asked {asked.Get % 300 + 1}");
    }

    [Fact]
    public void Open_reads_a_file_and_names_it()
    {
        using var folder = new TempFolder();
        string path = folder.Write("tone.wav", Simple(1, 1, 8000, 16, Pcm16(1, 2)));
        using var reader = WavReader.Open(path);
        Assert.Equal(path, reader.Path);
        Assert.Equal(2, reader.FrameCount);
        Assert.Equal(TimeSpan.FromSeconds(2.0 / 8000), reader.Duration);
    }

    /// <summary>A stream that reads forward only, as a pipe does.</summary>
    private sealed class ForwardOnly(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
