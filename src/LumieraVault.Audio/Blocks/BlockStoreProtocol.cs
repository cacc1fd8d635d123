namespace LumieraVault.Audio.Blocks;

/// <summary>The messages of <see cref="BlockStoreActor"/>.</summary>
internal static class BlockStoreProtocol
{
    /// <summary>Lend a writer a group with free slots of <paramref name="Format"/> (a new one if none).</summary>
    public sealed record LeaseGroup(SampleFormat Format, TaskCompletionSource<GroupLease> Reply);

    /// <summary>A writer is done with a lease; its free slots go to the next writer of the format.</summary>
    public sealed record ReturnLease(GroupLease Lease);

    /// <summary>Make every sealed block durable, then replace the manifest with <paramref name="Manifest"/> atomically.</summary>
    public sealed record Save(byte[] Manifest, TaskCompletionSource<bool> Reply);

    /// <summary>Close every file (after a last save).</summary>
    public sealed record Close(TaskCompletionSource<bool> Reply);
}
