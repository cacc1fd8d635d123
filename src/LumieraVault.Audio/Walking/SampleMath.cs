using System.Numerics;
using System.Runtime.CompilerServices;

namespace LumieraVault.Audio.Walking;

/// <summary>The vectorized inner loops of the walker: scale floats, widen int16 to float.</summary>
internal static unsafe class SampleMath
{
    public const float Int16Scale = 1f / 32768f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale(Span<float> samples, float gain)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && samples.Length >= Vector<float>.Count)
        {
            var g = new Vector<float>(gain);
            fixed (float* p = samples)
            {
                for (; i <= samples.Length - Vector<float>.Count; i += Vector<float>.Count)
                {
                    Vector.Store(Vector.Load(p + i) * g, p + i);
                }
            }
        }
        for (; i < samples.Length; i++) samples[i] *= gain;
    }

    /// <summary>Writes <c>source[i] * scale</c> to <paramref name="destination"/>.</summary>
    public static void Widen(short* source, Span<float> destination, float scale)
    {
        int i = 0;
        int n = destination.Length;
        fixed (float* d = destination)
        {
            if (Vector.IsHardwareAccelerated && n >= Vector<short>.Count)
            {
                var s = new Vector<float>(scale);
                for (; i <= n - Vector<short>.Count; i += Vector<short>.Count)
                {
                    Vector.Widen(Vector.Load(source + i), out Vector<int> lo, out Vector<int> hi);
                    Vector.Store(Vector.ConvertToSingle(lo) * s, d + i);
                    Vector.Store(Vector.ConvertToSingle(hi) * s, d + i + Vector<int>.Count);
                }
            }
            for (; i < n; i++) d[i] = source[i] * scale;
        }
    }

    /// <summary>The int16 sample nearest to <paramref name="x"/> (clipped to the int16 range).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short ToInt16(float x) => (short)Math.Clamp(MathF.Round(x * 32768f), -32768f, 32767f);
}
