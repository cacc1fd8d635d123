using System.Collections.Concurrent;

namespace LumieraVault;

/// <summary>
/// Requests handed to actors and not yet answered, kept so that a shutdown can answer every one the actors no longer
/// will: a request told to an actor that has stopped goes to the dead letters, and its caller would wait for ever.
/// An item is forgotten as soon as its answer completes; <see cref="Stop"/> fails the rest, and every item tracked
/// after it at once. Thread-safe; lock-free on the request path.
/// </summary>
/// <typeparam name="T">What a request is kept as (compared by reference).</typeparam>
internal sealed class Unanswered<T> where T : class
{
    private readonly ConcurrentDictionary<T, byte> _items = new(ReferenceEqualityComparer.Instance);
    private readonly Action<T> _fail;
    private volatile bool _stopped;

    /// <param name="fail">Answers one request with the error of a stopped service (it must tolerate one already answered).</param>
    public Unanswered(Action<T> fail) => _fail = fail;

    /// <summary>Requests tracked and not yet answered.</summary>
    public int Count => _items.Count;

    /// <summary>
    /// Keeps <paramref name="item"/> until <paramref name="answered"/> completes. Returns false when the service has
    /// stopped: the item (and any other left) is failed already, and the caller must not send it.
    /// </summary>
    public bool Track(T item, Task answered)
    {
        _items.TryAdd(item, 0);
        answered.ContinueWith(static (_, state) =>
            {
                var (self, key) = ((Unanswered<T>, T))state!;
                self._items.TryRemove(key, out byte _);
            },
            (this, item), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (!_stopped) return true;
        FailAll();
        return false;
    }

    /// <summary>The service stopped: fails what is left now, and whatever is tracked from now on.</summary>
    public void Stop()
    {
        _stopped = true;
        FailAll();
    }

    private void FailAll()
    {
        foreach (var item in _items.Keys) _fail(item);
    }
}
