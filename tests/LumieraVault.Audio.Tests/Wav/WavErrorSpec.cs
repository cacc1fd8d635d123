using LumieraVault.Audio.Wav;
using Xunit;
using static LumieraVault.Audio.Tests.Wav.WavBytes;

namespace LumieraVault.Audio.Tests.Wav;

/// <summary>Every malformed file fails with its own named error, from a stream and from a file that the message names.</summary>
public sealed class WavErrorSpec
{
    private static readonly byte[] Fmt16 = Chunk("fmt ", FmtBody(1, 1, 8000, 16));

    public static TheoryData<string, byte[], WavError> Malformed => new()
    {
        { "an empty file", [], WavError.NotRiff },
        { "three bytes", Text("RIF"), WavError.NotRiff },
        { "a text file", Text("hello, this is not audio at all\n"), WavError.NotRiff },
        { "an Ogg file", Concat(Text("OggS"), new byte[40]), WavError.NotRiff },
        { "a RIFF header cut short", Concat(Text("RIFF"), U32(100)), WavError.MalformedHeader },
        { "an AVI file", Concat(Text("RIFF"), U32(4), Text("AVI ")), WavError.NotWave },
        { "an RF64 file", Concat(Text("RF64"), U32(0xFFFFFFFF), Text("WAVE"), Chunk("ds64", new byte[28])), WavError.TooLarge },
        { "a BW64 file", Concat(Text("BW64"), U32(0xFFFFFFFF), Text("WAVE")), WavError.TooLarge },
        { "a big-endian RIFX file", Concat(Text("RIFX"), U32(4), Text("WAVE")), WavError.UnsupportedFormat },
        { "no chunks at all", Wave(), WavError.MissingFormatChunk },
        { "data but no format", Wave(Chunk("data", Pcm16(1, 2))), WavError.MissingFormatChunk },
        { "a format but no data", Wave(Fmt16, Chunk("LIST", new byte[4])), WavError.MissingDataChunk },
        { "a format chunk of 14 bytes", Wave(Chunk("fmt ", FmtBody(1, 1, 8000, 16)[..14]), Chunk("data", [])), WavError.MalformedHeader },
        { "a file that ends inside the format chunk", Concat(Text("RIFF"), U32(40), Text("WAVE"), Text("fmt "), U32(16), U16(1), U16(1)), WavError.MalformedHeader },
        { "a chunk that claims more bytes than the file has", Wave(Fmt16, Concat(Text("LIST"), U32(1000), new byte[8])), WavError.MalformedHeader },
        { "A-law", Simple(6, 1, 8000, 8, [0xD5]), WavError.UnsupportedFormat },
        { "mu-law", Simple(7, 1, 8000, 8, [0xFF]), WavError.UnsupportedFormat },
        { "IMA ADPCM", Simple(0x11, 1, 8000, 4, new byte[256]), WavError.UnsupportedFormat },
        { "12-bit PCM", Wave(Chunk("fmt ", FmtBody(1, 1, 8000, 12, blockAlign: 2)), Chunk("data", Pcm16(16))), WavError.UnsupportedFormat },
        { "16-bit float", Simple(3, 1, 8000, 16, Pcm16(0)), WavError.UnsupportedFormat },
        { "extensible with a subformat that is not PCM or float", Wave(Chunk("fmt ", ExtensibleBody(1, 1, 8000, 16, 16, 4, guidTail: new byte[14])), Chunk("data", Pcm16(1))), WavError.UnsupportedFormat },
        { "extensible with an A-law subformat", Wave(Chunk("fmt ", ExtensibleBody(6, 1, 8000, 8, 8, 4)), Chunk("data", [1])), WavError.UnsupportedFormat },
        { "extensible with a short format chunk", Wave(Chunk("fmt ", Concat(FmtBody(0xFFFE, 1, 8000, 16), U16(0))), Chunk("data", Pcm16(1))), WavError.MalformedHeader },
        { "extensible with more valid bits than bits", Wave(Chunk("fmt ", ExtensibleBody(1, 1, 8000, 16, 24, 4)), Chunk("data", Pcm16(1))), WavError.MalformedHeader },
        { "zero channels", Wave(Chunk("fmt ", FmtBody(1, 0, 8000, 16, blockAlign: 2)), Chunk("data", Pcm16(1))), WavError.MalformedHeader },
        { "a sample rate of zero", Simple(1, 1, 0, 16, Pcm16(1)), WavError.MalformedHeader },
        { "zero bits per sample", Wave(Chunk("fmt ", FmtBody(1, 1, 8000, 0, blockAlign: 2)), Chunk("data", Pcm16(1))), WavError.MalformedHeader },
        { "a frame size that does not match", Wave(Chunk("fmt ", FmtBody(1, 2, 8000, 16, blockAlign: 2)), Chunk("data", Pcm16(1))), WavError.MalformedHeader },
        { "data shorter than its header says", Concat(Wave(Fmt16), Text("data"), U32(2000), Pcm16(1, 2, 3)), WavError.DataTruncated },
        { "a data chunk size of 0xFFFFFFFF from an unfinished recording", Concat(Wave(Fmt16), Text("data"), U32(0xFFFFFFFF), Pcm16(1, 2, 3)), WavError.DataTruncated },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_stream_fails_with_its_named_error(string what, byte[] file, WavError error)
    {
        var e = Assert.Throws<WavFormatException>(() => new WavReader(new MemoryStream(file)));
        Assert.True(error == e.Error, $"{what}: expected {error}, got {e.Error}: {e.Message}");
        Assert.Null(e.Path);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_file_fails_with_its_named_error_and_path_and_is_closed_after(string what, byte[] file, WavError error)
    {
        using var folder = new TempFolder();
        string path = folder.Write("bad.wav", file);
        var e = Assert.Throws<WavFormatException>(() => WavReader.Open(path));
        Assert.True(error == e.Error, $"{what}: expected {error}, got {e.Error}: {e.Message}");
        Assert.Equal(path, e.Path);
        Assert.Contains(path, e.Message);
        Assert.Contains(error.ToString(), e.Message);
        Assert.DoesNotContain(path, OpenFiles());
    }

    /// <summary>The files this process has open now, from /proc/self/fd.</summary>
    private static IEnumerable<string> OpenFiles()
        => new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Select(fd => fd.LinkTarget).OfType<string>().ToArray();

    [Fact]
    public void A_stream_that_ends_before_its_data_fails_as_truncated_when_the_block_is_read()
    {
        var file = Concat(Wave(Fmt16), Text("data"), U32(2000), Pcm16(1, 2, 3));
        using var reader = new WavReader(new ForwardOnlyStream(new MemoryStream(file)));
        Assert.Equal(1000, reader.FrameCount);
        var e = Assert.Throws<WavFormatException>(() => reader.ReadBlock());
        Assert.Equal(WavError.DataTruncated, e.Error);
        Assert.Contains("frame 3 of the 1000", e.Message);
    }

    [Fact]
    public void A_file_that_shrinks_while_it_is_read_fails_as_truncated()
    {
        using var folder = new TempFolder();
        string path = folder.Write("shrinks.wav", Simple(1, 1, 8000, 16, Pcm16(new short[4000])));
        using var reader = WavReader.Open(path, bufferBytes: 1000);
        Assert.Equal(500, reader.ReadBlock());
        using (var shrink = new FileStream(path, FileMode.Open, FileAccess.Write)) shrink.SetLength(44 + 1200);
        var e = Assert.Throws<WavFormatException>(() => reader.ReadBlock());
        Assert.Equal(WavError.DataTruncated, e.Error);
        Assert.Equal(path, e.Path);
        Assert.Contains("frame 600 of the 4000", e.Message);
    }

    [Fact]
    public void A_missing_file_fails_with_a_message_naming_its_path()
    {
        using var folder = new TempFolder();
        string path = folder.Sub("nothing-here.wav");
        var e = Assert.Throws<FileNotFoundException>(() => WavReader.Open(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_folder_given_as_the_file_fails_with_a_message_naming_its_path()
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<UnauthorizedAccessException>(() => WavReader.Open(folder.Path));
        Assert.Contains(folder.Path, e.Message);
    }
}
