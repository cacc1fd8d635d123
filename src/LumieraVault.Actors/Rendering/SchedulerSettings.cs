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

    /// <summary>A droppable frame ready less than this before its deadline is dropped: it would reach its requester too late to use.</summary>
    public required TimeSpan DeliveryMargin { get; init; }

    /// <summary>Where rendered frames go.</summary>
    public required RenderStoreKind Store { get; init; }

    /// <summary>
    /// How much expected render time a worker takes in one run of quick jobs, back to back, instead of one job per trip
    /// through the scheduler; <see cref="TimeSpan.Zero"/> for one job (or batch) per trip.
    /// </summary>
    public required TimeSpan RunBudget { get; init; }

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
            DeliveryMargin = c.GetTimeSpan("delivery-margin", TimeSpan.FromMilliseconds(1)),
            RunBudget = c.GetString("run-budget", "0.25ms").Equals("off", StringComparison.OrdinalIgnoreCase) ? TimeSpan.Zero : c.GetTimeSpan("run-budget", TimeSpan.FromMilliseconds(0.25)),
            Store = Enum.TryParse<RenderStoreKind>(c.GetString("store", "render-cache").Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var store)
                ? store
                : throw new ArgumentException($"lumiera.vault.scheduler.store must be render-cache or scratch (was '{c.GetString("store")}')."),
        };
        if (settings.DeliveryMargin < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(DeliveryMargin), settings.DeliveryMargin, "lumiera.vault.scheduler.delivery-margin cannot be negative.");
        if (settings.Workers < 1) throw new ArgumentOutOfRangeException(nameof(Workers), settings.Workers, "lumiera.vault.scheduler.workers must be at least 1 (or auto).");
        if (settings.RunBudget < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RunBudget), settings.RunBudget, "lumiera.vault.scheduler.run-budget cannot be negative (off or 0 for one job per trip).");
        if (settings.JobTimeout < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(JobTimeout), settings.JobTimeout, "lumiera.vault.scheduler.job-timeout cannot be negative (off for no limit).");
        return settings;
    }
}

/// <summary>Where the scheduler keeps rendered frames.</summary>
public enum RenderStoreKind
{
    /// <summary>The render cache of <c>lumiera.vault.render-cache</c>: checked frames that survive a restart.</summary>
    RenderCache,
    /// <summary>A scratch file in the temp folder, indexed in memory, never evicted, removed at shutdown: nothing survives.</summary>
    Scratch,
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

    /// <summary>Expected render time of one run of quick jobs (<c>scheduler.run-budget</c>); <see cref="TimeSpan.Zero"/> for one job per trip.</summary>
    public TimeSpan? RunBudget { get; set; }

    /// <summary>Where rendered frames go (<c>scheduler.store</c>); the render cache's own settings are <c>lumiera.vault.render-cache</c>.</summary>
    public RenderStoreKind? Store { get; set; }

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
        Add("run-budget", RunBudget is { } b ? (b == TimeSpan.Zero ? "off" : b.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms") : null);
        Add("store", Store switch { RenderStoreKind.Scratch => "scratch", RenderStoreKind.RenderCache => "render-cache", _ => null });
        return sb.ToString();
    }
}
