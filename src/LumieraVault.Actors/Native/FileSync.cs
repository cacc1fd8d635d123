using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LumieraVault.Native;

/// <summary>
/// Durability calls .NET does not expose, shared by every part that makes files durable (the render cache, the sample
/// store): an fsync of a folder, so that names made, renamed or removed in it survive a crash, and the start of a file's
/// write-back.
/// </summary>
internal static partial class FileSync
{
    // O_RDONLY opens a folder on every Linux architecture; O_DIRECTORY's value differs between x64 and arm64.
    private const int ORdOnly = 0, OCloExec = 0x80000;
    private const int EInval = 22;
    private const uint SyncFileRangeWrite = 2;

    /// <summary>
    /// fsyncs <paramref name="folder"/>. A file system that cannot sync a folder (EINVAL) keeps its names as durable as it
    /// makes them, and that is not an error. Any other failure throws <see cref="IOException"/> when <paramref name="strict"/>,
    /// and is ignored otherwise.
    /// </summary>
    public static void SyncFolder(string folder, bool strict)
    {
        int fd = Open(folder, ORdOnly | OCloExec);
        if (fd < 0)
        {
            if (strict) throw new IOException($"Cannot open the folder '{folder}' to sync it: errno {Marshal.GetLastPInvokeError()}.");
            return;
        }
        try
        {
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() is int errno && errno != EInval && strict)
                throw new IOException($"Cannot sync the folder '{folder}': errno {errno}.");
        }
        finally
        {
            _ = Libc.Close(fd);
        }
    }

    /// <summary>
    /// Starts writing back the dirty pages of <paramref name="file"/> and returns (it blocks only while the disk's queue is
    /// full). Advice only: a failure is ignored, a later fsync finds what is left.
    /// </summary>
    public static void StartWriteback(SafeFileHandle file)
    {
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            _ = SyncFileRange((int)file.DangerousGetHandle(), 0, 0, SyncFileRangeWrite);
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile: nothing to write.
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(int fd, long offset, long bytes, uint flags);
}
