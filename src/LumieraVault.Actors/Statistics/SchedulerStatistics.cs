using System.Globalization;
using System.Text;

namespace LumieraVault.Statistics;

/// <summary>One renderer as the scheduler's report shows it.</summary>
/// <param name="Id">The renderer's id.</param>
/// <param name="Rendered">Frames it rendered.</param>
/// <param name="MeanMilliseconds">Its mean render time per frame.</param>
public sealed record RendererStatistics(string Id, long Rendered, double MeanMilliseconds);

/// <summary>A snapshot of the render scheduler's statistics (<c>RenderService.GetStatisticsAsync</c>); <see cref="ToReport"/> prints it.</summary>
public sealed record SchedulerStatistics
{
    /// <summary>The actor system's name.</summary>
    public required string Vault { get; init; }
    /// <summary>The size of the worker pool.</summary>
    public required int Workers { get; init; }
    /// <summary>Workers rendering now.</summary>
    public required int Busy { get; init; }
    /// <summary>Jobs waiting for a worker now.</summary>
    public required int QueueLength { get; init; }
    /// <summary>Jobs queued since start.</summary>
    public required long Queued { get; init; }
    /// <summary>Jobs started.</summary>
    public required long Started { get; init; }
    /// <summary>Requests merged into a job for the same frame.</summary>
    public required long Merged { get; init; }
    /// <summary>Requests answered dropped.</summary>
    public required long Dropped { get; init; }
    /// <summary>Jobs delivered after a non-droppable requester's deadline.</summary>
    public required long Late { get; init; }
    /// <summary>Jobs failed (renderer or store failures, cycles).</summary>
    public required long Failed { get; init; }
    /// <summary>Jobs abandoned at the time limit.</summary>
    public required long TimedOut { get; init; }
    /// <summary>Batches whose rendered frames were delivered but could not be committed to the store (not cached).</summary>
    public long CommitsFailed { get; init; }
    /// <summary>Median time from request to frame, in microseconds (recent requests).</summary>
    public required double ReadyMedianMicroseconds { get; init; }
    /// <summary>99th percentile of the same.</summary>
    public required double ReadyP99Microseconds { get; init; }
    /// <summary>The registered renderers.</summary>
    public required IReadOnlyList<RendererStatistics> Renderers { get; init; }

    /// <summary>A readable report, one topic a line, the renderers last.</summary>
    public string ToReport()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(c, $"LumieraVault render scheduler ({Vault})\n");
        sb.Append(c, $"  Workers    {Busy} busy of {Workers}; queue {QueueLength}\n");
        sb.Append(c, $"  Jobs       queued {Queued}, started {Started}, merged {Merged}, dropped {Dropped}, late {Late}, failed {Failed}, timed out {TimedOut}{(CommitsFailed > 0 ? $", commits failed {CommitsFailed}" : "")}\n");
        sb.Append(c, $"  Ready time median {VaultStatistics.Micros(ReadyMedianMicroseconds)}, p99 {VaultStatistics.Micros(ReadyP99Microseconds)}\n");
        foreach (var r in Renderers)
            sb.Append(c, $"    {r.Id}  {r.Rendered} frames, {r.MeanMilliseconds:0.000} ms each\n");
        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => ToReport();
}
