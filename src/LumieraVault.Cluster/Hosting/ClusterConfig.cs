using Akka.Configuration;

namespace LumieraVault.Cluster.Hosting;

/// <summary>
/// Turns the <c>lumiera.cluster</c> settings into the Akka.Remote and Akka.Cluster configuration a node needs. A host
/// passes its configuration through <see cref="Complete(Config, ClusterNodeOptions?)"/> and creates its actor system with the
/// result; with <c>lumiera.cluster.enabled = off</c> nothing changes and the vault stays local. What the host's own
/// configuration says under <c>akka</c> wins over what is built here.
/// </summary>
public static class ClusterConfig
{
    /// <summary>
    /// The host's configuration completed for the cluster mode: <paramref name="options"/> first, then <paramref name="config"/>,
    /// then (when enabled) the remote, cluster and serializer settings derived from them, then the reference defaults.
    /// </summary>
    public static Config Complete(Config config, ClusterNodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        string overrides = options?.ToHocon() ?? "";
        var merged = overrides.Length > 0 ? ConfigurationFactory.ParseString(overrides).WithFallback(config) : config;
        var settings = ClusterNodeSettings.From(merged);
        var derived = settings.Enabled
            ? merged.WithFallback(ConfigurationFactory.ParseString(AkkaHocon(settings)))
                .WithFallback(Akka.Cluster.Sharding.ClusterSharding.DefaultConfig())
                .WithFallback(Akka.Cluster.Tools.Singleton.ClusterSingleton.DefaultConfig())
            : merged;
        return derived.IsEmpty ? ClusterNodeSettings.Reference : derived.WithFallback(ClusterNodeSettings.Reference);
    }

    /// <summary>The Akka configuration a node of <paramref name="settings"/> runs with.</summary>
    internal static string AkkaHocon(ClusterNodeSettings settings)
    {
        string publicHost = settings.PublicHostname.Length > 0 ? settings.PublicHostname : settings.Hostname;
        return $$"""
            akka {
              actor.provider = cluster
              # Every cluster node starts its sharded files at once: a media node hosts file actors before anyone asks.
              extensions = ["LumieraVault.Cluster.Files.ClusterVaultExtensionId, LumieraVault.Cluster"]
              remote.dot-netty.tcp {
                hostname = {{Quote(settings.Hostname)}}
                public-hostname = {{Quote(publicHost)}}
                port = {{settings.Port}}
                maximum-frame-size = {{settings.MaximumFrameSize}}b
                send-buffer-size = {{Math.Max(256_000, settings.MaximumFrameSize)}}b
                receive-buffer-size = {{Math.Max(256_000, settings.MaximumFrameSize)}}b
              }
              cluster {
                seed-nodes = {{List(settings.SeedNodes)}}
                roles = {{List(settings.Roles)}}
              }
            }
            """;
    }

    /// <summary>A HOCON string literal of <paramref name="value"/>.</summary>
    internal static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>A HOCON duration of whole milliseconds (rounded up) for <paramref name="value"/>, or null when it is not set.</summary>
    internal static string? Duration(TimeSpan? value)
        => value is { } v ? ((long)Math.Ceiling(v.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture) + "ms" : null;

    /// <summary>A HOCON list of string literals.</summary>
    internal static string List(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(Quote)) + "]";
}
