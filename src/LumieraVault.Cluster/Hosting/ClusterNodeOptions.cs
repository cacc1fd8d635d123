using System.Globalization;
using System.Text;

namespace LumieraVault.Cluster.Hosting;

/// <summary>
/// The cluster mode's settings set from code. Every property left null keeps what the HOCON configuration says
/// (and the reference defaults where it says nothing).
/// </summary>
public sealed class ClusterNodeOptions
{
    /// <summary>Whether the node joins a cluster (<c>lumiera.cluster.enabled</c>).</summary>
    public bool? Enabled { get; set; }

    /// <summary>The address the node binds to (<c>lumiera.cluster.hostname</c>).</summary>
    public string? Hostname { get; set; }

    /// <summary>The port the node binds to, 0 for one chosen by the system (<c>lumiera.cluster.port</c>).</summary>
    public int? Port { get; set; }

    /// <summary>The address peers dial (<c>lumiera.cluster.public-hostname</c>).</summary>
    public string? PublicHostname { get; set; }

    /// <summary>The seed nodes' addresses (<c>lumiera.cluster.seed-nodes</c>).</summary>
    public IReadOnlyList<string>? SeedNodes { get; set; }

    /// <summary>The node's roles, <c>media</c> and/or <c>render</c> (<c>lumiera.cluster.roles</c>).</summary>
    public IReadOnlyList<string>? Roles { get; set; }

    /// <summary>The largest message a node sends or accepts, in bytes (<c>lumiera.cluster.maximum-frame-size</c>).</summary>
    public long? MaximumFrameSize { get; set; }

    /// <summary>The sharded files' settings (<c>lumiera.cluster.files</c>).</summary>
    public ClusterFilesOptions? Files { get; set; }
    /// <summary>The render farm's settings (<c>lumiera.cluster.render</c>); null keeps them all.</summary>
    public Rendering.RenderFarmOptions? Render { get; set; }

    /// <summary>Renders the properties that are set as HOCON, to be placed before the rest of the configuration.</summary>
    public string ToHocon()
    {
        var sb = new StringBuilder();
        void Add(string key, string? value)
        {
            if (value is not null) sb.Append("lumiera.cluster.").Append(key).Append(" = ").Append(value).Append('\n');
        }
        Add("enabled", Enabled is { } on ? (on ? "on" : "off") : null);
        Add("hostname", Hostname is null ? null : ClusterConfig.Quote(Hostname));
        Add("port", Port?.ToString(CultureInfo.InvariantCulture));
        Add("public-hostname", PublicHostname is null ? null : ClusterConfig.Quote(PublicHostname));
        Add("seed-nodes", SeedNodes is null ? null : ClusterConfig.List(SeedNodes));
        Add("roles", Roles is null ? null : ClusterConfig.List(Roles));
        Add("maximum-frame-size", MaximumFrameSize is { } size ? size.ToString(CultureInfo.InvariantCulture) + "b" : null);
        if (Files is { } files)
        {
            Add("files.media-root", files.MediaRoot is null ? null : ClusterConfig.Quote(files.MediaRoot));
            Add("files.attempt-timeout", ClusterConfig.Duration(files.AttemptTimeout));
            Add("files.max-attempts", files.MaxAttempts?.ToString(CultureInfo.InvariantCulture));
            Add("files.shards", files.Shards?.ToString(CultureInfo.InvariantCulture));
            Add("files.open-through-vault", files.OpenThroughVault is { } through ? (through ? "on" : "off") : null);
        }
        Render?.AppendHocon(sb);
        return sb.ToString();
    }
}

/// <summary>The sharded files' settings set from code; null keeps the configuration's value.</summary>
public sealed class ClusterFilesOptions
{
    /// <summary>The folder the shared media store is seen under on this node (<c>lumiera.cluster.files.media-root</c>).</summary>
    public string? MediaRoot { get; set; }

    /// <summary>How long one attempt of a remote request waits (<c>lumiera.cluster.files.attempt-timeout</c>).</summary>
    public TimeSpan? AttemptTimeout { get; set; }

    /// <summary>How many times a remote request is sent at most (<c>lumiera.cluster.files.max-attempts</c>).</summary>
    public int? MaxAttempts { get; set; }

    /// <summary>How many shards the file actors are spread over (<c>lumiera.cluster.files.shards</c>).</summary>
    public int? Shards { get; set; }

    /// <summary>Whether the node's vault opens files it does not hold on the cluster (<c>lumiera.cluster.files.open-through-vault</c>).</summary>
    public bool? OpenThroughVault { get; set; }
}
