using System.Globalization;
using LumieraVault.Prefetching;
using Microsoft.Extensions.Logging;

namespace LumieraVault.Samples.Playback;

/// <summary>
/// What the user sees while the clip plays: frames shown, late and dropped, the share ready when asked, the look-ahead
/// and the mapped bytes. One line that refreshes in place on a terminal; a log line a second otherwise (CI, a pipe).
/// </summary>
internal sealed class LiveView(Vault vault, Prefetcher prefetcher, ILogger<LiveView> log) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _running;
    private int _width;

    public void Start(PlaybackResult result, Func<string> segment)
    {
        bool terminal = !Console.IsOutputRedirected;
        var period = terminal ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(1);
        _running = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(period);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token)) await Show(result, segment(), terminal);
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    private async Task Show(PlaybackResult result, string segment, bool terminal)
    {
        PrefetchStatistics stats;
        try
        {
            stats = await prefetcher.GetStatisticsAsync();
        }
        catch (Exception e) when (e is TimeoutException or VaultException)
        {
            return;
        }
        var lookAhead = stats.Playbacks.Count > 0 ? stats.Playbacks[0].LookAhead.TotalMilliseconds : 0;
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{segment,-8} shown {Volatile.Read(ref result.Played),5}  late {Volatile.Read(ref result.Late),3}  dropped {Volatile.Read(ref result.Dropped),3}  " +
            $"ready {stats.HitRatio * 100,5:0.0}%  look-ahead {lookAhead,5:0} ms  mapped {vault.MappedBytes / (1024.0 * 1024):0.0} MiB");
        if (terminal)
        {
            _width = Math.Max(_width, line.Length);
            Console.Write("\r" + line.PadRight(_width));
        }
        else
        {
            log.LogInformation("{Status}", line);
        }
    }

    private int _disposed;

    /// <summary>Stops the view (the run does, and the host's container again at exit).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stop.CancelAsync();
        if (_running is not null) await _running;
        if (_width > 0) Console.WriteLine();
        _stop.Dispose();
    }
}
