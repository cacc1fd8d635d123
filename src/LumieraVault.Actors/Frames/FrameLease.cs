using System.Buffers;
using System.Runtime.CompilerServices;
using LumieraVault.Files;
using LumieraVault.Mapping;

namespace LumieraVault.Frames;

/// <summary>
/// The state behind a <see cref="Frame"/>: which window (or pooled buffer) it points into and the pin it
/// holds. Leases are reused through a small per-thread pool, so the fast path allocates nothing; the
/// version number makes every <see cref="Frame"/> copy invalid once any copy has been disposed.
/// </summary>
internal sealed class FrameLease
{
    [ThreadStatic] private static FrameLease[]? t_pool;
    [ThreadStatic] private static int t_count;

    internal static int PoolCapacity = 64;

    private int _version;

    public VaultFile File = null!;
    public Window? Window;
    public byte[]? Buffer;
    public nint Address;
    public long Offset;
    public int Length;
    public FrameAccess Access;

    public int Version => Volatile.Read(ref _version);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FrameLease Rent()
    {
        var pool = t_pool;
        int n = t_count;
        if (pool is not null && n > 0)
        {
            t_count = n - 1;
            var lease = pool[n - 1];
            pool[n - 1] = null!;
            return lease;
        }
        return new FrameLease();
    }

    /// <summary>Gives the pin (or buffer) back; only the first call for a version does anything.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Release(int version)
    {
        if (Interlocked.CompareExchange(ref _version, version + 1, version) != version) return false;
        if (Access == FrameAccess.ReadWrite) File.Writers.TryRemove(Offset, out _);
        var window = Window;
        var buffer = Buffer;
        Window = null;
        Buffer = null;
        File = null!;
        if (window is not null) window.Unpin();
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        Return(this);
        return true;
    }

    private static void Return(FrameLease lease)
    {
        var pool = t_pool ??= new FrameLease[Math.Max(1, PoolCapacity)];
        int n = t_count;
        if (n < pool.Length)
        {
            pool[n] = lease;
            t_count = n + 1;
        }
    }
}
