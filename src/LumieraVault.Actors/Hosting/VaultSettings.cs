using Akka.Configuration;
using LumieraVault.Files;
using LumieraVault.Native;

namespace LumieraVault.Hosting;

/// <summary>The vault's limits, read from the <c>lumiera.vault</c> section of the actor system's configuration.</summary>
public sealed record VaultSettings
{
    /// <summary>Most OS file handles open at once.</summary>
    public required int MaxHandles { get; init; }

    /// <summary>Most bytes mapped at once over all files.</summary>
    public required long MapBudget { get; init; }

    /// <summary>The size of a mapped window (a multiple of the page size).</summary>
    public required long WindowSize { get; init; }

    /// <summary>How long a request without a deadline waits for the budget.</summary>
    public required TimeSpan DefaultWait { get; init; }

    /// <summary>The read strategy of files whose options do not choose one.</summary>
    public required ReadStrategy ReadStrategy { get; init; }

    /// <summary>How often files with mapped windows are checked for change; <see cref="TimeSpan.Zero"/> for misses only.</summary>
    public required TimeSpan ChangeCheckInterval { get; init; }

    /// <summary>Whether the kernel (inotify) tells the vault of changes to files with mapped windows.</summary>
    public required bool WatchChanges { get; init; }

    /// <summary>Whether a SIGBUS in a vault window is caught (zeros read, file reported changed) instead of killing the process.</summary>
    public required bool SigbusGuard { get; init; }

    /// <summary>Frame leases each thread keeps for reuse.</summary>
    public required int LeasesPerThread { get; init; }

    /// <summary>The embedded reference configuration with every default.</summary>
    public static Config Reference { get; } = LoadReference();

    /// <summary>Reads the settings from <paramref name="config"/>, falling back to the reference defaults.</summary>
    public static VaultSettings From(Config config)
    {
        var c = config.WithFallback(Reference).GetConfig("lumiera.vault");
        string handles = c.GetString("handle-cache.max-handles", "auto");
        int maxHandles = handles.Equals("auto", StringComparison.OrdinalIgnoreCase)
            ? SystemLimits.DefaultMaxHandles
            : int.Parse(handles, System.Globalization.CultureInfo.InvariantCulture);
        long budget = c.GetByteSize("map-cache.budget") ?? (1L << 30);
        long window = SystemLimits.AlignUp(Math.Max(SystemLimits.PageSize, c.GetByteSize("map-cache.window-size") ?? (4L << 20)));
        string interval = c.GetString("files.change-check-interval", "1s");
        var settings = new VaultSettings
        {
            MaxHandles = maxHandles,
            MapBudget = budget,
            WindowSize = window,
            DefaultWait = c.GetTimeSpan("map-cache.default-wait", TimeSpan.FromSeconds(5)),
            ReadStrategy = Enum.Parse<ReadStrategy>(c.GetString("files.read-strategy", "mapped"), ignoreCase: true),
            ChangeCheckInterval = interval.Equals("off", StringComparison.OrdinalIgnoreCase)
                ? TimeSpan.Zero
                : c.GetTimeSpan("files.change-check-interval", TimeSpan.FromSeconds(1)),
            WatchChanges = c.GetBoolean("files.watch-changes", true),
            SigbusGuard = c.GetBoolean("files.sigbus-guard", true),
            LeasesPerThread = c.GetInt("frames.leases-per-thread", 64),
        };
        settings.Validate();
        return settings;
    }

    private void Validate()
    {
        if (MaxHandles < 1) throw new ArgumentOutOfRangeException(nameof(MaxHandles), MaxHandles, "lumiera.vault.handle-cache.max-handles must be at least 1.");
        if (MapBudget < WindowSize) throw new ArgumentOutOfRangeException(nameof(MapBudget), MapBudget, "lumiera.vault.map-cache.budget must hold at least one window.");
        if (DefaultWait <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(DefaultWait), DefaultWait, "lumiera.vault.map-cache.default-wait must be positive.");
        if (LeasesPerThread < 0) throw new ArgumentOutOfRangeException(nameof(LeasesPerThread), LeasesPerThread, "lumiera.vault.frames.leases-per-thread cannot be negative.");
    }

    private static Config LoadReference()
    {
        using var stream = typeof(VaultSettings).Assembly.GetManifestResourceStream("LumieraVault.reference.conf")
            ?? throw new InvalidOperationException("The embedded reference.conf of LumieraVault.Actors is missing.");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
