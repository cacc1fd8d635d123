using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using LumieraVault.Rendering;

namespace LumieraVault.Samples.Playback;

/// <summary>
/// A lower-third title over the clip: a band of the clip's width at the bottom of the frame, RGBA like the clip, on a
/// transparent background. It shows the frame's timecode and number as block digits on a translucent grained backdrop,
/// with a bar that moves a little every frame. Every byte follows from the time and the parameters in <see cref="Id"/>,
/// so a frame rendered in one run is the right frame in the next one, served from the render cache.
/// </summary>
internal sealed class TitleRenderer : IRenderer
{
    /// <summary>Rows of the band: the lower third of a 640x360 clip.</summary>
    public const int BandRows = 120;

    private const uint White = 0xFFFFFFFF;
    private const int Margin = 12, BarWidth = 12;
    private const byte BackdropAlpha = 176;

    // 3x5 block glyphs, one bit a cell, top row first: 0-9, then ':' and '#'.
    private static readonly ushort[] Glyphs =
    [
        0b111_101_101_101_111, 0b010_110_010_010_111, 0b111_001_111_100_111, 0b111_001_111_001_111, 0b101_101_111_001_001,
        0b111_100_111_001_111, 0b111_100_111_101_111, 0b111_001_010_010_010, 0b111_101_111_101_111, 0b111_101_111_001_111,
        0b000_010_000_010_000, 0b101_111_101_111_101,
    ];

    private readonly ConcurrentDictionary<long, byte> _rendered = new();

    /// <param name="width">The clip's width in pixels.</param>
    /// <param name="height">The clip's height in pixels (at least <see cref="BandRows"/>).</param>
    /// <param name="fps">The frame rate the timecode counts in.</param>
    /// <param name="cost">Rounds of the grain's hash per backdrop pixel: the render's work, and part of its look.</param>
    public TitleRenderer(int width, int height, int fps, int cost)
    {
        if (height < BandRows || width < 480) throw new ArgumentOutOfRangeException(nameof(height), $"A title needs a clip of at least 480x{BandRows} (was {width}x{height}).");
        Width = width;
        Top = height - BandRows;
        Fps = fps;
        Cost = cost;
        Id = $"playback-title:{width}x{BandRows}:{fps}fps:grain{cost}:v1";
    }

    public string Id { get; }

    public int Width { get; }

    /// <summary>The clip row the band starts at.</summary>
    public int Top { get; }

    public int Fps { get; }

    public int Cost { get; }

    /// <summary>Where the band starts in the clip's frame, in bytes.</summary>
    public int Offset => Top * Width * 4;

    public int FrameLength(long time) => Width * BandRows * 4;

    public ValueTask RenderAsync(RenderContext context, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        Draw(context.Time, context.Target);
        _rendered.TryAdd(context.Time, 0);
        return ValueTask.CompletedTask;
    }

    /// <summary>Whether this process rendered the frame at <paramref name="time"/> (rather than finding it in the render cache).</summary>
    public bool Rendered(long time) => _rendered.ContainsKey(time);

    /// <summary>Draws the title at <paramref name="time"/> into <paramref name="band"/> (<see cref="FrameLength"/> bytes).</summary>
    public void Draw(long time, Span<byte> band)
    {
        var pixels = MemoryMarshal.Cast<byte, uint>(band);
        pixels.Clear();
        int left = Margin, right = Width - Margin, top = Margin, bottom = BandRows - Margin;

        for (int y = top; y < bottom; y++)
        {
            for (int x = left; x < right; x++) pixels[y * Width + x] = Grain(x, y, time);
        }

        // The bar sweeps the backdrop once every few seconds, in a colour of its own every frame.
        int span = right - left - BarWidth;
        int barX = left + (int)((time * 7 % span + span) % span);
        uint bar = 0xFF000000 | (uint)(time * 0x3B1F5 & 0xFFFFFF) | 0x404040;
        for (int y = top; y < bottom; y++) pixels.Slice(y * Width + barX, BarWidth).Fill(bar);

        long frame = Math.Abs(time);
        long seconds = frame / Fps;
        string timecode = $"{seconds / 3600 % 100:00}:{seconds / 60 % 60:00}:{seconds % 60:00}:{frame % Fps:00}";
        Text(pixels, timecode, left + 12, top + 12, scale: 8);
        Text(pixels, "#" + (frame % 1_000_000).ToString("000000", System.Globalization.CultureInfo.InvariantCulture), left + 12, top + 60, scale: 5);
    }

    /// <summary>A dark, slightly blue, translucent grain that changes every frame: <see cref="Cost"/> rounds of an integer hash.</summary>
    private uint Grain(int x, int y, long time)
    {
        ulong h = (ulong)time * 0x9E3779B97F4A7C15 ^ (ulong)(uint)x << 32 ^ (uint)y;
        for (int i = 0; i < Cost; i++)
        {
            h ^= h >> 31;
            h *= 0xBF58476D1CE4E5B9;
            h ^= h >> 27;
        }
        uint g = 20 + (uint)(h & 31);
        return g | g << 8 | (g + 24) << 16 | (uint)BackdropAlpha << 24;
    }

    private void Text(Span<uint> pixels, string text, int x, int y, int scale)
    {
        foreach (char c in text)
        {
            int glyph = c switch { >= '0' and <= '9' => Glyphs[c - '0'], ':' => Glyphs[10], '#' => Glyphs[11], _ => 0 };
            for (int cell = 0; cell < 15; cell++)
            {
                if ((glyph >> (14 - cell) & 1) == 0) continue;
                int cx = x + cell % 3 * scale, cy = y + cell / 3 * scale;
                for (int row = cy; row < cy + scale; row++) pixels.Slice(row * Width + cx, scale).Fill(White);
            }
            x += 4 * scale;
        }
    }
}
