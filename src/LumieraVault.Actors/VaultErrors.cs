using LumieraVault.Native;

namespace LumieraVault;

/// <summary>Turns what the OS and .NET report into the vault's named failures.</summary>
internal static class VaultErrors
{
    public static VaultException FromIo(Exception e, string path) => e switch
    {
        VaultException v => v,
        FileNotFoundException or DirectoryNotFoundException =>
            new VaultException(VaultError.FileNotFound, $"File not found: '{path}'.", e) { Path = path },
        UnauthorizedAccessException =>
            new VaultException(VaultError.AccessDenied, $"Access denied to '{path}': check the file's permissions.", e) { Path = path },
        IOException io when IsDiskFull(io.HResult) =>
            new VaultException(VaultError.DiskFull, $"The disk holding '{path}' is full.", e) { Path = path },
        _ => new VaultException(VaultError.IoError, $"Cannot use '{path}': {e.Message}", e) { Path = path },
    };

    public static VaultException FromErrno(int errno, string what, string path) => errno switch
    {
        Libc.ENOSPC or Libc.EDQUOT =>
            new VaultException(VaultError.DiskFull, $"No room on disk to {what} '{path}': {Libc.Describe(errno)}. Free some space and try again.") { Path = path },
        // Past the largest file the file system (or the process's file-size limit) allows: freeing space would not help.
        Libc.EFBIG => new VaultException(VaultError.OutOfRange,
            $"Out of range: cannot {what} '{path}' that far: {Libc.Describe(errno)}; the frame lies past the largest file allowed there.") { Path = path },
        Libc.ENOENT => new VaultException(VaultError.FileNotFound, $"File not found: '{path}'.") { Path = path },
        Libc.EACCES => new VaultException(VaultError.AccessDenied, $"Access denied to '{path}' ({what}).") { Path = path },
        _ => new VaultException(VaultError.IoError, $"Cannot {what} '{path}': {Libc.Describe(errno)}.") { Path = path },
    };

    /// <summary>The file shrank, vanished or was replaced; <paramref name="why"/> says which, without the "File changed" prefix.</summary>
    public static VaultException Changed(string path, string why, Exception? inner = null)
        => new(VaultError.FileChanged, $"File changed: {why}. Open it again to read what it holds now.", inner) { Path = path };

    public static VaultException ReadOnly(string path)
        => new(VaultError.ReadOnlyFile, $"'{path}' was opened for reading only; open it with FileOpenMode.ReadWrite to write frames.") { Path = path };

    public static VaultException Stopped() => new(VaultError.VaultStopped, "The vault shut down before the request could be answered.");

    public static VaultException Closed(string path) => new(VaultError.FileClosed, $"'{path}' was closed before the request could be answered.") { Path = path };

    private static bool IsDiskFull(int hresult)
    {
        // On Linux, .NET gives an IOException the raw errno as its HResult.
        int errno = hresult & 0xFFFF;
        return errno is Libc.ENOSPC or Libc.EDQUOT;
    }
}
