using System.Globalization;
using System.Text;
using Akka.Configuration;
using LumieraVault.Hosting;

namespace LumieraVault.Prefetching;

/// <summary>The prefetcher's settings, read from <c>lumiera.vault.prefetch</c>.</summary>
public sealed record PrefetchSettings
{
    /// <summary>Whether advice and render jobs are sent ahead; off, watched timelines are still measured.</summary>
    public required bool Enabled { get; init; }

    /// <summary>How far ahead of the play head, in playing time, frames are prefetched at first.</summary>
    public required TimeSpan LookAhead { get; init; }

    /// <summary>The least the look-ahead shrinks to.</summary>
    public required TimeSpan MinLookAhead { get; init; }

    /// <summary>The most the look-ahead grows to.</summary>
    public required TimeSpan MaxLookAhead { get; init; }

    /// <summary>How often the prefetcher reads what was asked for and moves the look-ahead.</summary>
    public required TimeSpan Tick { get; init; }

    /// <summary>The factor the look-ahead grows by when a frame it covered was not ready in time.</summary>
    public required double Grow { get; init; }

    /// <summary>The factor the look-ahead shrinks by when prefetched frames went unused or memory is tight.</summary>
    public required double Shrink { get; init; }

    /// <summary>The share of the map budget that the look-ahead's frames may take.</summary>
    public required double BudgetShare { get; init; }

    /// <summary>A timeline with no request for this long counts as paused: its look-ahead stops.</summary>
    public required TimeSpan IdleAfter { get; init; }

    /// <summary>Frames just behind the play head that are kept before they are released.</summary>
    public required int KeepBehind { get; init; }

    /// <summary>Whether released frames are also dropped from the page cache (posix_fadvise DONTNEED), not only unmapped from the page tables.</summary>
    public required bool DropPageCache { get; init; }

    /// <summary>
    /// Whether the read-ahead thread, once a frame's pages are read and in the page tables, reads one byte of each page, so the
    /// player's first touch of a page costs no more than any later one (on hosts that fill their own page tables lazily, a
    /// shadow-paged virtual machine, the first access of each page traps to the hypervisor). Done only in windows that the
    /// SIGBUS guard covers.
    /// </summary>
    public required bool TouchPages { get; init; }

    /// <summary>Reads the settings from <paramref name="config"/>, falling back to the reference defaults.</summary>
    public static PrefetchSettings From(Config config)
    {
        var c = config.WithFallback(VaultSettings.Reference).GetConfig("lumiera.vault.prefetch");
        var s = new PrefetchSettings
        {
            Enabled = c.GetBoolean("enabled", true),
            LookAhead = c.GetTimeSpan("look-ahead", TimeSpan.FromMilliseconds(500)),
            MinLookAhead = c.GetTimeSpan("min-look-ahead", TimeSpan.FromMilliseconds(100)),
            MaxLookAhead = c.GetTimeSpan("max-look-ahead", TimeSpan.FromSeconds(3)),
            Tick = c.GetTimeSpan("tick", TimeSpan.FromMilliseconds(10)),
            Grow = c.GetDouble("grow", 1.5),
            Shrink = c.GetDouble("shrink", 0.8),
            BudgetShare = c.GetDouble("budget-share", 0.5),
            IdleAfter = c.GetTimeSpan("idle-after", TimeSpan.FromMilliseconds(500)),
            KeepBehind = c.GetInt("keep-behind", 1),
            DropPageCache = c.GetBoolean("drop-page-cache", false),
            TouchPages = c.GetBoolean("touch-pages", true),
        };
        s.Validate();
        return s;
    }

    private void Validate()
    {
        static ArgumentOutOfRangeException Bad(string key, object value, string why) => new(key, value, $"lumiera.vault.prefetch.{key} {why}");
        if (MinLookAhead <= TimeSpan.Zero) throw Bad("min-look-ahead", MinLookAhead, "must be positive.");
        if (MaxLookAhead < MinLookAhead) throw Bad("max-look-ahead", MaxLookAhead, "must be at least min-look-ahead.");
        if (LookAhead < MinLookAhead || LookAhead > MaxLookAhead) throw Bad("look-ahead", LookAhead, "must lie from min-look-ahead to max-look-ahead.");
        if (Tick <= TimeSpan.Zero) throw Bad("tick", Tick, "must be positive.");
        if (!(Grow >= 1)) throw Bad("grow", Grow, "must be 1 or more.");
        if (!(Shrink > 0 && Shrink <= 1)) throw Bad("shrink", Shrink, "must be more than 0 and at most 1.");
        if (!(BudgetShare > 0 && BudgetShare <= 1)) throw Bad("budget-share", BudgetShare, "must be more than 0 and at most 1.");
        if (IdleAfter <= TimeSpan.Zero) throw Bad("idle-after", IdleAfter, "must be positive.");
        if (KeepBehind < 0) throw Bad("keep-behind", KeepBehind, "cannot be negative.");
    }
}

/// <summary>The prefetcher's settings set from code; a property left null keeps what the HOCON configuration says.</summary>
public sealed class PrefetchOptions
{
    /// <summary><c>prefetch.enabled</c>.</summary>
    public bool? Enabled { get; set; }

    /// <summary><c>prefetch.look-ahead</c>.</summary>
    public TimeSpan? LookAhead { get; set; }

    /// <summary><c>prefetch.min-look-ahead</c>.</summary>
    public TimeSpan? MinLookAhead { get; set; }

    /// <summary><c>prefetch.max-look-ahead</c>.</summary>
    public TimeSpan? MaxLookAhead { get; set; }

    /// <summary><c>prefetch.tick</c>.</summary>
    public TimeSpan? Tick { get; set; }

    /// <summary><c>prefetch.grow</c>.</summary>
    public double? Grow { get; set; }

    /// <summary><c>prefetch.shrink</c>.</summary>
    public double? Shrink { get; set; }

    /// <summary><c>prefetch.budget-share</c>.</summary>
    public double? BudgetShare { get; set; }

    /// <summary><c>prefetch.idle-after</c>.</summary>
    public TimeSpan? IdleAfter { get; set; }

    /// <summary><c>prefetch.keep-behind</c>.</summary>
    public int? KeepBehind { get; set; }

    /// <summary><c>prefetch.drop-page-cache</c>.</summary>
    public bool? DropPageCache { get; set; }

    /// <summary><c>prefetch.touch-pages</c>.</summary>
    public bool? TouchPages { get; set; }

    /// <summary>Renders the properties that are set as HOCON, to be placed before the rest of the configuration.</summary>
    public string ToHocon()
    {
        var sb = new StringBuilder();
        void Add(string key, string? value)
        {
            if (value is not null) sb.Append("lumiera.vault.prefetch.").Append(key).Append(" = ").Append(value).Append('\n');
        }
        static string? Ms(TimeSpan? t) => t is { } v ? v.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms" : null;
        static string? OnOff(bool? b) => b is { } v ? (v ? "on" : "off") : null;
        static string? Num(double? d) => d?.ToString("R", CultureInfo.InvariantCulture);
        Add("enabled", OnOff(Enabled));
        Add("look-ahead", Ms(LookAhead));
        Add("min-look-ahead", Ms(MinLookAhead));
        Add("max-look-ahead", Ms(MaxLookAhead));
        Add("tick", Ms(Tick));
        Add("grow", Num(Grow));
        Add("shrink", Num(Shrink));
        Add("budget-share", Num(BudgetShare));
        Add("idle-after", Ms(IdleAfter));
        Add("keep-behind", KeepBehind?.ToString(CultureInfo.InvariantCulture));
        Add("drop-page-cache", OnOff(DropPageCache));
        Add("touch-pages", OnOff(TouchPages));
        return sb.ToString();
    }
}
