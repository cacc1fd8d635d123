using LumieraVault.Files;

namespace LumieraVault.Rendering.Cache;

/// <summary>
/// One segment file of the render cache: frames appended one after another, never overwritten, removed only as a
/// whole (eviction). Its state belongs to the <see cref="RenderCache"/> and changes only under the cache's gate.
/// </summary>
internal sealed class Segment(uint id, string path, long end)
{
    public uint Id { get; } = id;

    public string Path { get; } = path;

    /// <summary>Where the next frame goes; also the bytes the segment counts against the size limit.</summary>
    public long End = end;

    /// <summary>No more frames are appended (it is full, was loaded from disk, or changed under the vault).</summary>
    public bool Sealed;

    /// <summary>Evicted or dropped: no longer in the cache's table.</summary>
    public bool Gone;

    /// <summary>Reserved slots not yet committed or abandoned: the segment cannot be evicted while it has any.</summary>
    public int Slots;

    /// <summary>Lookups between finding an entry here and handing out its frame (the frame pins the file's window after that).</summary>
    public int Readers;

    /// <summary>The cache clock at the segment's last use (a commit or a hit of any of its frames): the eviction order.</summary>
    public long LastUse;

    /// <summary>The keys whose live entries lie here.</summary>
    public readonly HashSet<FrameKey> Keys = new();

    /// <summary>The folder was synced after the file was made: its name survives a crash as its bytes do.</summary>
    public volatile bool NameDurable;

    /// <summary>The vault descriptor of the file, opened on first need.</summary>
    public Task<VaultFile>? File;

    /// <summary>Descriptors of the file that the vault reported changed and the cache replaced.</summary>
    public readonly List<VaultFile> Retired = new();

    /// <summary>True while a frame of the file is pinned by anyone (a caller holds it), through any of its descriptors.</summary>
    public bool HasPinnedFrames
        => (File is { IsCompletedSuccessfully: true } task && IsPinned(task.Result)) || Retired.Exists(IsPinned);

    private static bool IsPinned(VaultFile file)
    {
        foreach (var w in file.AllWindows())
        {
            if (w.Pins > 0) return true;
        }
        return false;
    }

    public static string FileName(uint id) => $"segment-{id:D8}.lvc";

    public static bool TryParseId(string fileName, out uint id)
    {
        id = 0;
        return fileName.Length == "segment-00000000.lvc".Length && fileName.StartsWith("segment-", StringComparison.Ordinal)
            && fileName.EndsWith(".lvc", StringComparison.Ordinal)
            && uint.TryParse(fileName.AsSpan(8, 8), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id);
    }

    public override string ToString() => $"segment {Id} ({End} bytes, {Keys.Count} frames)";
}

/// <summary>Where a cached frame lies and its checksum. <see cref="Verified"/> says its bytes were checked since the cache opened.</summary>
internal sealed class CacheEntry(FrameKey key, Segment segment, long offset, int length, ulong checksum)
{
    public FrameKey Key { get; } = key;
    public Segment Segment { get; } = segment;
    public long Offset { get; } = offset;
    public int Length { get; } = length;
    public ulong Checksum { get; } = checksum;
    public volatile bool Verified;

    public IndexRecord ToRecord() => new(IndexRecordKind.Put, Segment.Id, Key, Offset, Length, Checksum);
}
