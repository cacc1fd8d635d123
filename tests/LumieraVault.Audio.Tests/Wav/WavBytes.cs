using System.Buffers.Binary;
using System.Text;

namespace LumieraVault.Audio.Tests.Wav;

/// <summary>Lays out WAV files byte by byte for the specs, independently of the codec's own header code.</summary>
internal static class WavBytes
{
    public static byte[] U16(int value) => [(byte)value, (byte)(value >> 8)];

    public static byte[] U32(long value) => [(byte)value, (byte)(value >> 8), (byte)(value >> 16), (byte)(value >> 24)];

    public static byte[] Text(string fourCc) => Encoding.ASCII.GetBytes(fourCc);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>A chunk: id, size, body, and the pad byte when the body is odd.</summary>
    public static byte[] Chunk(string id, byte[] body)
        => Concat(Text(id), U32(body.Length), body, body.Length % 2 == 1 ? [0] : []);

    /// <summary>A RIFF/WAVE file of the given chunks with a correct RIFF size.</summary>
    public static byte[] Wave(params byte[][] chunks)
    {
        var body = Concat(chunks);
        return Concat(Text("RIFF"), U32(4 + body.Length), Text("WAVE"), body);
    }

    /// <summary>A 16-byte WAVEFORMAT body; <paramref name="blockAlign"/> defaults to the right value.</summary>
    public static byte[] FmtBody(int tag, int channels, int rate, int bits, int? blockAlign = null)
    {
        int align = blockAlign ?? channels * bits / 8;
        return Concat(U16(tag), U16(channels), U32(rate), U32((long)rate * align), U16(align), U16(bits));
    }

    /// <summary>A 40-byte WAVE_FORMAT_EXTENSIBLE body with the subformat whose GUID starts with <paramref name="subTag"/>.</summary>
    public static byte[] ExtensibleBody(int subTag, int channels, int rate, int bits, int validBits, uint mask, byte[]? guidTail = null)
    {
        byte[] tail = guidTail ?? [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];
        return Concat(FmtBody(0xFFFE, channels, rate, bits), U16(22), U16(validBits), U32(mask), U16(subTag), tail);
    }

    public static byte[] Pcm16(params short[] samples)
    {
        var bytes = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), samples[i]);
        return bytes;
    }

    public static byte[] Float32(params float[] samples)
    {
        var bytes = new byte[samples.Length * 4];
        for (int i = 0; i < samples.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), samples[i]);
        return bytes;
    }

    /// <summary>A plain PCM/float file: fmt then data.</summary>
    public static byte[] Simple(int tag, int channels, int rate, int bits, byte[] data)
        => Wave(Chunk("fmt ", FmtBody(tag, channels, rate, bits)), Chunk("data", data));
}

/// <summary>Writes fixture files into the specs' temp folders.</summary>
internal static class TempFolderFiles
{
    public static string Write(this TempFolder folder, string name, byte[] bytes)
    {
        string path = folder.Sub(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}

/// <summary>A stream that only goes forward, like a pipe.</summary>
internal sealed class ForwardOnlyStream(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 7));
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
