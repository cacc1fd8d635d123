using Microsoft.Win32.SafeHandles;

namespace LumieraVault.Files;

/// <summary>Messages of the FileHandleCache: handles are lent to file actors and given back after use.</summary>
internal static class HandleCacheProtocol
{
    /// <summary>Lend the file's OS handle, opening it (and closing the oldest idle one) if needed.</summary>
    public sealed record AcquireHandle(VaultFile File) : ILocalMessage;

    /// <summary>The handle, lent until <see cref="ReleaseHandle"/>. It is the same file (device, inode) as the descriptor.</summary>
    public sealed record HandleGranted(VaultFile File, SafeFileHandle Handle) : ILocalMessage;

    /// <summary>The handle could not be opened; <paramref name="ChangedReason"/> is set when the path no longer names the file.</summary>
    public sealed record HandleDenied(VaultFile File, VaultException Error, string? ChangedReason = null) : ILocalMessage;

    /// <summary>Gives a lent handle back; it stays open, aging, until its room is needed.</summary>
    public sealed record ReleaseHandle(VaultFile File) : ILocalMessage;

    /// <summary>The file was closed: its handle is closed as soon as it is not lent.</summary>
    public sealed record ForgetFile(VaultFile File) : ILocalMessage;
}
