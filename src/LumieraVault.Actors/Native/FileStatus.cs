using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace LumieraVault.Native;

/// <summary>Identity and size of a file as the kernel sees it: device, inode, size, modification time.</summary>
/// <param name="Device">The device number (major and minor combined).</param>
/// <param name="Inode">The inode number on that device.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="ModifiedTicks">The modification time in 100 ns ticks since the Unix epoch.</param>
/// <param name="IsRegularFile">Whether the path names a regular file (not a folder, device or pipe).</param>
public readonly record struct FileStatus(ulong Device, ulong Inode, long Size, long ModifiedTicks, bool IsRegularFile)
{
    /// <summary>The (device, inode) pair that names a file independently of its paths: hard links share it.</summary>
    public FileIdentity Identity => new(Device, Inode);

    internal static unsafe bool TryOfPath(string path, out FileStatus status, out int errno)
        => TryStatx(-100 /* AT_FDCWD */, path, 0, out status, out errno);

    internal static unsafe bool TryOfHandle(SafeFileHandle handle, out FileStatus status, out int errno)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return TryStatx((int)handle.DangerousGetHandle(), string.Empty, Libc.AtEmptyPath, out status, out errno);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private static unsafe bool TryStatx(int dirfd, string path, int flags, out FileStatus status, out int errno)
    {
        // struct statx is 256 bytes with the same layout on every Linux architecture.
        byte* buffer = stackalloc byte[256];
        if (Libc.Statx(dirfd, path, flags, Libc.StatxBasicStats, buffer) != 0)
        {
            errno = Libc.LastError;
            status = default;
            return false;
        }
        var span = new ReadOnlySpan<byte>(buffer, 256);
        ushort mode = BinaryPrimitives.ReadUInt16LittleEndian(span[28..]);
        ulong inode = BinaryPrimitives.ReadUInt64LittleEndian(span[32..]);
        long size = BinaryPrimitives.ReadInt64LittleEndian(span[40..]);
        long mtimeSec = BinaryPrimitives.ReadInt64LittleEndian(span[112..]);
        uint mtimeNsec = BinaryPrimitives.ReadUInt32LittleEndian(span[120..]);
        uint devMajor = BinaryPrimitives.ReadUInt32LittleEndian(span[136..]);
        uint devMinor = BinaryPrimitives.ReadUInt32LittleEndian(span[140..]);
        const int S_IFMT = 0xF000, S_IFREG = 0x8000;
        status = new FileStatus(((ulong)devMajor << 32) | devMinor, inode, size,
            mtimeSec * TimeSpan.TicksPerSecond + mtimeNsec / 100, (mode & S_IFMT) == S_IFREG);
        errno = 0;
        return true;
    }
}

/// <summary>Names a file on a machine independently of the path used to reach it.</summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode)
{
    /// <inheritdoc />
    public override string ToString() => $"{Device >> 32}:{Device & 0xffffffff}/{Inode}";
}
