using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LumieraVault.Benchmarks;

/// <summary>
/// What every variant does with a frame: reads every byte once, vectorized, and folds it into a value the
/// caller keeps, so no variant can skip the memory traffic. One method for all variants, never inlined, so
/// the vault and its baselines run the very same machine code over their bytes.
/// </summary>
public static class Consumer
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Touch(ReadOnlySpan<byte> bytes)
    {
        ref byte start = ref MemoryMarshal.GetReference(bytes);
        nuint length = (nuint)bytes.Length;
        nuint width = (nuint)Vector<byte>.Count;
        nuint i = 0;
        // Four accumulators keep four loads in flight; one would serialize on the xor.
        var a = Vector<byte>.Zero;
        var b = Vector<byte>.Zero;
        var c = Vector<byte>.Zero;
        var d = Vector<byte>.Zero;
        for (; i + 4 * width <= length; i += 4 * width)
        {
            a ^= Vector.LoadUnsafe(ref start, i);
            b ^= Vector.LoadUnsafe(ref start, i + width);
            c ^= Vector.LoadUnsafe(ref start, i + 2 * width);
            d ^= Vector.LoadUnsafe(ref start, i + 3 * width);
        }
        for (; i + width <= length; i += width) a ^= Vector.LoadUnsafe(ref start, i);
        var folded = Vector.AsVectorUInt64(a ^ b ^ c ^ d);
        ulong result = 0;
        for (int k = 0; k < Vector<ulong>.Count; k++) result ^= folded[k];
        for (; i < length; i++) result ^= Unsafe.Add(ref start, i);
        return result;
    }
}
