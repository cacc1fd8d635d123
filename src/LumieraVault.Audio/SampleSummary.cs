using System.Runtime.CompilerServices;

namespace LumieraVault.Audio;

/// <summary>
/// Minimum, maximum and sum of squares of a run of samples: what a waveform display draws. Summaries combine
/// (min of mins, max of maxes, sum of sums) and scale by a gain, so the store keeps them per 256 samples and per
/// 65,536 samples of every base index and combines them through the edits, without reading the samples.
/// </summary>
/// <param name="Min">The smallest sample (0 when <paramref name="Count"/> is 0).</param>
/// <param name="Max">The largest sample (0 when <paramref name="Count"/> is 0).</param>
/// <param name="SumOfSquares">The sum of the squared samples.</param>
/// <param name="Count">How many samples.</param>
public readonly record struct SampleSummary(float Min, float Max, double SumOfSquares, long Count)
{
    /// <summary>The summary of no samples.</summary>
    public static SampleSummary Empty => default;

    /// <summary>The root mean square of the samples (0 for none).</summary>
    public double Rms => Count == 0 ? 0 : Math.Sqrt(SumOfSquares / Count);

    /// <summary>The summary of <paramref name="count"/> samples of silence.</summary>
    public static SampleSummary Silence(long count) => new(0, 0, 0, count);

    /// <summary>The summary of both runs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SampleSummary Combine(SampleSummary other)
    {
        if (other.Count == 0) return this;
        if (Count == 0) return other;
        return new SampleSummary(MathF.Min(Min, other.Min), MathF.Max(Max, other.Max), SumOfSquares + other.SumOfSquares, Count + other.Count);
    }

    /// <summary>The summary of the same samples multiplied by <paramref name="gain"/> (a negative gain swaps min and max).</summary>
    public SampleSummary Scale(float gain)
    {
        if (gain == 1f || Count == 0) return this;
        float a = Min * gain, b = Max * gain;
        return new SampleSummary(MathF.Min(a, b), MathF.Max(a, b), SumOfSquares * ((double)gain * gain), Count);
    }

    /// <summary>The summary of <paramref name="samples"/>.</summary>
    public static SampleSummary Of(ReadOnlySpan<float> samples)
    {
        if (samples.IsEmpty) return default;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        double sum = 0;
        foreach (float x in samples)
        {
            if (x < min) min = x;
            if (x > max) max = x;
            sum += (double)x * x;
        }
        return new SampleSummary(min, max, sum, samples.Length);
    }

    /// <inheritdoc />
    public override string ToString() => $"[{Min:G4} .. {Max:G4}] rms {Rms:G4} over {Count}";
}
