using System.Runtime.InteropServices;

namespace LumieraVault.Audio.Persistence;

/// <summary>
/// What a save needs that .NET does not expose: an fsync of a folder, so that the names made or replaced in it
/// (new group files, the renamed manifest) are durable.
/// </summary>
internal static partial class DiskSync
{
    // O_RDONLY opens a folder on every Linux architecture; O_DIRECTORY's value differs between x64 and arm64.
    private const int ORdOnly = 0, OCloExec = 0x80000;
    private const int EInval = 22;

    /// <summary>fsyncs <paramref name="folder"/>: the names made, renamed or removed in it are on the disk when this returns.</summary>
    /// <exception cref="IOException">The folder cannot be opened or synced.</exception>
    public static void SyncFolder(string folder)
    {
        int fd = Open(folder, ORdOnly | OCloExec);
        if (fd < 0) throw new IOException($"Cannot open the folder '{folder}' to sync it: errno {Marshal.GetLastPInvokeError()}.");
        try
        {
            // EINVAL: a file system that cannot sync a folder; its names are as durable as it makes them.
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() is int errno && errno != EInval)
                throw new IOException($"Cannot sync the folder '{folder}': errno {errno}.");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private const uint SyncFileRangeWrite = 2;

    /// <summary>
    /// Starts writing back the dirty pages of <paramref name="file"/> and returns (it blocks only while the disk's
    /// queue is full). Advice only: a failure is ignored, the save's fsync finds what is left.
    /// </summary>
    public static void StartWriteback(Microsoft.Win32.SafeHandles.SafeFileHandle file)
    {
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            _ = SyncFileRange((int)file.DangerousGetHandle(), 0, 0, SyncFileRangeWrite);
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile (a discarded group): nothing to write.
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(int fd, long offset, long bytes, uint flags);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
