using LumieraVault.Native;

namespace LumieraVault.Files;

/// <summary>The checks made when a file is opened through the vault, on the caller's thread.</summary>
internal static class FileAccessCheck
{
    /// <summary>Checks (and for the creating modes, creates) the file; returns its status. Throws a named <see cref="VaultException"/>.</summary>
    public static FileStatus Check(string path, FileOpenMode mode)
    {
        bool exists = FileStatus.TryOfPath(path, out var status, out int errno);
        if (exists && !status.IsRegularFile)
            throw new VaultException(VaultError.NotAFile, $"Not a file: '{path}' is a folder or a special file.") { Path = path };
        if (!exists && errno != Libc.ENOENT)
            throw VaultErrors.FromErrno(errno, "open", path);
        if (!exists && mode is FileOpenMode.Read or FileOpenMode.ReadWrite)
            throw new VaultException(VaultError.FileNotFound, $"File not found: '{path}'.") { Path = path };

        var fileMode = mode switch
        {
            // Recreate empties the file only in the vault's guardian, once it knows no descriptor of the file is open:
            // emptying a file under mapped windows would turn their readers' next touch into SIGBUS.
            FileOpenMode.Create or FileOpenMode.Recreate => FileMode.OpenOrCreate,
            _ => FileMode.Open,
        };
        if (mode is FileOpenMode.Create or FileOpenMode.Recreate && Path.GetDirectoryName(path) is { Length: > 0 } folder)
        {
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception e)
            {
                throw VaultErrors.FromIo(e, folder);
            }
        }
        // Opening is the only honest permission check: it asks the kernel with the caller's credentials.
        try
        {
            using var handle = File.OpenHandle(path, fileMode, mode.IsWritable() ? FileAccess.ReadWrite : FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete);
            if (!FileStatus.TryOfHandle(handle, out status, out errno))
                throw VaultErrors.FromErrno(errno, "read the status of", path);
            return status;
        }
        catch (Exception e) when (e is not VaultException)
        {
            throw VaultErrors.FromIo(e, path);
        }
    }
}
