using System.Globalization;
using System.Text;
using LumieraVault.Statistics;

namespace LumieraVault.Prefetching;

/// <summary>One watched timeline as the statistics show it.</summary>
/// <param name="Id">The playback's id.</param>
/// <param name="State">Playing, paused, scrubbing, or not started.</param>
/// <param name="Position">The timeline frame last asked for.</param>
/// <param name="Direction">1 forward, -1 backward, 0 not known yet.</param>
/// <param name="Speed">Frames of the timeline per frame shown.</param>
/// <param name="LookAhead">The look-ahead now.</param>
/// <param name="FramesAhead">Frames prefetched and not yet released.</param>
public sealed record PlaybackStatistics(long Id, string State, long Position, int Direction, double Speed, TimeSpan LookAhead, int FramesAhead);

/// <summary>A snapshot of the prefetcher's statistics (<see cref="Prefetcher.GetStatisticsAsync"/>); <see cref="ToReport"/> prints it.</summary>
public sealed record PrefetchStatistics
{
    /// <summary>The actor system's name.</summary>
    public required string Vault { get; init; }
    /// <summary>Whether advice and render jobs are sent (off: the timelines are only measured).</summary>
    public required bool Enabled { get; init; }
    /// <summary>Frames asked for on watched timelines (through the vault, hits and misses).</summary>
    public required long Requests { get; init; }
    /// <summary>Of those, frames ready when asked (fast-path hits).</summary>
    public required long Ready { get; init; }
    /// <summary>Frames prefetched.</summary>
    public required long Prefetched { get; init; }
    /// <summary>Prefetched frames asked for afterwards.</summary>
    public required long Used { get; init; }
    /// <summary>Prefetched frames released without being asked for.</summary>
    public required long Wasted { get; init; }
    /// <summary>Frames released behind the play head or superseded.</summary>
    public required long Released { get; init; }
    /// <summary>Frames ready after their deadline.</summary>
    public required long Late { get; init; }
    /// <summary>Frames answered dropped.</summary>
    public required long Dropped { get; init; }
    /// <summary>Frames answered with a failure.</summary>
    public required long Failed { get; init; }
    /// <summary>Look-aheads superseded (seek, scrub, change of direction).</summary>
    public required long Supersedes { get; init; }
    /// <summary>Times a look-ahead grew (a frame it covered was not ready in time).</summary>
    public required long Grown { get; init; }
    /// <summary>Times a look-ahead shrank (prefetched frames unused, or memory tight).</summary>
    public required long Shrunk { get; init; }
    /// <summary>Background render jobs queued ahead.</summary>
    public required long RenderJobs { get; init; }
    /// <summary>Observations overwritten before the prefetcher read them (the tap's ring was too small for the rate).</summary>
    public required long Lost { get; init; }
    /// <summary>Frames per lateness bucket: in time, then up to each of <see cref="PrefetchMetrics.LatenessBounds"/> ms late, then more.</summary>
    public required IReadOnlyList<long> Lateness { get; init; }
    /// <summary>Median time from asking to having a frame, in microseconds (0 for frames that were ready).</summary>
    public required double ReadyMedianMicroseconds { get; init; }
    /// <summary>99th percentile of the same.</summary>
    public required double ReadyP99Microseconds { get; init; }
    /// <summary>The watched timelines.</summary>
    public required IReadOnlyList<PlaybackStatistics> Playbacks { get; init; }

    /// <summary>The share of frames ready when asked.</summary>
    public double HitRatio => PrefetchMetrics.Ratio(Ready, Requests);

    /// <summary>The share of prefetched frames asked for afterwards.</summary>
    public double Accuracy => PrefetchMetrics.Ratio(Used, Prefetched);

    /// <summary>A readable report, one topic a line, the timelines last.</summary>
    public string ToReport()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(c, $"LumieraVault prefetcher ({Vault}, {(Enabled ? "on" : "off: measuring only")})\n");
        sb.Append(c, $"  Frames     asked {Requests}, ready when asked {Ready} ({HitRatio * 100:0.0}%), late {Late}, dropped {Dropped}, failed {Failed}\n");
        sb.Append(c, $"  Prefetch   {Prefetched} frames, used {Used} (accuracy {Accuracy * 100:0.0}%), wasted {Wasted}, released {Released}, render jobs {RenderJobs}\n");
        sb.Append(c, $"  Look-ahead grown {Grown}, shrunk {Shrunk}, superseded {Supersedes}{(Lost > 0 ? $", observations lost {Lost}" : "")}\n");
        sb.Append(c, $"  Ready time median {VaultStatistics.Micros(ReadyMedianMicroseconds)}, p99 {VaultStatistics.Micros(ReadyP99Microseconds)}\n");
        sb.Append("  Lateness  ");
        var bounds = PrefetchMetrics.LatenessBounds;
        for (int i = 0; i < Lateness.Count; i++)
        {
            string label = i == 0 ? "in time" : i < bounds.Length ? $"<={bounds[i]:0} ms" : $">{bounds[^1]:0} ms";
            sb.Append(c, $" {label}: {Lateness[i]}{(i + 1 < Lateness.Count ? "," : "")}");
        }
        sb.Append('\n');
        foreach (var p in Playbacks)
            sb.Append(c, $"    playback {p.Id}  {p.State}, frame {p.Position}, {(p.Direction < 0 ? "backward" : p.Direction > 0 ? "forward" : "-")} x{p.Speed:0.##}, look-ahead {p.LookAhead.TotalMilliseconds:0} ms, {p.FramesAhead} frames ahead\n");
        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => ToReport();
}
