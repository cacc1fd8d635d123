using System.Buffers.Binary;
using LumieraVault.Rendering;

namespace LumieraVault.Samples.Playback;

/// <summary>
/// The rendered layer of the demo: a title band (RGBA with alpha) composited over the bottom of the clip's frames. Its
/// frames exist in no file: the render scheduler renders them into the render cache, the prefetcher queues them ahead of
/// the play head, and a second run finds them in the cache. Each frame is stamped like the clip's, so a wrong one shows.
/// </summary>
internal sealed class TitleRenderer(int width, int height) : IRenderer
{
    private const int StampBytes = 16;

    public int Width => width;

    public int Height => height;

    public string Id => $"title:LumieraVault:{width}x{height}";

    public int FrameLength(long time) => width * height * 4;

    public ValueTask RenderAsync(RenderContext context, CancellationToken cancellation)
    {
        var target = context.Target;
        // A translucent dark band with a bright marker that runs along it as time goes on.
        int marker = (int)(context.Time * 7 % width);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var pixel = target.Slice((y * width + x) * 4, 4);
                bool lit = Math.Abs(x - marker) < 12;
                pixel[0] = pixel[1] = pixel[2] = lit ? (byte)0xF0 : (byte)0x20;
                pixel[3] = lit ? (byte)0xE0 : (byte)0x80;
            }
        }
        BinaryPrimitives.WriteInt64LittleEndian(target, context.Time);
        BinaryPrimitives.WriteUInt64LittleEndian(target[8..], SyntheticClip.Checksum(target[StampBytes..]));
        return ValueTask.CompletedTask;
    }

    /// <summary>Null if <paramref name="frame"/> is the title of <paramref name="time"/>; otherwise what is wrong.</summary>
    public static string? Check(long time, ReadOnlySpan<byte> frame) => SyntheticClip.Check(time, frame);

    /// <summary>Blends the band over the bottom rows of an RGBA frame of the same width.</summary>
    public void CompositeOver(Span<byte> picture, ReadOnlySpan<byte> title)
    {
        int offset = picture.Length - title.Length;
        for (int i = StampBytes; i < title.Length; i += 4)
        {
            int a = title[i + 3];
            for (int c = 0; c < 3; c++)
                picture[offset + i + c] = (byte)((title[i + c] * a + picture[offset + i + c] * (255 - a)) / 255);
        }
    }
}
