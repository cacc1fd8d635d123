using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace LumieraVault.Samples.Playback;

/// <summary>
/// A raw RGBA clip made up for the demo: a small header, then fixed-size frames. The first 16 bytes of
/// every frame are a stamp (the frame number and a checksum of the rest of the frame), so a player can
/// tell a wrong, torn or misplaced frame from the right one.
/// </summary>
internal sealed record SyntheticClip(string Path, int Width, int Height, int Fps, int Frames)
{
    /// <summary>Bytes before the first frame. Deliberately not a multiple of the page size, so windows start mid-page.</summary>
    public const int HeaderBytes = 64;

    private const int StampBytes = 16;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("LVCLIP01");

    public int FrameSize => Width * Height * 4;

    public long FileSize => HeaderBytes + (long)FrameSize * Frames;

    public static SyntheticClip Create(string folder, int width, int height, int fps, int frames, CancellationToken cancel)
    {
        var clip = new SyntheticClip(System.IO.Path.Combine(folder, "synthetic.rgba"), width, height, fps, frames);
        var header = new byte[HeaderBytes];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), width);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), height);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(16), fps);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(20), frames);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(24), clip.FrameSize);

        using var handle = File.OpenHandle(clip.Path, FileMode.Create, FileAccess.Write);
        RandomAccess.Write(handle, header, 0);
        var frame = new byte[clip.FrameSize];
        for (int n = 0; n < frames; n++)
        {
            cancel.ThrowIfCancellationRequested();
            clip.Paint(n, frame);
            RandomAccess.Write(handle, frame, HeaderBytes + (long)n * clip.FrameSize);
        }
        return clip;
    }

    /// <summary>Null if <paramref name="frame"/> is frame <paramref name="expected"/> as it was made; otherwise what is wrong with it.</summary>
    public static string? Check(long expected, ReadOnlySpan<byte> frame)
    {
        if (frame.Length < StampBytes) return $"only {frame.Length} bytes";
        long number = BinaryPrimitives.ReadInt64LittleEndian(frame);
        ulong stamped = BinaryPrimitives.ReadUInt64LittleEndian(frame[8..]);
        if (number != expected) return $"stamped as frame {number}";
        ulong actual = Checksum(frame[StampBytes..]);
        return actual == stamped ? null : $"checksum {actual:x16}, stamped {stamped:x16}";
    }

    /// <summary>A 64-bit checksum that depends on every byte and on its position.</summary>
    public static ulong Checksum(ReadOnlySpan<byte> data)
    {
        ulong h = 0xcbf29ce484222325;
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (ulong w in words) h = BitOperations.RotateLeft((h ^ w) * 0x100000001b3, 29);
        foreach (byte b in data[(words.Length * 8)..]) h = (h ^ b) * 0x100000001b3;
        return h ^ (ulong)data.Length;
    }

    private void Paint(int n, byte[] frame)
    {
        // A gradient that drifts a little every frame, so neighbouring frames differ everywhere.
        var pixels = MemoryMarshal.Cast<byte, uint>(frame.AsSpan());
        for (int y = 0; y < Height; y++)
        {
            var row = pixels.Slice(y * Width, Width);
            for (int x = 0; x < Width; x++)
            {
                uint r = (uint)(x + n * 3) & 0xFF, g = (uint)(y + n * 2) & 0xFF, b = (uint)((x ^ y) + n) & 0xFF;
                row[x] = r | g << 8 | b << 16 | 0xFFu << 24;
            }
        }
        BinaryPrimitives.WriteInt64LittleEndian(frame, n);
        BinaryPrimitives.WriteUInt64LittleEndian(frame.AsSpan(8), Checksum(frame.AsSpan(StampBytes)));
    }
}
