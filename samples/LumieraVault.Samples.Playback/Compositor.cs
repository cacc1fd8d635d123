using System.Runtime.InteropServices;

namespace LumieraVault.Samples.Playback;

/// <summary>Puts an RGBA layer over an RGBA frame ("over", straight alpha), and checks that it was done right.</summary>
internal static class Compositor
{
    /// <summary>
    /// Writes <paramref name="under"/> with <paramref name="layer"/> over it into <paramref name="into"/>; the layer covers
    /// the bytes from <paramref name="offset"/> on. <paramref name="under"/> is only read: it may be a readonly vault frame.
    /// </summary>
    public static void Over(ReadOnlySpan<byte> under, ReadOnlySpan<byte> layer, int offset, Span<byte> into)
    {
        under.CopyTo(into);
        var src = MemoryMarshal.Cast<byte, uint>(layer);
        var dst = MemoryMarshal.Cast<byte, uint>(into.Slice(offset, layer.Length));
        for (int i = 0; i < src.Length; i++)
        {
            uint s = src[i], a = s >> 24;
            if (a == 0) continue;
            dst[i] = a == 255 ? s : Blend(s, dst[i], a);
        }
    }

    /// <summary>
    /// Null if <paramref name="composite"/> is <paramref name="layer"/> over <paramref name="under"/>: the layer's pixels
    /// where it is opaque, the frame's where it is transparent or absent, and between the two (within one step per
    /// channel) where it is translucent. Otherwise the first pixel that is wrong.
    /// </summary>
    public static string? Check(ReadOnlySpan<byte> under, ReadOnlySpan<byte> layer, int offset, ReadOnlySpan<byte> composite, int width)
    {
        if (composite.Length != under.Length) return $"{composite.Length} bytes composited from a frame of {under.Length}";
        var bottom = MemoryMarshal.Cast<byte, uint>(under);
        var top = MemoryMarshal.Cast<byte, uint>(layer);
        var shown = MemoryMarshal.Cast<byte, uint>(composite);
        int first = offset / 4;
        long opaque = 0;
        for (int i = 0; i < shown.Length; i++)
        {
            uint s = i >= first && i - first < top.Length ? top[i - first] : 0, a = s >> 24;
            uint d = bottom[i];
            bool right = a switch
            {
                0 => shown[i] == d,
                255 => shown[i] == s,
                _ => CloseToBlend(s, d, a, shown[i]),
            };
            if (a == 255) opaque++;
            if (!right) return $"pixel ({i % width}, {i / width}) is {shown[i]:x8}: layer {s:x8} over {d:x8}";
        }
        return opaque == 0 ? "the layer has no opaque pixel to check" : null;
    }

    private static uint Blend(uint s, uint d, uint a)
    {
        uint result = 0;
        for (int shift = 0; shift < 24; shift += 8)
        {
            uint c = ((s >> shift & 0xFF) * a + (d >> shift & 0xFF) * (255 - a) + 127) / 255;
            result |= c << shift;
        }
        uint da = d >> 24;
        return result | (a + (da * (255 - a) + 127) / 255) << 24;
    }

    /// <summary>The blend worked out in floating point, independently of <see cref="Blend"/>'s integer rounding.</summary>
    private static bool CloseToBlend(uint s, uint d, uint a, uint shown)
    {
        double alpha = a / 255.0;
        for (int shift = 0; shift < 32; shift += 8)
        {
            double sc = shift == 24 ? 255 : s >> shift & 0xFF, dc = d >> shift & 0xFF;
            double expected = sc * alpha + dc * (1 - alpha);
            if (Math.Abs((shown >> shift & 0xFF) - expected) > 1) return false;
        }
        return true;
    }
}
