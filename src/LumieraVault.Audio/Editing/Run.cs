using System.Runtime.CompilerServices;
using LumieraVault.Audio.Indexes;

namespace LumieraVault.Audio.Editing;

/// <summary>
/// A fade's straight line, fixed to the sample positions of the take it lies on, so that splitting, cutting and
/// pasting the run that carries it never changes it: the factor at take position s is
/// <c>From + (To - From) * ((s - Start) / Length)</c> inside [Start, Start + Length) and 1 outside.
/// </summary>
internal sealed record Ramp(long Start, long Length, float From, float To)
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float At(long position)
    {
        long i = position - Start;
        return (ulong)i < (ulong)Length ? Line(From, To, i, Length) : 1f;
    }

    /// <summary>The one formula of a fade, shared with everything that must agree with it sample for sample.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Line(float from, float to, long i, long length) => from + (to - from) * (i / (float)length);
}

/// <summary>
/// A piece of a sequence: <see cref="Length"/> samples of a take from <see cref="SourceStart"/> (or of silence when
/// <see cref="Source"/> is null), times <see cref="Gain"/> and the ramps of any fades over it. Runs are values; a
/// sequence is an array of them, and an edit replaces some runs with others, keeping the ones it replaced.
/// </summary>
internal readonly record struct Run(BaseIndex? Source, long SourceStart, long Length, float Gain, Ramp[]? Ramps)
{
    public static Run Silent(long length) => new(null, 0, length, 1f, null);

    public bool IsSilent => Source is null;

    public Run Left(long length) => this with { Length = length };

    public Run Right(long offset) => IsSilent ? this with { Length = Length - offset } : this with { SourceStart = SourceStart + offset, Length = Length - offset };

    public Run Slice(long offset, long length) => Right(offset).Left(length);

    /// <summary>True when <paramref name="next"/> continues this run exactly, so the two can be one.</summary>
    public bool Continues(in Run next)
    {
        if (Gain != next.Gain || !ReferenceEquals(Ramps, next.Ramps) && !SameRamps(Ramps, next.Ramps)) return false;
        if (IsSilent) return next.IsSilent;
        return ReferenceEquals(Source, next.Source) && SourceStart + Length == next.SourceStart;
    }

    public float FactorAt(long sourcePosition)
    {
        float f = Gain;
        if (Ramps is { } ramps)
        {
            foreach (var r in ramps) f *= r.At(sourcePosition);
        }
        return f;
    }

    private static bool SameRamps(Ramp[]? a, Ramp[]? b)
    {
        if (a is null || b is null || a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            if (!a[i].Equals(b[i])) return false;
        }
        return true;
    }
}
