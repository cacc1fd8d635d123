using Akka.Actor;
using Akka.Event;
using LumieraVault.Files;
using LumieraVault.Hosting;
using LumieraVault.Mapping;
using LumieraVault.Statistics;
using static LumieraVault.VaultProtocol;

namespace LumieraVault;

/// <summary>
/// The vault's guardian: owns the registry of open files (one descriptor per device, inode and
/// writability), the handle cache, the map cache and one FileMap actor per open file.
/// </summary>
internal sealed class VaultActor : ReceiveActor
{
    private readonly VaultSettings _settings;
    private readonly AddressSpace _space;
    private readonly IActorRef _handles;
    private readonly IActorRef _maps;
    private readonly Dictionary<(Native.FileIdentity, bool), VaultFile> _files = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _nextChild;

    private readonly ChangeWatcher? _watcher;

    public VaultActor(VaultSettings settings, AddressSpace space, ChangeWatcher? watcher)
    {
        _watcher = watcher;
        _settings = settings;
        _space = space;
        _handles = Context.ActorOf(FileHandleCacheActor.Props(settings.MaxHandles, space.Metrics), "handles");
        _maps = Context.ActorOf(FileMapCacheActor.Props(space), "maps");
        space.CacheActor = _maps;
        Context.ActorOf(Akka.Actor.Props.Create(() => new DeadLetterAnswerer(space, _handles)), "dead-letters");
        Receive<Register>(OnRegister);
        Receive<CloseFile>(OnClose);
        Receive<GetStatistics>(m => m.Reply.TrySetResult(Snapshot()));
        Receive<CheckAllFiles>(_ =>
        {
            foreach (var f in _files.Values) f.FileMap.Tell(FileMapProtocol.CheckForChange.Instance);
        });
    }

    public static Props Props(VaultSettings settings, AddressSpace space, ChangeWatcher? watcher)
        => Akka.Actor.Props.Create(() => new VaultActor(settings, space, watcher));

    private void OnRegister(Register m)
    {
        if (m.Mode == FileOpenMode.Recreate)
        {
            if (!TryEmpty(m, out var emptied)) return;
            m = m with { Status = emptied };
        }
        var key = (m.Status.Identity, m.Mode.IsWritable());
        if (_files.TryGetValue(key, out var existing))
        {
            if (existing.Layout != m.Layout)
            {
                m.Reply.TrySetException(new VaultException(VaultError.InvalidArgument,
                    $"'{m.Path}' is already open as '{existing.Path}' with another frame layout; close it first or open it with the same layout.") { Path = m.Path });
                return;
            }
            existing.AddOpener();
            m.Reply.TrySetResult(existing);
            return;
        }
        var file = new VaultFile(m.Path, m.Mode, m.Layout, m.Use, m.Strategy, m.Status, _settings.WindowSize, _space);
        file.AddOpener();
        file.FileMap = Context.ActorOf(FileMapActor.Props(file, _handles, _maps, _settings, _watcher), $"file-{++_nextChild}");
        _files[key] = file;
        _space.Metrics.FilesOpen.Add(1);
        _log.Debug("Opened {0}", file);
        m.Reply.TrySetResult(file);
    }

    /// <summary>Empties the file of a Recreate, unless a descriptor of it is open (its windows would lose their pages).</summary>
    private bool TryEmpty(Register m, out Native.FileStatus emptied)
    {
        emptied = m.Status;
        if (_files.ContainsKey((m.Status.Identity, true)) || _files.ContainsKey((m.Status.Identity, false)))
        {
            m.Reply.TrySetException(new VaultException(VaultError.FileInUse,
                $"'{m.Path}' is open in the vault; close every opening of it before recreating (emptying) it.") { Path = m.Path });
            return false;
        }
        if (_space.IsPinned(m.Status.Identity))
        {
            // Closing a file leaves the windows of frames not yet disposed mapped until they are.
            m.Reply.TrySetException(new VaultException(VaultError.FileInUse,
                $"'{m.Path}' was closed, but frames of it are still held; dispose them before recreating (emptying) it.") { Path = m.Path });
            return false;
        }
        try
        {
            using var handle = File.OpenHandle(m.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            if (!Native.FileStatus.TryOfHandle(handle, out var status, out int errno))
                throw VaultErrors.FromErrno(errno, "read the status of", m.Path);
            if (status.Identity != m.Status.Identity)
                throw VaultErrors.Changed(m.Path, $"'{m.Path}' was replaced while it was being opened");
            RandomAccess.SetLength(handle, 0);
            emptied = status with { Size = 0 };
            return true;
        }
        catch (Exception e)
        {
            m.Reply.TrySetException(VaultErrors.FromIo(e, m.Path));
            return false;
        }
    }

    private void OnClose(CloseFile m)
    {
        var key = (m.File.Identity, m.File.IsWritable);
        if (!_files.TryGetValue(key, out var file) || !ReferenceEquals(file, m.File))
        {
            m.Reply.TrySetResult(true); // closed already
            return;
        }
        if (file.RemoveOpener() > 0)
        {
            m.Reply.TrySetResult(true);
            return;
        }
        _files.Remove(key);
        file.MarkClosed();
        _space.Metrics.FilesOpen.Add(-1);
        file.FileMap.Tell(new FileMapProtocol.Close(m.Reply));
    }

    private VaultStatistics Snapshot()
    {
        var x = _space.Metrics;
        var p = x.MissSamples.Percentiles(50, 99);
        var files = _files.Values.Select(f =>
        {
            var windows = f.AllWindows().Where(w => !w.IsRetired).ToList();
            return new FileStatistics(f.Path, f.Use.ToString(), f.Size, windows.Count, windows.Sum(w => w.MapLength), windows.Sum(w => w.Pins));
        }).ToList();
        return new VaultStatistics
        {
            Vault = Context.System.Name,
            FilesOpen = _files.Count,
            HandlesOpen = x.HandlesOpen.Value,
            HandleCap = _settings.MaxHandles,
            HandlesPeak = x.HandlesOpen.Peak,
            HandlesOpened = x.HandlesOpened.Value,
            HandlesClosed = x.HandlesClosed.Value,
            HandleWaits = x.HandleWaits.Value,
            WindowsMapped = x.WindowsMapped.Value,
            WindowsPeak = x.WindowsMapped.Peak,
            WindowsMappedTotal = x.WindowsMappedTotal.Value,
            WindowsUnmapped = x.WindowsUnmapped.Value,
            MappedBytes = x.MappedBytes.Value,
            MappedBytesPeak = x.MappedBytes.Peak,
            MapBudget = _space.Budget,
            FrameRequests = x.FrameRequests.Value,
            FastPathHits = x.FastPathHits.Value,
            Misses = x.Misses.Value,
            Failures = x.Failures.Value,
            Dropped = x.Dropped.Value,
            BudgetWaits = x.BudgetWaits.Value,
            BufferedReads = x.BufferedReads.Value,
            MissMedianMicroseconds = p[0],
            MissP99Microseconds = p[1],
            GuardedFaults = Native.SigbusGuard.Faults,
            Files = files,
        };
    }

    protected override void PostStop()
    {
        // Here rather than at termination: the inotify descriptor is closed before the system reports it terminated.
        _watcher?.Dispose();
        foreach (var f in _files.Values) f.MarkClosed();
        _files.Clear();
    }
}

/// <summary>
/// Answers the requests that reached a stopped actor, so that no caller waits forever: messages left in a
/// mailbox when an actor stops become dead letters.
/// </summary>
internal sealed class DeadLetterAnswerer : ReceiveActor
{
    public DeadLetterAnswerer(AddressSpace space, IActorRef handles)
    {
        Receive<AllDeadLetters>(d =>
        {
            switch (d.Message)
            {
                // A file's actor that stopped (closed) before the map cache or the handle cache answered it:
                // what was reserved or lent for it must go back, or it is lost for the life of the vault.
                case MapCacheProtocol.RoomGranted g:
                    space.Return(g.Bytes);
                    break;
                case HandleCacheProtocol.HandleGranted h:
                    handles.Tell(new HandleCacheProtocol.ReleaseHandle(h.File));
                    break;
                default:
                    Answer(d.Message);
                    break;
            }
        });
    }

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(AllDeadLetters));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    internal static void Answer(object message)
    {
        switch (message)
        {
            case FileMapProtocol.FrameRequest r:
                // The file's actor stopped: because the file was closed under the request, or because the vault stopped.
                r.Reply.TrySetException(r.File.IsClosed && !r.File.Cache.IsStopped ? VaultErrors.Closed(r.File.Path) : VaultErrors.Stopped());
                break;
            case FileMapProtocol.Flush f:
                f.Reply.TrySetException(VaultErrors.Stopped());
                break;
            case FileMapProtocol.Close c:
                c.Reply.TrySetResult(true);
                break;
            case Register reg:
                reg.Reply.TrySetException(VaultErrors.Stopped());
                break;
            case CloseFile cf:
                cf.Reply.TrySetResult(true);
                break;
            case GetStatistics s:
                s.Reply.TrySetException(VaultErrors.Stopped());
                break;
        }
    }
}
