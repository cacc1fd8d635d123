using System.Runtime.CompilerServices;
using LumieraVault.Files;

namespace LumieraVault.Mapping;

/// <summary>
/// One page-aligned mapping of part of a file. Shared between the file's actor, the map cache and the
/// callers' threads: the pin count is the only thing those threads change, with one atomic operation.
/// A window is never reused: once retired it cannot be pinned again, so an address handed out under a
/// pin stays mapped until the pin is returned.
/// </summary>
internal sealed class Window
{
    // A pin count at or below this means retired; increments by late pinners never bring it back to zero.
    private const int Retired = int.MinValue / 2;

    private int _pins;
    private long _validEnd;
    private volatile bool _retireRequested;

    public Window(VaultFile file, WindowSlot slot, long mapOffset, long mapLength, nint address, long validEnd, bool writable)
    {
        File = file;
        Slot = slot;
        MapOffset = mapOffset;
        MapLength = mapLength;
        Address = address;
        _validEnd = validEnd;
        Writable = writable;
        IdleSince = file.Cache.NextIdleTick();
    }

    public VaultFile File { get; }

    public WindowSlot Slot { get; }

    /// <summary>File offset of the first mapped byte (a multiple of the page size).</summary>
    public long MapOffset { get; }

    /// <summary>Mapped bytes (a multiple of the page size); what the window costs of the budget.</summary>
    public long MapLength { get; }

    public nint Address { get; }

    public bool Writable { get; }

    /// <summary>File offset up to which frames may be served: pages past the file's end are never touched.</summary>
    public long ValidEnd
    {
        get => Volatile.Read(ref _validEnd);
        set => Volatile.Write(ref _validEnd, value);
    }

    public long MapEnd => MapOffset + MapLength;

    /// <summary>
    /// When the window last became idle, on the address space's idle clock (a counter, not a time): the
    /// aging order. A counter because the last unpin happens on nearly every fast-path hit, and reading
    /// the system clock there cost as much as the rest of the hit together.
    /// </summary>
    public long IdleSince;

    public int Pins => Math.Max(0, Volatile.Read(ref _pins));

    public bool IsRetired => Volatile.Read(ref _pins) < 0;

    /// <summary>Set when the window must go (file changed, closed, or replaced by a larger one): no new pins.</summary>
    public bool RetireRequested => _retireRequested;

    public bool Covers(long offset, int length) => offset >= MapOffset && offset + length <= ValidEnd && offset + length <= MapEnd;

    /// <summary>Pins the window unless it was retired or is about to be. One atomic increment on the fast path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPin()
    {
        if (Interlocked.Increment(ref _pins) <= 0) return false;
        if (!_retireRequested) return true;
        Unpin();
        return false;
    }

    /// <summary>Returns a pin. The last pin stamps the window's place in the aging list.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Unpin()
    {
        if (Interlocked.Decrement(ref _pins) == 0)
        {
            IdleSince = File.Cache.NextIdleTick();
            if (_retireRequested || File.Cache.HasWaiters) File.Cache.NotifyIdle(this);
        }
    }

    public void RequestRetire() => _retireRequested = true;

    /// <summary>Retires the window if no pin holds it. Only the map cache calls this, and then unmaps.</summary>
    public bool TryRetire() => Interlocked.CompareExchange(ref _pins, Retired, 0) == 0;

    public override string ToString() => $"window {File.Path} [{MapOffset}, {MapEnd}) pins {Pins}";
}

/// <summary>Where a window sits in its file: a slot of the regular grid, or a frame's own window.</summary>
internal readonly record struct WindowSlot(long Index, bool Dedicated);
