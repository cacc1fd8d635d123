using System.Globalization;
using System.Text;

namespace LumieraVault.Statistics;

/// <summary>One open file as the statistics report shows it.</summary>
/// <param name="Path">The file's path.</param>
/// <param name="Use">What the file is for.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Windows">Windows mapped now.</param>
/// <param name="MappedBytes">Bytes mapped now.</param>
/// <param name="Pins">Frames holding its windows now.</param>
public sealed record FileStatistics(string Path, string Use, long Size, int Windows, long MappedBytes, int Pins);

/// <summary>
/// A snapshot of the vault's statistics, the reply to <see cref="Vault.GetStatisticsAsync"/>;
/// <see cref="ToReport"/> prints it for people.
/// </summary>
public sealed record VaultStatistics
{
    /// <summary>The actor system's name.</summary>
    public required string Vault { get; init; }
    /// <summary>Files open now.</summary>
    public required int FilesOpen { get; init; }
    /// <summary>OS handles open now.</summary>
    public required long HandlesOpen { get; init; }
    /// <summary>The cap on open handles.</summary>
    public required int HandleCap { get; init; }
    /// <summary>Most handles open at once.</summary>
    public required long HandlesPeak { get; init; }
    /// <summary>Handles opened since start.</summary>
    public required long HandlesOpened { get; init; }
    /// <summary>Handles closed since start.</summary>
    public required long HandlesClosed { get; init; }
    /// <summary>Requests that waited for a handle.</summary>
    public required long HandleWaits { get; init; }
    /// <summary>Windows mapped now.</summary>
    public required long WindowsMapped { get; init; }
    /// <summary>Most windows mapped at once.</summary>
    public required long WindowsPeak { get; init; }
    /// <summary>Windows mapped since start.</summary>
    public required long WindowsMappedTotal { get; init; }
    /// <summary>Windows unmapped since start.</summary>
    public required long WindowsUnmapped { get; init; }
    /// <summary>Bytes mapped now.</summary>
    public required long MappedBytes { get; init; }
    /// <summary>Most bytes mapped at once.</summary>
    public required long MappedBytesPeak { get; init; }
    /// <summary>The address-space budget.</summary>
    public required long MapBudget { get; init; }
    /// <summary>Frame requests.</summary>
    public required long FrameRequests { get; init; }
    /// <summary>Requests served on the fast path.</summary>
    public required long FastPathHits { get; init; }
    /// <summary>Requests that went to a file's actor.</summary>
    public required long Misses { get; init; }
    /// <summary>Requests answered with a failure.</summary>
    public required long Failures { get; init; }
    /// <summary>Droppable requests dropped.</summary>
    public required long Dropped { get; init; }
    /// <summary>Requests that waited for the budget.</summary>
    public required long BudgetWaits { get; init; }
    /// <summary>Frames read into pooled buffers.</summary>
    public required long BufferedReads { get; init; }
    /// <summary>Median time from request to answer of misses, in microseconds (recent ones).</summary>
    public required double MissMedianMicroseconds { get; init; }
    /// <summary>99th percentile of the same.</summary>
    public required double MissP99Microseconds { get; init; }
    /// <summary>SIGBUS faults in vault windows caught by the guard (process-wide): reads of pages a truncation took away.</summary>
    public long GuardedFaults { get; init; }

    /// <summary>The open files.</summary>
    public required IReadOnlyList<FileStatistics> Files { get; init; }

    /// <summary>The share of requests served on the fast path.</summary>
    public double HitRatio => FrameRequests == 0 ? 0 : (double)FastPathHits / FrameRequests;

    /// <summary>A readable report, one topic a line, the open files last.</summary>
    public string ToReport(int maxFiles = 10)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(c, $"LumieraVault statistics ({Vault})\n");
        sb.Append(c, $"  Files      open {FilesOpen}\n");
        sb.Append(c, $"  Handles    open {HandlesOpen} of {HandleCap}, peak {HandlesPeak}; opened {HandlesOpened}, closed {HandlesClosed}, waits {HandleWaits}\n");
        sb.Append(c, $"  Windows    mapped {WindowsMapped}, peak {WindowsPeak}; mapped in all {WindowsMappedTotal}, unmapped {WindowsUnmapped}\n");
        sb.Append(c, $"  Memory     mapped {Bytes(MappedBytes)} of {Bytes(MapBudget)} budget, peak {Bytes(MappedBytesPeak)}\n");
        sb.Append(c, $"  Frames     requests {FrameRequests}, fast-path hits {FastPathHits} ({HitRatio:P1}), misses {Misses}\n");
        sb.Append(c, $"             failures {Failures}, dropped {Dropped}, waited for budget {BudgetWaits}, buffered reads {BufferedReads}\n");
        if (GuardedFaults > 0) sb.Append(c, $"  Guarded    {GuardedFaults} SIGBUS faults caught (pages of truncated files read as zeros)\n");
        sb.Append(c, $"  Miss time  median {Micros(MissMedianMicroseconds)}, p99 {Micros(MissP99Microseconds)}\n");
        foreach (var f in Files.OrderByDescending(f => f.MappedBytes).Take(maxFiles))
            sb.Append(c, $"    {f.Path}  {f.Use}, {Bytes(f.Size)}, {f.Windows} windows, {Bytes(f.MappedBytes)} mapped, {f.Pins} pins\n");
        if (Files.Count > maxFiles) sb.Append(c, $"    ... and {Files.Count - maxFiles} more files\n");
        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => ToReport();

    internal static string Bytes(long b) => b switch
    {
        >= 1L << 30 => (b / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (b / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (b / (double)(1L << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => b.ToString(CultureInfo.InvariantCulture) + " B",
    };

    internal static string Micros(double us) => double.IsNaN(us) ? "-" : us.ToString("0.0", CultureInfo.InvariantCulture) + " us";
}
