namespace LumieraVault.Audio.Blocks;

/// <summary>The messages of <see cref="BlockStoreActor"/>.</summary>
internal static class BlockStoreProtocol
{
    /// <summary>Make every sealed block durable, then replace the manifest with <paramref name="Manifest"/> atomically.</summary>
    public sealed record Save(ReadOnlyMemory<byte> Manifest, TaskCompletionSource<bool> Reply);

    /// <summary>Close every file (after a last save).</summary>
    public sealed record Close(TaskCompletionSource<bool> Reply);
}
