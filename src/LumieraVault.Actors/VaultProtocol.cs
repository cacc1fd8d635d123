using LumieraVault.Files;
using LumieraVault.Native;
using LumieraVault.Statistics;

namespace LumieraVault;

/// <summary>Messages to the vault's guardian. The client facade <see cref="Vault"/> sends them; replies go to the completion they carry.</summary>
internal static class VaultProtocol
{
    /// <summary>Register a checked file: the existing descriptor of the same (device, inode, writable) or a new one.</summary>
    public sealed record Register(string Path, FileOpenMode Mode, FrameLayout Layout, FileUse Use, ReadStrategy Strategy, FileStatus Status,
        TaskCompletionSource<VaultFile> Reply) : ILocalMessage;

    /// <summary>One opener is done with the file; the last one closes it.</summary>
    public sealed record CloseFile(VaultFile File, TaskCompletionSource<bool> Reply) : ILocalMessage;

    /// <summary>The SIGBUS guard caught a fault in some window: every file actor looks at its file.</summary>
    public sealed record CheckAllFiles : ILocalMessage
    {
        public static readonly CheckAllFiles Instance = new();
    }

    /// <summary>A snapshot of the statistics.</summary>
    public sealed record GetStatistics(TaskCompletionSource<VaultStatistics> Reply) : ILocalMessage;
}
