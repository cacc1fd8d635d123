namespace LumieraVault.Audio;

/// <summary>What was wrong with a request to the sample store.</summary>
public enum AudioError
{
    /// <summary>A position or range lies past the end of a sequence (or before its start).</summary>
    OutOfRange,
    /// <summary>A length was negative.</summary>
    NegativeLength,
    /// <summary>Two sequences (or a sequence and its data) do not have the same sample format.</summary>
    FormatMismatch,
    /// <summary>No sequence has the id or name given.</summary>
    UnknownSequence,
    /// <summary>A sequence of that name exists already.</summary>
    SequenceExists,
    /// <summary>There is no edit to undo.</summary>
    NothingToUndo,
    /// <summary>There is no undone edit to redo.</summary>
    NothingToRedo,
    /// <summary>A block number that names no sealed block.</summary>
    UnknownBlock,
    /// <summary>An argument that is not valid in itself (a bucket size of 0, an unknown format).</summary>
    InvalidArgument,
    /// <summary>The store was closed.</summary>
    StoreClosed,
    /// <summary>The store's manifest is not one this version can read, or is damaged.</summary>
    CorruptManifest,
    /// <summary>Reading or writing the store's files failed; the inner exception says how.</summary>
    IoError,
    /// <summary>The store's folder is open already, in this process or another: one store at a time owns it.</summary>
    StoreInUse,
}

/// <summary>
/// A failed request to the sample store. A request that fails this way changed nothing: the sequence, its
/// history and the blocks are as they were.
/// </summary>
public sealed class AudioException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AudioException(AudioError error, string message, Exception? inner = null) : base(message, inner) => Error = error;

    /// <summary>What was wrong.</summary>
    public AudioError Error { get; }
}
