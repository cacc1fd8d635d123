using Akka.Actor;
using LumieraVault.Files;

namespace LumieraVault.Mapping;

/// <summary>Messages of the FileMapCache: room in the address-space budget, and the windows that age in it.</summary>
internal static class MapCacheProtocol
{
    /// <summary>A file's actor needs <paramref name="Bytes"/> of budget for a window; answered with <see cref="RoomGranted"/> or <see cref="RoomDenied"/>.</summary>
    public sealed record ReserveRoom(VaultFile File, WindowSlot Slot, long Bytes, DateTimeOffset Deadline, bool Droppable, IActorRef Requester) : ILocalMessage;

    /// <summary>The bytes are reserved in the budget for the requester; it must map them or release them.</summary>
    public sealed record RoomGranted(WindowSlot Slot, long Bytes) : ILocalMessage;

    /// <summary>No room before the deadline.</summary>
    public sealed record RoomDenied(WindowSlot Slot, VaultException Error) : ILocalMessage;

    /// <summary>A new window is mapped: it joins the aging list when idle.</summary>
    public sealed record WindowMapped(Window Window) : ILocalMessage;

    /// <summary>These windows must go: unmapped now if idle, when their last pin is returned if not.</summary>
    public sealed record RetireWindows(IReadOnlyList<Window> Windows) : ILocalMessage;

    /// <summary>A window's last pin was returned while it is to be retired, or while requests wait for room.</summary>
    public sealed record WindowIdle(Window Window) : ILocalMessage;

    /// <summary>Budget went back without a window being unmapped (a mapping failed or was no longer wanted): waiters may fit now.</summary>
    public sealed record RoomReturned : ILocalMessage
    {
        public static readonly RoomReturned Instance = new();
    }

    /// <summary>A waiter's deadline passed.</summary>
    public sealed record WaiterExpired(long Id) : ILocalMessage;
}
