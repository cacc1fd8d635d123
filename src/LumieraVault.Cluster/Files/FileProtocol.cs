namespace LumieraVault.Cluster.Files;

/// <summary>
/// Marks the messages nodes exchange about files. They are bound (in the embedded reference.conf) to
/// <see cref="FileProtocolSerializer"/> and never to the polymorphic JSON serializer.
/// </summary>
internal interface IFileProtocolMessage;

/// <summary>A message for the file actor of <see cref="Path"/>, the sharding key.</summary>
internal interface IFileEntityMessage : IFileProtocolMessage
{
    /// <summary>The file's path below the media root, '/'-separated and normalized: the same on every node.</summary>
    string Path { get; }
}

/// <summary>Asks the file actor for the file's identity (size and modification time) as its node sees it.</summary>
/// <param name="RequestId">Names the request in the answer.</param>
/// <param name="Path">The file below the media root.</param>
internal sealed record DescribeFile(long RequestId, string Path) : IFileEntityMessage;

/// <summary>The answer to <see cref="DescribeFile"/>.</summary>
/// <param name="RequestId">The request answered.</param>
/// <param name="Size">The file's size in bytes.</param>
/// <param name="ModifiedTicks">Its modification time in 100 ns ticks since the Unix epoch.</param>
internal sealed record FileDescribed(long RequestId, long Size, long ModifiedTicks) : IFileProtocolMessage;

/// <summary>
/// Asks the file actor for <see cref="Length"/> bytes at <see cref="Offset"/> of the file whose identity the requester knows
/// (<see cref="Size"/>, <see cref="ModifiedTicks"/>): a file that is not that one any more is answered with
/// <see cref="VaultError.FileChanged"/>. The time left is a duration, not an instant, so that clocks of nodes need not agree.
/// </summary>
internal sealed record ReadFrame(
    long RequestId,
    string Path,
    long Size,
    long ModifiedTicks,
    long Offset,
    int Length,
    int BudgetMilliseconds,
    bool Droppable,
    Frames.FramePriority Priority) : IFileEntityMessage;

/// <summary>The bytes of a frame, copied out of the serving node's mapped window.</summary>
/// <param name="RequestId">The request answered.</param>
/// <param name="Offset">The frame's offset in its file.</param>
/// <param name="Bytes">The frame's bytes.</param>
internal sealed record FrameBytes(long RequestId, long Offset, ReadOnlyMemory<byte> Bytes) : IFileProtocolMessage;

/// <summary>A request the serving node could not answer, with the vault's name for the failure.</summary>
/// <param name="RequestId">The request answered.</param>
/// <param name="Error">What went wrong.</param>
/// <param name="Message">What to do about it, as the serving node put it.</param>
internal sealed record RequestFailed(long RequestId, VaultError Error, string Message) : IFileProtocolMessage;
