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
        Render?.AppendHocon(sb);
        return sb.ToString();
    }
}
