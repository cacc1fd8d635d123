using Akka.Configuration;
using LumieraVault.Hosting;

namespace LumieraVault.Rendering.Cache;

/// <summary>
/// Where the render cache keeps rendered frames and how much of the disk it may use. Build it in code, or from the
/// <c>lumiera.vault.render-cache</c> section of the configuration with <see cref="FromConfig"/>.
/// </summary>
/// <param name="Folder">The folder of the cache's segment files and index; made if missing. One render cache at a time may use it.</param>
public sealed record RenderCacheOptions(string Folder)
{
    /// <summary>Most bytes the segment files may hold on disk together; the least recently used segments are evicted to stay below it.</summary>
    public long MaxBytes { get; init; } = 1L << 30;

    /// <summary>The size of one segment file, the unit of eviction; also the largest frame the cache holds.</summary>
    public long SegmentBytes { get; init; } = 64L << 20;

    /// <summary>
    /// How many superseded or removed records the index log may hold beyond its live entries before it is rewritten
    /// with the live entries only (it is always rewritten when the cache opens).
    /// </summary>
    public int CompactAfterRecords { get; init; } = 4096;

    /// <summary>The folder used when the configuration names none: <c>$XDG_CACHE_HOME/lumiera-vault/render-cache</c> (or under <c>~/.cache</c>).</summary>
    public static string DefaultFolder
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (string.IsNullOrEmpty(root)) root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "lumiera-vault", "render-cache");
        }
    }

    /// <summary>Reads the <c>lumiera.vault.render-cache</c> section of <paramref name="config"/>, falling back to the reference defaults.</summary>
    public static RenderCacheOptions FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var c = config.WithFallback(VaultSettings.Reference).GetConfig("lumiera.vault.render-cache");
        string folder = c.GetString("folder", "");
        return new RenderCacheOptions(string.IsNullOrWhiteSpace(folder) ? DefaultFolder : folder)
        {
            MaxBytes = c.GetByteSize("max-bytes") ?? (1L << 30),
            SegmentBytes = c.GetByteSize("segment-bytes") ?? (64L << 20),
            CompactAfterRecords = c.GetInt("compact-after-records", 4096),
        };
    }

    /// <summary>Throws <see cref="VaultException"/> (<see cref="VaultError.InvalidArgument"/>) naming the first unusable setting.</summary>
    internal void Validate()
    {
        static VaultException Bad(string what) => new(VaultError.InvalidArgument, "Render cache options: " + what);
        if (string.IsNullOrWhiteSpace(Folder)) throw Bad("the folder must be named (lumiera.vault.render-cache.folder).");
        if (SegmentBytes <= 0) throw Bad($"segment-bytes must be positive (was {SegmentBytes}).");
        if (SegmentBytes > int.MaxValue) throw Bad($"segment-bytes can be at most {int.MaxValue} (was {SegmentBytes}): a frame's length is an int.");
        if (MaxBytes < SegmentBytes) throw Bad($"max-bytes ({MaxBytes}) must hold at least one segment ({SegmentBytes} bytes).");
        if (CompactAfterRecords < 0) throw Bad($"compact-after-records cannot be negative (was {CompactAfterRecords}).");
    }
}

/// <summary>A snapshot of the render cache's contents and counters (<see cref="RenderCache.Statistics"/>).</summary>
/// <param name="Entries">Frames in the index now.</param>
/// <param name="Bytes">Bytes of the frames in the index.</param>
/// <param name="DiskBytes">Bytes the segment files take (live frames, superseded ones, and room reserved for renders in progress).</param>
/// <param name="Segments">Segment files now.</param>
/// <param name="Hits">Lookups answered with a frame.</param>
/// <param name="Misses">Lookups answered "not cached" (damaged frames included).</param>
/// <param name="Evictions">Frames evicted to stay under the size limit.</param>
/// <param name="Damaged">Frames found damaged (checksum mismatch, truncated or missing file) and dropped.</param>
/// <param name="Commits">Frames committed.</param>
public sealed record RenderCacheStatistics(long Entries, long Bytes, long DiskBytes, int Segments, long Hits, long Misses, long Evictions, long Damaged, long Commits);
