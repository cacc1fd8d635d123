using System.Globalization;
using System.Text;
using Akka.Configuration;
using LumieraVault.Hosting;

namespace LumieraVault.Rendering;

/// <summary>The render scheduler's settings, read from <c>lumiera.vault.scheduler</c>.</summary>
public sealed record SchedulerSettings
{
    /// <summary>Jobs rendered at once (the worker pool).</summary>
    public required int Workers { get; init; }

    /// <summary>How long one job (or batch) may render before it is abandoned; <see cref="TimeSpan.Zero"/> for no limit.</summary>
    public required TimeSpan JobTimeout { get; init; }

    /// <summary>The render cache's folder; empty for a scratch store in the temp folder that nothing survives.</summary>
    public required string CacheFolder { get; init; }

    /// <summary>Most bytes the render cache keeps on disk.</summary>
    public required long CacheSize { get; init; }

    /// <summary>Reads the settings from <paramref name="config"/>, falling back to the reference defaults.</summary>
    public static SchedulerSettings From(Config config)
    {
        var c = config.WithFallback(VaultSettings.Reference).GetConfig("lumiera.vault.scheduler");
        string workers = c.GetString("workers", "auto");
        string timeout = c.GetString("job-timeout", "10s");
        var settings = new SchedulerSettings
        {
            Workers = workers.Equals("auto", StringComparison.OrdinalIgnoreCase) ? Environment.ProcessorCount : int.Parse(workers, CultureInfo.InvariantCulture),
            JobTimeout = timeout.Equals("off", StringComparison.OrdinalIgnoreCase) ? TimeSpan.Zero : c.GetTimeSpan("job-timeout", TimeSpan.FromSeconds(10)),
            CacheFolder = c.GetString("cache-folder", ""),
            CacheSize = c.GetByteSize("cache-size") ?? (1L << 30),
        };
        if (settings.Workers < 1) throw new ArgumentOutOfRangeException(nameof(Workers), settings.Workers, "lumiera.vault.scheduler.workers must be at least 1 (or auto).");
        if (settings.JobTimeout < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(JobTimeout), settings.JobTimeout, "lumiera.vault.scheduler.job-timeout cannot be negative (off for no limit).");
        if (settings.CacheSize < 1) throw new ArgumentOutOfRangeException(nameof(CacheSize), settings.CacheSize, "lumiera.vault.scheduler.cache-size must be positive.");
        return settings;
    }
}

/// <summary>
/// The render scheduler's settings set from code, and the renderers the host registers. A property left null keeps
/// what the HOCON configuration says.
/// </summary>
public sealed class SchedulerOptions
{
    /// <summary>Jobs rendered at once (<c>scheduler.workers</c>).</summary>
    public int? Workers { get; set; }

    /// <summary>The time limit of one job (<c>scheduler.job-timeout</c>); <see cref="TimeSpan.Zero"/> for none.</summary>
    public TimeSpan? JobTimeout { get; set; }

    /// <summary>The render cache's folder (<c>scheduler.cache-folder</c>).</summary>
    public string? CacheFolder { get; set; }

    /// <summary>Most bytes the render cache keeps (<c>scheduler.cache-size</c>).</summary>
    public long? CacheSize { get; set; }

    /// <summary>Renderers registered when the actor system starts.</summary>
    public IList<IRenderer> Renderers { get; } = new List<IRenderer>();

    /// <summary>Renders the properties that are set as HOCON, to be placed before the rest of the configuration.</summary>
    public string ToHocon()
    {
        var sb = new StringBuilder();
        void Add(string key, string? value)
        {
            if (value is not null) sb.Append("lumiera.vault.scheduler.").Append(key).Append(" = ").Append(value).Append('\n');
        }
        Add("workers", Workers?.ToString(CultureInfo.InvariantCulture));
        Add("job-timeout", JobTimeout is { } t ? (t == TimeSpan.Zero ? "off" : ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms") : null);
        Add("cache-folder", CacheFolder is { } f ? "\"" + f.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"" : null);
        Add("cache-size", CacheSize?.ToString(CultureInfo.InvariantCulture));
        return sb.ToString();
    }
}
