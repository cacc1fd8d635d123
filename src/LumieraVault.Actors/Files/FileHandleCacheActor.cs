using Akka.Actor;
using Akka.Event;
using LumieraVault.Native;
using LumieraVault.Statistics;
using Microsoft.Win32.SafeHandles;
using static LumieraVault.Files.HandleCacheProtocol;

namespace LumieraVault.Files;

/// <summary>
/// Keeps at most <c>max-handles</c> OS file handles open. Handles open lazily when a file's actor asks
/// for one and are lent for the length of an operation; given back, they stay open in most-recently-used
/// order. When a handle is needed and the cap is reached, the least recently used idle handle is closed;
/// when every handle is lent, the request waits for one to come back. A handle reopened for a file is
/// checked to name the same device and inode as the descriptor: a replaced file is refused.
/// </summary>
internal sealed class FileHandleCacheActor : StatefulCacheActor
{
    private sealed class Entry(VaultFile file, SafeFileHandle handle)
    {
        public VaultFile File { get; } = file;
        public SafeFileHandle Handle { get; } = handle;
        public int Lent;
        public bool Forgotten;
        public LinkedListNode<Entry>? IdleNode;
    }

    private readonly int _maxHandles;
    private readonly VaultMetrics _metrics;
    private readonly Dictionary<VaultFile, Entry> _open = new(ReferenceEqualityComparer.Instance);
    private readonly LinkedList<Entry> _idle = new(); // first = most recently used
    private Queue<(VaultFile File, IActorRef Requester)> _waiting = new();

    public FileHandleCacheActor(int maxHandles, VaultMetrics metrics)
    {
        _maxHandles = maxHandles;
        _metrics = metrics;
        Receive<AcquireHandle>(m =>
        {
            var requester = Sender;
            try
            {
                Acquire(m.File, requester);
            }
            catch (Exception e) when (e is not VaultException)
            {
                requester.Tell(new HandleDenied(m.File, VaultErrors.FromIo(e, m.File.Path)));
            }
        });
        Receive<ReleaseHandle>(m => Release(m.File));
        Receive<ForgetFile>(m => Forget(m.File));
    }

    public static Props Props(int maxHandles, VaultMetrics metrics) => Akka.Actor.Props.Create(() => new FileHandleCacheActor(maxHandles, metrics));

    private void Acquire(VaultFile file, IActorRef requester)
    {
        if (_open.TryGetValue(file, out var entry))
        {
            Lend(entry, requester);
            return;
        }
        if (_open.Count >= _maxHandles && !CloseLeastRecentlyUsed())
        {
            _metrics.HandleWaits.Increment();
            _waiting.Enqueue((file, requester));
            return;
        }
        if (TryOpen(file, out var handle, out var error, out string? changed))
        {
            entry = new Entry(file, handle!);
            _open.Add(file, entry);
            Lend(entry, requester);
        }
        else
        {
            requester.Tell(new HandleDenied(file, error!, changed));
        }
    }

    private void Lend(Entry entry, IActorRef requester)
    {
        if (entry.IdleNode is not null)
        {
            _idle.Remove(entry.IdleNode);
            entry.IdleNode = null;
        }
        entry.Lent++;
        requester.Tell(new HandleGranted(entry.File, entry.Handle));
    }

    private void Release(VaultFile file)
    {
        if (!_open.TryGetValue(file, out var entry) || entry.Lent == 0) return;
        if (--entry.Lent > 0) return;
        if (entry.Forgotten)
        {
            Close(entry);
        }
        else
        {
            entry.IdleNode = _idle.AddFirst(entry);
        }
        ServeWaiting();
    }

    private void Forget(VaultFile file)
    {
        if (!_open.TryGetValue(file, out var entry))
        {
            // The closed file's actor is stopping: a handle opened for its wait would be opened for no one.
            if (_waiting.Any(w => ReferenceEquals(w.File, file)))
                _waiting = new Queue<(VaultFile, IActorRef)>(_waiting.Where(w => !ReferenceEquals(w.File, file)));
            return;
        }
        entry.Forgotten = true;
        if (entry.Lent == 0)
        {
            Close(entry);
            ServeWaiting();
        }
    }

    private void ServeWaiting()
    {
        while (_waiting.Count > 0 && (_open.Count < _maxHandles || _idle.Count > 0))
        {
            var (file, requester) = _waiting.Dequeue();
            Acquire(file, requester);
        }
    }

    private bool CloseLeastRecentlyUsed()
    {
        var last = _idle.Last;
        if (last is null) return false;
        Close(last.Value);
        return true;
    }

    private void Close(Entry entry)
    {
        if (entry.IdleNode is not null)
        {
            _idle.Remove(entry.IdleNode);
            entry.IdleNode = null;
        }
        _open.Remove(entry.File);
        entry.Handle.Dispose();
        _metrics.HandlesOpen.Add(-1);
        _metrics.HandlesClosed.Increment();
    }

    private bool TryOpen(VaultFile file, out SafeFileHandle? handle, out VaultException? error, out string? changed)
    {
        handle = null;
        changed = null;
        try
        {
            var access = file.IsWritable ? FileAccess.ReadWrite : FileAccess.Read;
            handle = File.OpenHandle(file.Path, FileMode.Open, access, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e)
        {
            // The descriptor was checked when the file was opened; a path that fails now was removed or replaced.
            if (e is FileNotFoundException or DirectoryNotFoundException) changed = $"'{file.Path}' was removed after it was opened";
            error = changed is not null ? VaultErrors.Changed(file.Path, changed, e) : VaultErrors.FromIo(e, file.Path);
            Log.Warning("Cannot reopen {0}: {1}", file.Path, e.Message);
            return false;
        }
        _metrics.HandlesOpen.Add(1);
        _metrics.HandlesOpened.Increment();
        if (!FileStatus.TryOfHandle(handle, out var status, out int errno) || status.Identity != file.Identity)
        {
            handle.Dispose();
            handle = null;
            _metrics.HandlesOpen.Add(-1);
            _metrics.HandlesClosed.Increment();
            if (errno == 0) changed = $"'{file.Path}' was replaced by another file ({status.Identity}, was {file.Identity})";
            error = changed is not null ? VaultErrors.Changed(file.Path, changed) : VaultErrors.FromErrno(errno, "read the status of", file.Path);
            return false;
        }
        error = null;
        return true;
    }

    protected override void PostStop()
    {
        foreach (var entry in _open.Values.ToList()) Close(entry);
        foreach (var (file, requester) in _waiting)
            requester.Tell(new HandleDenied(file, VaultErrors.Stopped()));
        _waiting.Clear();
    }
}
