namespace LumieraVault;

/// <summary>What went wrong with a request, by name. Every failure the vault reports carries one.</summary>
public enum VaultError
{
    /// <summary>The file does not exist (and the mode does not create it).</summary>
    FileNotFound,
    /// <summary>The path names a folder, device or pipe, not a regular file.</summary>
    NotAFile,
    /// <summary>The process may not read (or write) the file.</summary>
    AccessDenied,
    /// <summary>The frame lies past the current end of the file or the layout's last frame.</summary>
    OutOfRange,
    /// <summary>A size, offset or frame number is negative or zero where it must be positive.</summary>
    InvalidArgument,
    /// <summary>A readwrite frame or a write was asked of a file opened only for reading.</summary>
    ReadOnlyFile,
    /// <summary>The file shrank, or the path now names another file; its windows were retired.</summary>
    FileChanged,
    /// <summary>The address-space budget is spent and no pin was released before the deadline.</summary>
    BudgetExhausted,
    /// <summary>The disk has no room for the region to be written.</summary>
    DiskFull,
    /// <summary>Another readwrite reference holds the frame; one writer per frame at a time.</summary>
    WriterConflict,
    /// <summary>The file is open in the vault, so it cannot be recreated (emptied) under its readers; close it first.</summary>
    FileInUse,
    /// <summary>The file was closed while the request was in flight.</summary>
    FileClosed,
    /// <summary>The vault (or its actor system) shut down while the request was in flight.</summary>
    VaultStopped,
    /// <summary>The request was droppable and could not be served before its deadline.</summary>
    Dropped,
    /// <summary>The operating system refused an operation for another reason; the message says which.</summary>
    IoError,
    /// <summary>A frame to be rendered depends, through its dependencies, on itself; the message names the chain's ends.</summary>
    RenderCycle,
    /// <summary>The renderer threw while rendering the frame (the inner exception is what it threw).</summary>
    RenderFailed,
    /// <summary>The renderer ran past the scheduler's per-job time limit and was abandoned.</summary>
    RenderTimedOut,
    /// <summary>The cluster node that was to serve the request left, died or could not be reached before the deadline.</summary>
    NodeUnreachable,
}

/// <summary>A named failure of a vault request. <see cref="Error"/> says what went wrong; the message says what to do.</summary>
public class VaultException : Exception
{
    /// <summary>Creates a failure with its name and a message for the user.</summary>
    public VaultException(VaultError error, string message, Exception? inner = null) : base(message, inner) => Error = error;

    /// <summary>The name of the failure.</summary>
    public VaultError Error { get; }

    /// <summary>The path of the file concerned, when there is one.</summary>
    public string? Path { get; init; }
}

/// <summary>A droppable request that could not be served in time; <see cref="Reason"/> says why.</summary>
public sealed class FrameDroppedException : VaultException
{
    /// <summary>Creates the answer for a dropped request.</summary>
    public FrameDroppedException(string reason) : base(VaultError.Dropped, "Frame dropped: " + reason) => Reason = reason;

    /// <summary>Why the frame was dropped.</summary>
    public string Reason { get; }
}
