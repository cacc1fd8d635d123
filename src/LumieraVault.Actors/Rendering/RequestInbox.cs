namespace LumieraVault.Rendering;

/// <summary>
/// Requests on their way to the scheduler actor: callers push onto a lock-free list, and only the caller that finds
/// the scheduler not yet called rings the doorbell (one mailbox message); the scheduler takes the whole list at once.
/// A burst of requests costs the actor one message rather than one each.
/// </summary>
internal sealed class RequestInbox
{
    private PendingFrame? _head;

    // 1 from the ring until the scheduler takes the list: the requests pushed meanwhile need no message of their own.
    private int _rung;

    /// <summary>Adds <paramref name="request"/>; true if the caller must send the scheduler the doorbell message.</summary>
    public bool Push(PendingFrame request)
    {
        var head = Volatile.Read(ref _head);
        while (true)
        {
            request.NextInInbox = head;
            var seen = Interlocked.CompareExchange(ref _head, request, head);
            if (ReferenceEquals(seen, head)) break;
            head = seen;
        }
        // After the push (a full fence): a clear seen here was cleared before the scheduler took the list, so either
        // this request is in what it took, or the ring below brings it back.
        return Volatile.Read(ref _rung) == 0 && Interlocked.Exchange(ref _rung, 1) == 0;
    }

    /// <summary>
    /// Takes every request pushed so far, first pushed first. The doorbell is cleared before the list is taken, so a
    /// request pushed after the take rings again.
    /// </summary>
    public PendingFrame? TakeAll()
    {
        Interlocked.Exchange(ref _rung, 0);
        var taken = Interlocked.Exchange(ref _head, null);
        // The list is newest first: reversed in place.
        PendingFrame? ordered = null;
        while (taken is not null)
        {
            var next = taken.NextInInbox;
            taken.NextInInbox = ordered;
            ordered = taken;
            taken = next;
        }
        return ordered;
    }
}
