using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LumieraVault.Audio.Wav;

/// <summary>
/// Converts one channel between an interleaved block of WAV bytes and a span of samples. Integer PCM maps
/// to float by dividing by 2^(bits-1), so 16- and 24-bit samples survive float and back exactly; float to
/// integer multiplies by the same, rounds half to even and clamps to the type's range (NaN gives 0).
/// </summary>
internal static class SampleCodec
{
    private const float Scale8 = 1f / 128, Scale16 = 1f / 32768, Scale24 = 1f / 8388608, Scale32 = 1f / 2147483648;

    /// <summary>Channel <paramref name="channel"/> of <paramref name="frames"/> frames of <paramref name="block"/> as float.</summary>
    public static void Decode(WavFormat format, ReadOnlySpan<byte> block, int frames, int channel, Span<float> destination)
    {
        int stride = format.BlockAlign;
        CheckBounds(block, frames, stride, destination.Length);
        ref byte first = ref Unsafe.Add(ref MemoryMarshal.GetReference(block), channel * format.BytesPerSample);
        ref float to = ref MemoryMarshal.GetReference(destination);
        switch (format.Encoding, format.BitsPerSample)
        {
            case (WavEncoding.Pcm, 16):
                DecodeInt16(ref first, stride, frames, channel, ref to);
                break;
            case (WavEncoding.Pcm, 24):
                for (nint i = 0; i < frames; i++)
                {
                    ref byte s = ref Unsafe.Add(ref first, i * stride);
                    int value = Unsafe.ReadUnaligned<ushort>(ref s) | (sbyte)Unsafe.Add(ref s, 2) << 16;
                    Unsafe.Add(ref to, i) = value * Scale24;
                }
                break;
            case (WavEncoding.Pcm, 32):
                for (nint i = 0; i < frames; i++) Unsafe.Add(ref to, i) = Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref first, i * stride)) * Scale32;
                break;
            case (WavEncoding.Pcm, 8):
                for (nint i = 0; i < frames; i++) Unsafe.Add(ref to, i) = (Unsafe.Add(ref first, i * stride) - 128) * Scale8;
                break;
            case (WavEncoding.Float, 32) when stride == 4:
                MemoryMarshal.Cast<byte, float>(block[..(frames * 4)]).CopyTo(destination);
                break;
            case (WavEncoding.Float, 32):
                for (nint i = 0; i < frames; i++) Unsafe.Add(ref to, i) = Unsafe.ReadUnaligned<float>(ref Unsafe.Add(ref first, i * stride));
                break;
            case (WavEncoding.Float, 64):
                for (nint i = 0; i < frames; i++) Unsafe.Add(ref to, i) = (float)Unsafe.ReadUnaligned<double>(ref Unsafe.Add(ref first, i * stride));
                break;
            default:
                throw new InvalidOperationException($"No decoder for {format}.");
        }
    }

    /// <summary>Channel <paramref name="channel"/> of a block of 16-bit PCM, unchanged.</summary>
    public static void DecodeRaw16(WavFormat format, ReadOnlySpan<byte> block, int frames, int channel, Span<short> destination)
    {
        int stride = format.BlockAlign;
        CheckBounds(block, frames, stride, destination.Length);
        if (stride == 2)
        {
            MemoryMarshal.Cast<byte, short>(block[..(frames * 2)]).CopyTo(destination);
            return;
        }
        ref byte first = ref Unsafe.Add(ref MemoryMarshal.GetReference(block), channel * 2);
        ref short to = ref MemoryMarshal.GetReference(destination);
        nint i = 0;
        if (stride == 4 && Vector.IsHardwareAccelerated)
        {
            // A stereo frame is one 32-bit lane: shifting the lane picks its left or right half, narrowing packs them.
            ref int pairs = ref Unsafe.As<byte, int>(ref MemoryMarshal.GetReference(block));
            int shift = channel == 0 ? 16 : 0;
            for (; i <= frames - 2 * Vector<int>.Count; i += 2 * Vector<int>.Count)
            {
                var low = Vector.ShiftRightArithmetic(Vector.ShiftLeft(LoadUnaligned(ref pairs, i), shift), 16);
                var high = Vector.ShiftRightArithmetic(Vector.ShiftLeft(LoadUnaligned(ref pairs, i + Vector<int>.Count), shift), 16);
                Unsafe.WriteUnaligned(ref Unsafe.As<short, byte>(ref Unsafe.Add(ref to, i)), Vector.Narrow(low, high));
            }
        }
        for (; i < frames; i++) Unsafe.Add(ref to, i) = Unsafe.ReadUnaligned<short>(ref Unsafe.Add(ref first, i * stride));
    }

    private static void DecodeInt16(ref byte first, int stride, int frames, int channel, ref float to)
    {
        nint i = 0;
        if (Vector.IsHardwareAccelerated && stride == 2)
        {
            for (; i <= frames - Vector<short>.Count; i += Vector<short>.Count)
            {
                var samples = Unsafe.ReadUnaligned<Vector<short>>(ref Unsafe.Add(ref first, i * 2));
                Vector.Widen(samples, out var low, out var high);
                Store(ref to, i, Vector.ConvertToSingle(low) * Scale16);
                Store(ref to, i + Vector<int>.Count, Vector.ConvertToSingle(high) * Scale16);
            }
        }
        else if (Vector.IsHardwareAccelerated && stride == 4)
        {
            ref int pairs = ref Unsafe.As<byte, int>(ref Unsafe.Subtract(ref first, channel * 2));
            int shift = channel == 0 ? 16 : 0;
            for (; i <= frames - Vector<int>.Count; i += Vector<int>.Count)
            {
                var samples = Vector.ShiftRightArithmetic(Vector.ShiftLeft(LoadUnaligned(ref pairs, i), shift), 16);
                Store(ref to, i, Vector.ConvertToSingle(samples) * Scale16);
            }
        }
        for (; i < frames; i++) Unsafe.Add(ref to, i) = Unsafe.ReadUnaligned<short>(ref Unsafe.Add(ref first, i * stride)) * Scale16;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<int> LoadUnaligned(ref int source, nint index)
        => Unsafe.ReadUnaligned<Vector<int>>(ref Unsafe.As<int, byte>(ref Unsafe.Add(ref source, index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref float destination, nint index, Vector<float> value)
        => Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref destination, index)), value);

    /// <summary>Writes <paramref name="source"/> as channel <paramref name="channel"/> of an interleaved block in the writer's format.</summary>
    public static void Encode(WavFormat format, ReadOnlySpan<float> source, int channel, Span<byte> block)
    {
        int stride = format.BlockAlign, frames = source.Length;
        CheckBounds(block, frames, stride, frames);
        ref byte first = ref Unsafe.Add(ref MemoryMarshal.GetReference(block), channel * format.BytesPerSample);
        switch (format.Encoding, format.BitsPerSample)
        {
            case (WavEncoding.Pcm, 16):
                for (int i = 0; i < frames; i++) Unsafe.WriteUnaligned(ref Unsafe.Add(ref first, i * stride), ToInt16(source[i]));
                break;
            case (WavEncoding.Pcm, 24):
                for (int i = 0; i < frames; i++)
                {
                    int value = (int)Math.Clamp(MathF.Round(source[i] * 8388608f), -8388608f, 8388607f);
                    ref byte s = ref Unsafe.Add(ref first, i * stride);
                    Unsafe.WriteUnaligned(ref s, (ushort)value);
                    Unsafe.Add(ref s, 2) = (byte)(value >> 16);
                }
                break;
            case (WavEncoding.Pcm, 32):
                for (int i = 0; i < frames; i++)
                {
                    int value = (int)Math.Clamp(Math.Round(source[i] * 2147483648.0), int.MinValue, int.MaxValue);
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref first, i * stride), value);
                }
                break;
            case (WavEncoding.Float, 32):
                for (int i = 0; i < frames; i++) Unsafe.WriteUnaligned(ref Unsafe.Add(ref first, i * stride), source[i]);
                break;
            default:
                throw new InvalidOperationException($"No encoder for {format}.");
        }
    }

    /// <summary>Writes 16-bit samples as channel <paramref name="channel"/>: unchanged for 16-bit PCM, else as if divided by 32768 (exact in every format written).</summary>
    public static void Encode(WavFormat format, ReadOnlySpan<short> source, int channel, Span<byte> block)
    {
        int stride = format.BlockAlign, frames = source.Length;
        CheckBounds(block, frames, stride, frames);
        if (format.IsInt16)
        {
            ref byte first = ref Unsafe.Add(ref MemoryMarshal.GetReference(block), channel * 2);
            for (int i = 0; i < frames; i++) Unsafe.WriteUnaligned(ref Unsafe.Add(ref first, i * stride), source[i]);
            return;
        }
        Span<float> chunk = stackalloc float[256];
        for (int i = 0; i < frames; i += chunk.Length)
        {
            int n = Math.Min(chunk.Length, frames - i);
            for (int k = 0; k < n; k++) chunk[k] = source[i + k] * Scale16;
            Encode(format, chunk[..n], channel, block[(i * stride)..]);
        }
    }

    /// <summary>A float sample as 16-bit PCM: scaled by 32768, rounded half to even, clamped; NaN gives 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short ToInt16(float sample) => (short)Math.Clamp(MathF.Round(sample * 32768f), -32768f, 32767f);

    private static void CheckBounds(ReadOnlySpan<byte> block, int frames, int stride, int samples)
    {
        // The loops index with Unsafe; one check up front keeps them honest.
        if ((uint)frames > (uint)samples || (long)frames * stride > block.Length)
            throw new ArgumentOutOfRangeException(nameof(frames), frames, $"{frames} frames do not fit {samples} samples or a block of {block.Length} bytes.");
    }
}
