namespace LumieraVault.Native;

/// <summary>Process limits that size the vault's defaults.</summary>
public static class SystemLimits
{
    /// <summary>The size of a memory page; mapped windows start at multiples of it.</summary>
    public static readonly int PageSize = Libc.Getpagesize();

    /// <summary>The process's soft limit on open file descriptors (<c>ulimit -n</c>).</summary>
    public static unsafe long SoftOpenFileLimit
    {
        get
        {
            ulong* limits = stackalloc ulong[2];
            if (Libc.Getrlimit(Libc.RlimitNoFile, limits) != 0) return 1024;
            return limits[0] > int.MaxValue ? int.MaxValue : (long)limits[0];
        }
    }

    /// <summary>The handle cache's default: two thirds of the soft open-file limit, as Lumiera's vault chose.</summary>
    public static int DefaultMaxHandles => (int)Math.Max(8, SoftOpenFileLimit * 2 / 3);

    internal static long AlignDown(long value) => value & ~((long)PageSize - 1);

    internal static long AlignUp(long value) => (value + PageSize - 1) & ~((long)PageSize - 1);
}
