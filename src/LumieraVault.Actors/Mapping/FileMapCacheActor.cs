using Akka.Actor;
using Akka.Event;
using LumieraVault.Native;
using static LumieraVault.Mapping.MapCacheProtocol;

namespace LumieraVault.Mapping;

/// <summary>
/// Owns the aging list of every mapped window and hands out room in the address-space budget. When a
/// file's actor needs room, idle windows are unmapped, least recently idle first, until the new window
/// fits. Pinned windows are never unmapped: when every window is pinned the request waits until a pin is
/// returned, and fails with <see cref="VaultError.BudgetExhausted"/> (or is dropped, if droppable) when
/// its deadline passes first. All unmapping happens here (or, after shutdown, on the thread that returns
/// the last pin), so the budget is released exactly once per window.
/// </summary>
internal sealed class FileMapCacheActor : StatefulCacheActor, IWithTimers
{
    private sealed record Waiter(long Id, ReserveRoom Request);

    private readonly AddressSpace _space;
    private readonly HashSet<Window> _windows = new(ReferenceEqualityComparer.Instance);
    private readonly LinkedList<Waiter> _waiters = new();
    private long _nextWaiterId;
    private readonly List<(Window Window, long Stamp)> _aging = new();
    private int _agingNext;

    public FileMapCacheActor(AddressSpace space)
    {
        _space = space;
        Receive<ReserveRoom>(m =>
        {
            try
            {
                Reserve(m);
            }
            catch (Exception e) when (e is not VaultException)
            {
                // The cache resumes after a fault; the file actor must still hear an answer.
                m.Requester.Tell(new RoomDenied(m.Slot, new VaultException(VaultError.IoError, "Internal failure of the map cache: " + e.Message, e)));
            }
        });
        Receive<WindowMapped>(m => _windows.Add(m.Window));
        Receive<RetireWindows>(m =>
        {
            foreach (var w in m.Windows)
            {
                w.RequestRetire();
                w.File.Forget(w);
                if (w.TryRetire()) Unmap(w);
            }
            ServeWaiters();
        });
        Receive<WindowIdle>(m =>
        {
            if (m.Window.RetireRequested && m.Window.TryRetire()) Unmap(m.Window);
            ServeWaiters();
        });
        Receive<RoomReturned>(_ => ServeWaiters());
        Receive<WaiterExpired>(Expire);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(AddressSpace space) => Akka.Actor.Props.Create(() => new FileMapCacheActor(space));

    private void Reserve(ReserveRoom request)
    {
        if (_waiters.Count == 0 && TryMakeRoom(request.Bytes))
        {
            request.Requester.Tell(new RoomGranted(request.Slot, request.Bytes));
            return;
        }
        var waiter = new Waiter(++_nextWaiterId, request);
        _waiters.AddLast(waiter);
        _space.SetWaiters(_waiters.Count);
        _space.Metrics.BudgetWaits.Increment();
        var delay = request.Deadline - Context.System.Scheduler.Now;
        Timers.StartSingleTimer(waiter.Id, new WaiterExpired(waiter.Id), delay > TimeSpan.Zero ? delay : TimeSpan.Zero);
        // A pin may have been returned between the failed attempt and the doorbell being armed.
        ServeWaiters();
    }

    private void ServeWaiters()
    {
        while (_waiters.First is { } first && TryMakeRoom(first.Value.Request.Bytes))
        {
            _waiters.RemoveFirst();
            Timers.Cancel(first.Value.Id);
            first.Value.Request.Requester.Tell(new RoomGranted(first.Value.Request.Slot, first.Value.Request.Bytes));
        }
        _space.SetWaiters(_waiters.Count);
    }

    private void Expire(WaiterExpired expired)
    {
        for (var node = _waiters.First; node is not null; node = node.Next)
        {
            if (node.Value.Id != expired.Id) continue;
            _waiters.Remove(node);
            _space.SetWaiters(_waiters.Count);
            var r = node.Value.Request;
            VaultException error = r.Droppable
                ? new FrameDroppedException($"every mapped window of the {_space.Budget}-byte budget stayed pinned until the deadline")
                : new VaultException(VaultError.BudgetExhausted,
                    $"Budget exhausted: a {r.Bytes}-byte window of '{r.File.Path}' did not fit in the {_space.Budget}-byte map budget before the deadline, " +
                    "because every mapped window is pinned. Dispose frames sooner or raise lumiera.vault.map-cache.budget.") { Path = r.File.Path };
            r.Requester.Tell(new RoomDenied(r.Slot, error));
            // The head may have been the large request that blocked smaller ones behind it.
            ServeWaiters();
            return;
        }
    }

    /// <summary>
    /// Reserves <paramref name="bytes"/>, unmapping idle windows (least recently idle first) as needed.
    /// The idle windows are sorted once and the order is reused by later calls: a window used since then has
    /// a newer stamp and is skipped (it went to the young end), a window that became idle since then is
    /// younger than every entry, so what is left of the order is still the oldest part of the aging list.
    /// </summary>
    private bool TryMakeRoom(long bytes)
    {
        if (_space.TryReserve(bytes)) return true;
        if (_agingNext >= _aging.Count && !SortIdleWindows(bytes)) return false;
        // Two passes at most: windows pinned again between the sort and the unmap are skipped, not waited for.
        for (int pass = 0; pass < 2; pass++)
        {
            for (; _agingNext < _aging.Count; _agingNext++)
            {
                var (w, stamp) = _aging[_agingNext];
                if (w.IdleSince != stamp || w.Pins != 0 || !w.TryRetire()) continue; // used again, or gone
                w.File.Forget(w);
                Unmap(w);
                if (_space.TryReserve(bytes))
                {
                    _agingNext++;
                    return true;
                }
            }
            if (pass == 0 && !SortIdleWindows(bytes)) return false;
        }
        return _space.TryReserve(bytes);
    }

    /// <summary>Builds the aging order of the idle windows; false (and nothing unmapped) if they could not free enough.</summary>
    private bool SortIdleWindows(long bytes)
    {
        _aging.Clear();
        _agingNext = 0;
        long needed = _space.Reserved + bytes - _space.Budget;
        long freeable = 0;
        foreach (var w in _windows)
        {
            if (w.Pins != 0 || w.IsRetired) continue;
            _aging.Add((w, w.IdleSince));
            freeable += w.MapLength;
        }
        if (freeable < needed)
        {
            _aging.Clear();
            return false;
        }
        _aging.Sort(static (a, b) => a.Stamp.CompareTo(b.Stamp));
        return true;
    }

    private void Unmap(Window window)
    {
        _windows.Remove(window);
        UnmapRetired(window, _space);
    }

    /// <summary>Unmaps a window that this thread retired, and gives its bytes back to the budget.</summary>
    internal static void UnmapRetired(Window window, AddressSpace space)
    {
        if (Libc.Munmap(window.Address, (nuint)window.MapLength) != 0)
        {
            // munmap fails only on arguments we never produce; the range stays reserved to keep the count honest.
            return;
        }
        if (space.Guarded) SigbusGuard.Uncover(window.Address, window.MapLength);
        // The gauges first: once the bytes are back in the budget another window may be mapped and counted at once,
        // and counted before this one was taken off, the peak would exceed the budget that was never exceeded.
        space.Metrics.MappedBytes.Add(-window.MapLength);
        space.Metrics.WindowsMapped.Add(-1);
        space.Metrics.WindowsUnmapped.Increment();
        space.Untrack(window);
        space.Release(window.MapLength);
    }

    protected override void PostStop()
    {
        // Idle windows go now; pinned ones when their last pin is returned (the address space unmaps them then).
        _space.Stop();
        foreach (var w in _windows.ToList())
        {
            w.RequestRetire();
            w.File.Forget(w);
            if (w.TryRetire()) Unmap(w);
        }
        _windows.Clear();
        foreach (var waiter in _waiters)
            waiter.Request.Requester.Tell(new RoomDenied(waiter.Request.Slot, VaultErrors.Stopped()));
        _waiters.Clear();
        _space.SetWaiters(0);
        Log.Debug("Map cache stopped; {0} bytes still reserved by pinned windows", _space.Reserved);
    }
}
