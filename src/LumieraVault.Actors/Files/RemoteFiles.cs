using LumieraVault.Frames;

namespace LumieraVault.Files;

/// <summary>
/// Files this machine does not hold, served by another node (LumieraVault.Cluster's sharded file actors). On a cluster
/// node the vault asks this source when a file to be read is not found here, so code written against
/// <see cref="Vault"/> reads the shared media store of a whole cluster unchanged.
/// </summary>
internal interface IRemoteFiles
{
    /// <summary>
    /// Opens the file at <paramref name="fullPath"/> on the node that holds it: its descriptor (with
    /// <see cref="VaultFile.Remote"/> set), or null when the path is not one this source serves (then the file is not found).
    /// </summary>
    Task<VaultFile>? TryOpen(string fullPath, FrameLayout? layout);
}

/// <summary>A file another node serves: the vault hands it every request that misses (a remote file has no windows here).</summary>
internal interface IRemoteFile
{
    /// <summary>The frame's bytes, copied from the node that holds the file into a buffer of this process.</summary>
    ValueTask<Frame> GetFrameAtAsync(long offset, int length, FrameHints hints);

    /// <summary>Closes the file here.</summary>
    Task CloseAsync();
}
