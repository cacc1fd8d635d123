namespace LumieraVault.Cluster.Files;

/// <summary>Names files on the shared media store the same way on every node: by their normalized path below the media root.</summary>
internal static class MediaPath
{
    /// <summary>
    /// The '/'-separated path of <paramref name="path"/> (relative to <paramref name="mediaRoot"/>, or absolute below it)
    /// and its full path on this node. A path that leads out of the media root is refused with
    /// <see cref="VaultError.InvalidArgument"/>.
    /// </summary>
    public static (string Key, string FullPath) Resolve(string mediaRoot, string path)
    {
        if (string.IsNullOrEmpty(path) || path.Contains('\0'))
            throw new VaultException(VaultError.InvalidArgument, $"Not a usable path below the media root: '{path}'.") { Path = path };
        string full = Path.GetFullPath(path.Replace('\\', '/'), mediaRoot);
        string relative = Path.GetRelativePath(mediaRoot, full);
        if (relative == "." || relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative))
            throw new VaultException(VaultError.InvalidArgument,
                $"'{path}' lies outside the media root '{mediaRoot}' (lumiera.cluster.files.media-root); only files below it are shared.") { Path = path };
        return (relative.Replace(Path.DirectorySeparatorChar, '/'), full);
    }
}
