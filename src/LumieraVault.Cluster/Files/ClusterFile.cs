using LumieraVault.Files;

namespace LumieraVault.Cluster.Files;

/// <summary>
/// A file of the shared media store opened through <see cref="ClusterVault"/>. A file this node holds is served by the
/// local vault (zero-copy, <see cref="IsLocal"/>); any other is served by the file's actor on a node that holds it, and its
/// frames come back as copied bytes. Either way the frames are the vault's own <see cref="Frames.Frame"/>.
/// </summary>
public sealed class ClusterFile : IRemoteFile
{
    private readonly ClusterVault _owner;
    private volatile bool _closed;

    internal ClusterFile(ClusterVault owner, string key, VaultFile descriptor, bool isLocal)
    {
        _owner = owner;
        Key = key;
        Descriptor = descriptor;
        IsLocal = isLocal;
        // The local vault hands the requests for a remote descriptor (its misses, its close) back here.
        if (!isLocal) descriptor.Remote = this;
    }

    /// <summary>The file's path below the media root, '/'-separated: its name on every node.</summary>
    public string Key { get; }

    /// <summary>True when this node holds the file and serves its frames itself, zero-copy.</summary>
    public bool IsLocal { get; }

    /// <summary>
    /// The vault's descriptor of the file: the local vault's for a local file; for a remote one a descriptor of its own
    /// (not open in the local vault) that remote frames name as their <see cref="Frames.Frame.File"/>.
    /// </summary>
    public VaultFile Descriptor { get; }

    /// <summary>The file's size in bytes when it was opened.</summary>
    public long Size => Descriptor.Size;

    /// <summary>When the file was last modified, as it was opened; with <see cref="Size"/> and <see cref="Key"/> its identity across nodes.</summary>
    public DateTimeOffset LastModified => Descriptor.LastModified;

    /// <summary>Where the file's frames lie.</summary>
    public FrameLayout Layout => Descriptor.Layout;

    /// <summary>Whether the file was closed.</summary>
    public bool IsClosed => _closed || Descriptor.IsClosed;

    internal long ModifiedTicks => Descriptor.ModifiedTicks;

    internal void MarkClosed() => _closed = true;

    ValueTask<Frames.Frame> IRemoteFile.GetFrameAtAsync(long offset, int length, Frames.FrameHints hints) => _owner.GetFrameAtAsync(this, offset, length, hints);

    Task IRemoteFile.CloseAsync() => _owner.CloseAsync(this);

    /// <inheritdoc />
    public override string ToString() => $"{Key} ({(IsLocal ? "local" : "remote")}, {Size} bytes)";
}
