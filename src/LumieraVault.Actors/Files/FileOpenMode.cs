namespace LumieraVault.Files;

/// <summary>How a file is opened through the vault.</summary>
public enum FileOpenMode
{
    /// <summary>Read an existing file. Frames are readonly.</summary>
    Read,
    /// <summary>Read and write an existing file. Frames may be readwrite; the file grows as frames past its end are written.</summary>
    ReadWrite,
    /// <summary>Like <see cref="ReadWrite"/>, creating the file (and missing parent folders) if it does not exist.</summary>
    Create,
    /// <summary>
    /// Like <see cref="Create"/>, but an existing file is emptied first; a file the vault has open, or whose frames
    /// are still held after it was closed, is not emptied (<see cref="VaultError.FileInUse"/>).
    /// </summary>
    Recreate,
}

/// <summary>How the bytes of a file's frames reach the caller.</summary>
public enum ReadStrategy
{
    /// <summary>Zero-copy from memory-mapped, page-aligned windows. The default.</summary>
    Mapped,
    /// <summary>
    /// Copied with <c>pread</c> into pooled buffers. Choose it for files that other programs may truncate
    /// while they are open: a mapped page past the end of a truncated file would kill the process (SIGBUS).
    /// </summary>
    Buffered,
}

/// <summary>What the editor intends to do with a file; kept in the descriptor's metadata and reported in statistics.</summary>
public enum FileUse
{
    /// <summary>Source media: video, audio or images read during playback.</summary>
    Media,
    /// <summary>Audio sample blocks of the page-tabled sample store.</summary>
    AudioBlocks,
    /// <summary>Frames rendered by the scheduler and cached on disk.</summary>
    RenderCache,
    /// <summary>Anything else.</summary>
    Other,
}

internal static class FileOpenModeExtensions
{
    public static bool IsWritable(this FileOpenMode mode) => mode != FileOpenMode.Read;
}
