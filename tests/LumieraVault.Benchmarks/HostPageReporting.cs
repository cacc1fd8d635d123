using System.Globalization;
using System.Runtime.InteropServices;

namespace LumieraVault.Benchmarks;

/// <summary>
/// The guest kernel's free page reporting (virtio-balloon's <c>page_reporting</c>): every two seconds, while the machine has
/// free memory it has not reported, the guest hands blocks of it back to the host, which discards them. On the virtual
/// machines of docs/benchmarks.md (Firecracker, PVM shadow paging) each pass also drops the host's mappings of pages the
/// guest still uses: for the next few hundred milliseconds every page any process touches traps to the hypervisor again
/// (about 2 us a page, 1.8 ms for a 3.5 MiB frame), whatever was done to have it ready. A benchmark sets this off itself:
/// dropping a clip from the page cache before each run (as the playback benchmark must) frees a GiB, whose reporting then
/// lands in the middle of the run it was dropped for.
/// <para>
/// For the quick run the reporting is paused, as a benchmark fixes the CPU governor: the reporting order is set one above the
/// largest block the buddy allocator keeps (no free block is then large enough to report), and put back when the run ends.
/// Only where the parameter exists and may be written (root); LUMIERA_BENCH_PAGE_REPORTING=on leaves it alone. A run stopped
/// with Ctrl-C or SIGTERM puts it back too; should it be killed outright, the order stays raised (the kernel's command line
/// on these machines sets the same value).
/// </para>
/// </summary>
internal sealed class HostPageReporting : IDisposable
{
    private const string Folder = "/sys/module/page_reporting/parameters";
    private const string OrderFile = Folder + "/page_reporting_order";
    private const string ReportedFile = Folder + "/reported_kib";

    private string? _was;
    private bool _alreadyOff;
    private readonly List<PosixSignalRegistration> _signals = new();

    /// <summary>The control of the quick run in progress, if any.</summary>
    public static HostPageReporting? Current { get; private set; }

    private HostPageReporting()
    {
    }

    /// <summary>Whether this machine reports free pages to its host at all.</summary>
    public static bool Present => File.Exists(OrderFile);

    /// <summary>Whether reporting is paused by this benchmark now.</summary>
    public bool Paused => _was is not null;

    /// <summary>KiB the guest has reported to its host since it booted; null where it does not report.</summary>
    public static long? ReportedKib
    {
        get
        {
            try
            {
                return long.Parse(File.ReadAllText(ReportedFile).Trim(), CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                return null;
            }
        }
    }

    /// <summary>Pauses the reporting where this process may; the result says whether it did, and undoes it when disposed.</summary>
    public static HostPageReporting Pause()
    {
        var control = new HostPageReporting();
        if (!Present || Environment.GetEnvironmentVariable("LUMIERA_BENCH_PAGE_REPORTING") == "on") return control;
        control.Set(AboveLargestOrder());
        Current = control;
        // Put back also when the run is stopped (Ctrl-C, SIGTERM, the terminal closed); the signal then ends the process as usual.
        if (control.Paused)
        {
            foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
                control._signals.Add(PosixSignalRegistration.Create(signal, _ => control.PutBack()));
        }
        return control;
    }

    /// <summary>
    /// Lets the host reclaim again for a while (a part that measures with it on), then pauses it again. Before it returns it
    /// waits until the backlog the pause left (every page freed meanwhile) has been reported, at most <paramref name="limit"/>,
    /// so what follows sees the machine as it runs by default, not a pause's backlog.
    /// </summary>
    public IDisposable Resume(TimeSpan limit)
    {
        if (_was is not { } was) return new Restore(() => { });
        string paused = File.ReadAllText(OrderFile).Trim();
        Write(was);
        Settle(limit);
        return new Restore(() => Write(paused));
    }

    /// <summary>Waits until nothing was reported for one reporting interval (2 s, and a little), or the limit.</summary>
    private static void Settle(TimeSpan limit)
    {
        var quiet = TimeSpan.FromMilliseconds(2500);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var since = TimeSpan.Zero;
        long? last = ReportedKib;
        while (clock.Elapsed < limit && clock.Elapsed - since < quiet)
        {
            Thread.Sleep(100);
            long? now = ReportedKib;
            if (now == last) continue;
            last = now;
            since = clock.Elapsed;
        }
    }

    public override string ToString() => !Present ? "the guest does not report free pages to a host"
        : _alreadyOff ? "host free page reporting already off (page_reporting_order above the largest block)"
        : Paused ? $"host free page reporting paused for the run (page_reporting_order {_was} raised to {AboveLargestOrder()}; restored at the end)"
        : Environment.GetEnvironmentVariable("LUMIERA_BENCH_PAGE_REPORTING") == "on" ? "host free page reporting left on (LUMIERA_BENCH_PAGE_REPORTING=on)"
        : "host free page reporting left on (its parameter cannot be written here)";

    /// <summary>The buddy allocator's orders are the columns of /proc/buddyinfo after the zone's name: 0 to the largest.</summary>
    private static int AboveLargestOrder()
    {
        try
        {
            var line = File.ReadLines("/proc/buddyinfo").FirstOrDefault(l => l.Contains("zone", StringComparison.Ordinal));
            if (line is not null)
            {
                int columns = line[(line.IndexOf("zone", StringComparison.Ordinal) + 4)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Length - 1;
                if (columns > 0) return columns;
            }
        }
        catch (IOException)
        {
        }
        return 11;
    }

    private void Set(int order)
    {
        try
        {
            string was = File.ReadAllText(OrderFile).Trim();
            if (int.TryParse(was, NumberStyles.Integer, CultureInfo.InvariantCulture, out int now) && now >= order)
            {
                _alreadyOff = true;
                return;
            }
            Write(order.ToString(CultureInfo.InvariantCulture));
            _was = was;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void Write(string order)
    {
        try
        {
            File.WriteAllText(OrderFile, order);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private void PutBack()
    {
        if (Interlocked.Exchange(ref _was, null) is { } was) Write(was);
    }

    public void Dispose()
    {
        PutBack();
        foreach (var registration in _signals) registration.Dispose();
        _signals.Clear();
        if (ReferenceEquals(Current, this)) Current = null;
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        private Action? _undo = undo;

        public void Dispose() => Interlocked.Exchange(ref _undo, null)?.Invoke();
    }
}
