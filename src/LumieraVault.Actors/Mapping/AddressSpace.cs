using Akka.Actor;
using LumieraVault.Statistics;

namespace LumieraVault.Mapping;

/// <summary>
/// The lock-free half of the FileMapCache: the address-space budget that every file's actor reserves
/// from before it maps, and the doorbell that callers' threads ring when a pin is returned while
/// someone waits for room. The aging list and the waiting requests belong to <see cref="FileMapCacheActor"/>.
/// </summary>
internal sealed class AddressSpace
{
    private long _reserved;
    private volatile int _waiters;

    public AddressSpace(long budget, VaultMetrics metrics)
    {
        Budget = budget;
        Metrics = metrics;
    }

    public long Budget { get; }

    /// <summary>Whether this vault's windows are registered with the process's SIGBUS guard.</summary>
    public bool Guarded { get; set; }

    public VaultMetrics Metrics { get; }

    /// <summary>Bytes reserved for windows that are mapped or being mapped.</summary>
    public long Reserved => Volatile.Read(ref _reserved);

    public IActorRef CacheActor { get; set; } = ActorRefs.Nobody;

    public bool HasWaiters => _waiters > 0;

    private long _idleClock;

    /// <summary>The next tick of the clock that orders idle windows for aging: strictly increasing.</summary>
    public long NextIdleTick() => Interlocked.Increment(ref _idleClock);

    public void SetWaiters(int count) => _waiters = count;

    public bool TryReserve(long bytes)
    {
        long current = Volatile.Read(ref _reserved);
        while (true)
        {
            if (current + bytes > Budget) return false;
            long seen = Interlocked.CompareExchange(ref _reserved, current + bytes, current);
            if (seen == current) return true;
            current = seen;
        }
    }

    public void Release(long bytes) => Interlocked.Add(ref _reserved, -bytes);

    /// <summary>
    /// Gives back bytes that a file's actor reserved but did not map. Unlike an unmap, which the map cache does itself,
    /// nothing else would tell the cache that room appeared, and its waiters would wait for their deadlines.
    /// </summary>
    public void Return(long bytes)
    {
        Release(bytes);
        if (HasWaiters && !_stopped) CacheActor.Tell(MapCacheProtocol.RoomReturned.Instance);
    }

    private volatile bool _stopped;

    /// <summary>True once the map cache stopped: windows are then unmapped by whoever returns their last pin.</summary>
    public bool IsStopped => _stopped;

    /// <summary>
    /// Stops the cache: every window is retired, idle ones unmapped now, pinned ones by whoever returns
    /// their last pin. Safe to call more than once and from any thread.
    /// </summary>
    public void Stop()
    {
        _stopped = true;
        foreach (var window in _live.Keys)
        {
            window.RequestRetire();
            window.File.Forget(window);
            if (window.TryRetire()) FileMapCacheActor.UnmapRetired(window, this);
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Window, byte> _live = new(ReferenceEqualityComparer.Instance);

    /// <summary>Every window mapped and not yet unmapped, whichever actor knows of it: the shutdown sweep's list.</summary>
    public void Track(Window window) => _live.TryAdd(window, 0);

    public void Untrack(Window window) => _live.TryRemove(window, out _);

    /// <summary>Whether a frame still pins a window of the file, through any descriptor, open or closed.</summary>
    public bool IsPinned(Native.FileIdentity identity)
    {
        foreach (var window in _live.Keys)
        {
            if (window.Pins > 0 && window.File.Identity == identity) return true;
        }
        return false;
    }

    public void NotifyIdle(Window window)
    {
        if (_stopped)
        {
            if (window.TryRetire()) FileMapCacheActor.UnmapRetired(window, this);
            return;
        }
        CacheActor.Tell(new MapCacheProtocol.WindowIdle(window));
    }
}
