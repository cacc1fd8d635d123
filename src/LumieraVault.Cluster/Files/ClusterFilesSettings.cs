using Akka.Configuration;
using LumieraVault.Cluster.Hosting;

namespace LumieraVault.Cluster.Files;

/// <summary>The settings of the sharded files, read from <c>lumiera.cluster.files</c>.</summary>
public sealed record ClusterFilesSettings
{
    /// <summary>The folder every node sees the shared media store under; files are named by their path below it.</summary>
    public required string MediaRoot { get; init; }

    /// <summary>How long one attempt of a remote request waits for its answer before it is sent again.</summary>
    public required TimeSpan AttemptTimeout { get; init; }

    /// <summary>How many times a remote request is sent before it fails (its deadline ends it sooner).</summary>
    public required int MaxAttempts { get; init; }

    /// <summary>How many shards the file actors are spread over (the same on every node).</summary>
    public required int Shards { get; init; }

    /// <summary>The largest message a node sends or accepts, and so the largest frame that crosses nodes (bytes).</summary>
    public required long MaximumFrameSize { get; init; }

    /// <summary>Whether the node's <see cref="Vault"/> opens a file to be read that this machine does not hold, below the
    /// media root, on the cluster (<c>open-through-vault</c>), so that code written for the vault reads the shared store
    /// unchanged. Off: such a file is not found, and only <see cref="ClusterVault"/> reaches other nodes.</summary>
    public bool OpenThroughVault { get; init; } = true;

    /// <summary>The room a frame's message needs beside its bytes.</summary>
    internal const int Overhead = 1024;

    /// <summary>Reads the settings from <paramref name="config"/>, falling back to the reference defaults.</summary>
    public static ClusterFilesSettings From(Config config)
    {
        var root = ClusterNodeSettings.OverReference(config);
        var c = root.GetConfig("lumiera.cluster.files");
        string media = c.GetString("media-root", "");
        return new ClusterFilesSettings
        {
            MediaRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(media.Length == 0 ? Environment.CurrentDirectory : media)),
            AttemptTimeout = c.GetTimeSpan("attempt-timeout", TimeSpan.FromSeconds(1)),
            MaxAttempts = c.GetInt("max-attempts", 30),
            Shards = c.GetInt("shards", 64),
            OpenThroughVault = c.GetBoolean("open-through-vault", true),
            MaximumFrameSize = root.GetByteSize("lumiera.cluster.maximum-frame-size") ?? 40L << 20,
        }.Validated();
    }

    /// <summary>These settings, checked: a value out of range throws <see cref="ArgumentOutOfRangeException"/> naming its key.</summary>
    public ClusterFilesSettings Validated()
    {
        if (AttemptTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(AttemptTimeout), AttemptTimeout, "lumiera.cluster.files.attempt-timeout must be positive.");
        if (MaxAttempts < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "lumiera.cluster.files.max-attempts must be at least 1.");
        if (Shards < 1)
            throw new ArgumentOutOfRangeException(nameof(Shards), Shards, "lumiera.cluster.files.shards must be at least 1.");
        if (MaximumFrameSize is < 32_000 or > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(MaximumFrameSize), MaximumFrameSize, "lumiera.cluster.maximum-frame-size must lie between 32000 bytes and 2 GiB.");
        return this;
    }
}
