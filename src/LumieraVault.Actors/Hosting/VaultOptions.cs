using System.Globalization;
using System.Text;
using LumieraVault.Files;

namespace LumieraVault.Hosting;

/// <summary>
/// Settings of the vault set from code. Every property left null keeps what the HOCON configuration says
/// (and the reference defaults where it says nothing).
/// </summary>
public sealed class VaultOptions
{
    /// <summary>Most OS file handles open at once (<c>handle-cache.max-handles</c>).</summary>
    public int? MaxHandles { get; set; }

    /// <summary>Most bytes mapped at once (<c>map-cache.budget</c>).</summary>
    public long? MapBudget { get; set; }

    /// <summary>Size of a mapped window (<c>map-cache.window-size</c>).</summary>
    public long? WindowSize { get; set; }

    /// <summary>Wait for the budget of requests without a deadline (<c>map-cache.default-wait</c>).</summary>
    public TimeSpan? DefaultWait { get; set; }

    /// <summary>The default read strategy (<c>files.read-strategy</c>).</summary>
    public ReadStrategy? ReadStrategy { get; set; }

    /// <summary>How often mapped files are checked for change (<c>files.change-check-interval</c>); zero for misses only.</summary>
    public TimeSpan? ChangeCheckInterval { get; set; }

    /// <summary>Whether inotify tells the vault of changes to mapped files (<c>files.watch-changes</c>).</summary>
    public bool? WatchChanges { get; set; }

    /// <summary>Whether SIGBUS in vault windows is caught (<c>files.sigbus-guard</c>).</summary>
    public bool? SigbusGuard { get; set; }

    /// <summary>Renders the properties that are set as HOCON, to be placed before the rest of the configuration.</summary>
    public string ToHocon()
    {
        var sb = new StringBuilder();
        void Add(string key, string? value)
        {
            if (value is not null) sb.Append("lumiera.vault.").Append(key).Append(" = ").Append(value).Append('\n');
        }
        static string Ms(TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        Add("handle-cache.max-handles", MaxHandles?.ToString(CultureInfo.InvariantCulture));
        Add("map-cache.budget", MapBudget?.ToString(CultureInfo.InvariantCulture));
        Add("map-cache.window-size", WindowSize?.ToString(CultureInfo.InvariantCulture));
        Add("map-cache.default-wait", DefaultWait is { } w ? Ms(w) : null);
        Add("files.read-strategy", ReadStrategy?.ToString().ToLowerInvariant());
        Add("files.change-check-interval", ChangeCheckInterval is { } i ? (i == TimeSpan.Zero ? "off" : Ms(i)) : null);
        Add("files.watch-changes", WatchChanges is { } watch ? (watch ? "on" : "off") : null);
        Add("files.sigbus-guard", SigbusGuard is { } guard ? (guard ? "on" : "off") : null);
        return sb.ToString();
    }
}
