using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LumieraVault.Audio.Walking;

/// <summary>The vectorized inner loops of the walker and the writer: scale floats, widen int16 to float, summarize int16 blocks.</summary>
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

    /// <summary>The fine summaries of an int16 block: one per <see cref="AudioLayout.FineSummarySamples"/> samples.</summary>
    public static void Summarize(ReadOnlySpan<short> block, Span<SampleSummary> fine)
    {
        for (int k = 0; k < block.Length / AudioLayout.FineSummarySamples; k++)
            fine[k] = Summarize(block.Slice(k * AudioLayout.FineSummarySamples, AudioLayout.FineSummarySamples));
    }

    /// <summary>
    /// The summary of int16 samples as floats (<c>s / 32768</c>), exactly what <see cref="SampleSummary.Of"/> gives
    /// for the widened samples: the squares are summed as integers (exact below 2^53) and scaled by 2^-30 once.
    /// </summary>
    public static SampleSummary Summarize(ReadOnlySpan<short> samples)
    {
        if (samples.IsEmpty) return default;
        int min = short.MaxValue, max = short.MinValue;
        ulong squares = 0;
        int i = 0;
        if (Avx2.IsSupported && samples.Length >= Vector256<short>.Count)
        {
            ref short p = ref MemoryMarshal.GetReference(samples);
            var low = Vector256.Create(short.MaxValue);
            var high = Vector256.Create(short.MinValue);
            var sum = Vector256<ulong>.Zero;
            for (; i <= samples.Length - Vector256<short>.Count; i += Vector256<short>.Count)
            {
                var v = Vector256.LoadUnsafe(ref p, (nuint)i);
                low = Vector256.Min(low, v);
                high = Vector256.Max(high, v);
                // Pairs of squares, each pair at most 2 * 32768^2 = 2^31: exact as unsigned 32-bit, then widened.
                var (a, b) = Vector256.Widen(Avx2.MultiplyAddAdjacent(v, v).AsUInt32());
                sum += a + b;
            }
            for (int k = 0; k < Vector256<short>.Count; k++)
            {
                min = Math.Min(min, low.GetElement(k));
                max = Math.Max(max, high.GetElement(k));
            }
            squares = Vector256.Sum(sum);
        }
        for (; i < samples.Length; i++)
        {
            int x = samples[i];
            if (x < min) min = x;
            if (x > max) max = x;
            squares += (ulong)(x * x);
        }
        return new SampleSummary(min * Int16Scale, max * Int16Scale, squares * (1.0 / (1L << 30)), samples.Length);
    }
}
