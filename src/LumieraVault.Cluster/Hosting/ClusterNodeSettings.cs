using Akka.Configuration;

namespace LumieraVault.Cluster.Hosting;

/// <summary>The cluster mode's settings, read from the <c>lumiera.cluster</c> section of the configuration.</summary>
public sealed record ClusterNodeSettings
{
    /// <summary>Whether the node joins a cluster at all; off, the vault runs on one machine as before.</summary>
    public required bool Enabled { get; init; }

    /// <summary>The address the node binds to (127.0.0.1 unless configured otherwise).</summary>
    public required string Hostname { get; init; }

    /// <summary>The port the node binds to; 0 lets the system choose one.</summary>
    public required int Port { get; init; }

    /// <summary>The address peers dial, when it differs from <see cref="Hostname"/> (behind NAT, in a container); empty for the same.</summary>
    public required string PublicHostname { get; init; }

    /// <summary>The addresses (<c>akka.tcp://system@host:port</c>) of the nodes a starting node contacts to join.</summary>
    public required IReadOnlyList<string> SeedNodes { get; init; }

    /// <summary>What the node offers: <c>media</c> (it hosts file actors) and <c>render</c> (it runs render workers).</summary>
    public required IReadOnlyList<string> Roles { get; init; }

    /// <summary>The largest message the node sends or accepts (bytes): it bounds the frames that cross nodes.</summary>
    public long MaximumFrameSize { get; init; } = 40L << 20;

    /// <summary>The embedded reference configuration with every default.</summary>
    public static Config Reference { get; } = LoadReference();

    /// <summary><paramref name="config"/> over the reference defaults (the reference itself when it is empty or is the reference).</summary>
    internal static Config OverReference(Config config)
        => config.IsEmpty || ReferenceEquals(config, Reference) ? Reference : config.WithFallback(Reference);

    /// <summary>Reads the settings from <paramref name="config"/>, falling back to the reference defaults.</summary>
    public static ClusterNodeSettings From(Config config)
    {
        var c = OverReference(config).GetConfig("lumiera.cluster");
        return new ClusterNodeSettings
        {
            Enabled = c.GetBoolean("enabled", false),
            Hostname = c.GetString("hostname", "127.0.0.1"),
            Port = c.GetInt("port", 0),
            PublicHostname = c.GetString("public-hostname", ""),
            SeedNodes = [.. c.GetStringList("seed-nodes") ?? []],
            Roles = [.. c.GetStringList("roles") ?? []],
            MaximumFrameSize = c.GetByteSize("maximum-frame-size") ?? 40L << 20,
        }.Validated();
    }

    /// <summary>These settings, checked: a value out of range throws <see cref="ArgumentOutOfRangeException"/> naming its key.</summary>
    public ClusterNodeSettings Validated()
    {
        if (Port is < 0 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "lumiera.cluster.port must be 0 (chosen by the system) or a TCP port.");
        if (string.IsNullOrWhiteSpace(Hostname))
            throw new ArgumentOutOfRangeException(nameof(Hostname), Hostname, "lumiera.cluster.hostname cannot be empty.");
        if (MaximumFrameSize is < 32_000 or > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(MaximumFrameSize), MaximumFrameSize, "lumiera.cluster.maximum-frame-size must lie between 32000 bytes and 2 GiB.");
        foreach (string seed in SeedNodes)
        {
            if (!seed.StartsWith("akka.tcp://", StringComparison.Ordinal) || !seed.Contains('@'))
                throw new ArgumentOutOfRangeException(nameof(SeedNodes), seed, "lumiera.cluster.seed-nodes holds addresses of the form akka.tcp://system@host:port.");
        }
        return this;
    }

    private static Config LoadReference()
    {
        using var stream = typeof(ClusterNodeSettings).Assembly.GetManifestResourceStream("LumieraVault.Cluster.reference.conf")
            ?? throw new InvalidOperationException("The embedded reference.conf of LumieraVault.Cluster is missing.");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
