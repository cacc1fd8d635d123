using System.Buffers;
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using LumieraVault.Files;
using LumieraVault.Frames;
using LumieraVault.Hosting;
using LumieraVault.Native;
using LumieraVault.Prefetching;
using Microsoft.Win32.SafeHandles;
using static LumieraVault.Files.HandleCacheProtocol;
using static LumieraVault.Mapping.FileMapProtocol;
using static LumieraVault.Mapping.MapCacheProtocol;

namespace LumieraVault.Mapping;

/// <summary>
/// One per open file: maps the file's page-aligned windows and serves the frame requests that missed the
/// fast path. A miss reserves room in the budget (from the map cache when it is tight), borrows the OS
/// handle from the handle cache, checks the file's size and identity, reserves disk space for writable
/// regions, maps the window and answers every request waiting for it. Requests for the same window are
/// merged. Buffered files are read with pread instead.
/// </summary>
internal sealed class FileMapActor : ReceiveActor, IWithTimers
{
    private sealed class Pending(long mapOffset, long mapLength)
    {
        public readonly List<FrameRequest> Requests = new();
        public long MapOffset = mapOffset;
        public long MapLength = mapLength;
        public bool RoomReserved;
    }

    /// <summary>The deadline of a request merged into a slot that waits for room, earlier than the one the wait ends at.</summary>
    private sealed record MergedDeadline(WindowSlot Slot, FrameRequest Request) : ILocalMessage;

    /// <summary>Work that needs the OS handle; run when the handle cache lends it.</summary>
    private readonly record struct HandleJob(Action<SafeFileHandle> Run, Action<VaultException> Fail);

    private readonly VaultFile _file;
    private readonly IActorRef _handles;
    private readonly IActorRef _maps;
    private readonly VaultSettings _settings;
    private readonly AddressSpace _space;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<WindowSlot, Pending> _pending = new();
    private List<HandleJob> _jobs = new();
    private bool _handleRequested;
    private bool _checking;
    private bool _closing;

    private readonly ChangeWatcher? _watcher;
    private bool _watched;

    public FileMapActor(VaultFile file, IActorRef handles, IActorRef maps, VaultSettings settings, ChangeWatcher? watcher)
    {
        _watcher = watcher;
        _file = file;
        _handles = handles;
        _maps = maps;
        _settings = settings;
        _space = file.Cache;
        Receive<FrameRequest>(OnRequest);
        Receive<RoomGranted>(OnRoomGranted);
        Receive<RoomDenied>(OnRoomDenied);
        Receive<MergedDeadline>(OnMergedDeadline);
        Receive<HandleGranted>(m => RunJobs(m.Handle));
        Receive<HandleDenied>(OnHandleDenied);
        Receive<Flush>(m => Enqueue(h => { FlushCore(h); m.Reply.TrySetResult(true); }, e => m.Reply.TrySetException(e)));
        Receive<Close>(OnClose);
        Receive<CheckForChange>(_ => CheckFile());
        Receive<Advise>(OnAdvise);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(VaultFile file, IActorRef handles, IActorRef maps, VaultSettings settings, ChangeWatcher? watcher)
        => Akka.Actor.Props.Create(() => new FileMapActor(file, handles, maps, settings, watcher));

    private void OnRequest(FrameRequest r)
    {
        if (_closing)
        {
            Fail(r, VaultErrors.Closed(_file.Path));
            return;
        }
        if (_file.ChangedReason is { } why)
        {
            Fail(r, Changed(why));
            return;
        }
        if (r.Access == FrameAccess.ReadWrite && !_file.IsWritable)
        {
            Fail(r, ReadOnly());
            return;
        }
        long end = r.Offset + r.Length;
        if (end > _file.Size && (!_file.IsWritable || r.Access == FrameAccess.ReadOnly))
        {
            RefreshFromPath();
            if (_file.ChangedReason is { } changed)
            {
                Fail(r, Changed(changed));
                return;
            }
            if (end > _file.Size)
            {
                Fail(r, OutOfRange(r.Offset, r.Length));
                return;
            }
        }
        if (_file.Strategy == ReadStrategy.Buffered)
        {
            if (r.Access == FrameAccess.ReadWrite)
            {
                Fail(r, new VaultException(VaultError.InvalidArgument, $"'{_file.Path}' is read with the buffered strategy; readwrite frames need the mapped strategy.") { Path = _file.Path });
                return;
            }
            Enqueue(h => ReadBuffered(h, r), e => Fail(r, e));
            return;
        }

        var (slot, start, nominalEnd) = _file.Plan(r.Offset, r.Length);
        var windows = slot.Dedicated ? _file.OwnWindows : _file.GridWindows;
        if (windows.TryGetValue(slot.Index, out var window) && !window.RetireRequested && !window.IsRetired)
        {
            if (window.Covers(r.Offset, r.Length) && Serve(window, r)) return;
            if (end <= window.MapEnd && r.Offset >= window.MapOffset)
            {
                if (_file.IsWritable)
                {
                    Enqueue(h => Extend(h, window, r), e => Fail(r, e));
                    return;
                }
                // A read-only file grew (checked above) into the mapped pages past its old end.
                window.ValidEnd = Math.Min(_file.Size, window.MapEnd);
                if (window.Covers(r.Offset, r.Length) && Serve(window, r)) return;
            }
            // The window is too small for what the file holds now: map a larger one in its place.
            _maps.Tell(new RetireWindows([window]));
        }

        if (_pending.TryGetValue(slot, out var pending))
        {
            pending.Requests.Add(r);
            // The map cache ends the wait at the deadline of the request that asked for the room; an earlier one needs its own.
            if (!pending.RoomReserved && r.Deadline < pending.Requests[0].Deadline)
            {
                var delay = r.Deadline - Context.System.Scheduler.Now;
                Timers.StartSingleTimer(r.Reply, new MergedDeadline(slot, r), delay > TimeSpan.Zero ? delay : TimeSpan.Zero);
            }
            return;
        }
        long mapOffset = SystemLimits.AlignDown(start);
        long mapEnd = SystemLimits.AlignUp(nominalEnd);
        if (!_file.IsWritable) mapEnd = Math.Min(mapEnd, SystemLimits.AlignUp(_file.Size));
        long bytes = mapEnd - mapOffset;
        if (bytes > _space.Budget)
        {
            Fail(r, new VaultException(VaultError.BudgetExhausted,
                $"Budget exhausted: the frame at {r.Offset} (+{r.Length}) of '{_file.Path}' needs a {bytes}-byte window, more than the whole {_space.Budget}-byte map budget. Raise lumiera.vault.map-cache.budget.") { Path = _file.Path });
            return;
        }
        pending = new Pending(mapOffset, bytes);
        pending.Requests.Add(r);
        _pending[slot] = pending;
        if (!_space.HasWaiters && _space.TryReserve(bytes))
        {
            OnRoomGranted(new RoomGranted(slot, bytes));
        }
        else
        {
            _maps.Tell(new ReserveRoom(_file, slot, bytes, r.Deadline, r.Hints.Droppable, Self));
        }
    }

    private void OnRoomGranted(RoomGranted granted)
    {
        if (!_pending.TryGetValue(granted.Slot, out var pending))
        {
            _space.Return(granted.Bytes);
            return;
        }
        pending.RoomReserved = true;
        Enqueue(h => MapWindow(h, granted.Slot, pending), e =>
        {
            // MapWindow takes the group out of _pending first: answer the group itself, not whatever the slot holds now.
            ReleaseRoom(pending);
            if (_pending.TryGetValue(granted.Slot, out var current) && ReferenceEquals(current, pending)) _pending.Remove(granted.Slot);
            FailAll(pending.Requests, e);
        });
    }

    /// <summary>
    /// The wait for room ended at the deadline of the request that asked for it (the first of the slot's requests):
    /// requests merged with it that may wait longer ask again, with their own deadlines.
    /// </summary>
    private void OnRoomDenied(RoomDenied denied)
    {
        if (denied.Error.Error == VaultError.VaultStopped || !_pending.TryGetValue(denied.Slot, out var pending))
        {
            FailPending(denied.Slot, denied.Error);
            return;
        }
        _pending.Remove(denied.Slot);
        ReleaseRoom(pending);
        var asked = pending.Requests[0].Deadline;
        foreach (var r in pending.Requests)
        {
            if (r.Deadline > asked) Self.Tell(r);
            else Fail(r, denied.Error);
        }
    }

    private void OnMergedDeadline(MergedDeadline m)
    {
        if (!_pending.TryGetValue(m.Slot, out var pending) || pending.RoomReserved || !pending.Requests.Remove(m.Request)) return;
        Fail(m.Request, new VaultException(VaultError.BudgetExhausted,
            $"Budget exhausted: the frame at {m.Request.Offset} of '{_file.Path}' found no room in the {_space.Budget}-byte map budget before its deadline, " +
            "because every mapped window is pinned. Dispose frames sooner or raise lumiera.vault.map-cache.budget.") { Path = _file.Path });
    }

    private void MapWindow(SafeFileHandle handle, WindowSlot slot, Pending pending)
    {
        if (!_pending.Remove(slot)) return;
        if (!FileStatus.TryOfHandle(handle, out var status, out int errno))
        {
            ReleaseRoom(pending);
            FailAll(pending.Requests, VaultErrors.FromErrno(errno, "read the status of", _file.Path));
            return;
        }
        if (status.Size < _file.Size)
        {
            ReleaseRoom(pending);
            FileChanged($"'{_file.Path}' shrank from {_file.Size} to {status.Size} bytes while open");
            FailAll(pending.Requests, Changed(_file.ChangedReason!));
            return;
        }
        _file.SetSize(status.Size);
        _file.ModifiedTicks = status.ModifiedTicks;
        long mapEnd = pending.MapOffset + pending.MapLength;
        long validEnd;
        int fd = (int)handle.DangerousGetHandle();
        if (_file.IsWritable)
        {
            // Reserve the blocks of everything the window will serve, so a full disk is an error here
            // rather than SIGBUS on a write to a sparse page later.
            long needEnd = Math.Min(mapEnd, Math.Max(status.Size, pending.Requests.Max(q => q.Offset + q.Length)));
            int err = Libc.PosixFallocate(fd, pending.MapOffset, needEnd - pending.MapOffset);
            if (err != 0)
            {
                ReleaseRoom(pending);
                FailAll(pending.Requests, VaultErrors.FromErrno(err, "reserve space in", _file.Path));
                return;
            }
            validEnd = needEnd;
            _file.SetSize(Math.Max(status.Size, needEnd));
        }
        else
        {
            // The file may have grown or shrunk since the plan; map what it holds now, at most what was reserved.
            long fits = Math.Min(mapEnd, SystemLimits.AlignUp(status.Size));
            if (fits < mapEnd)
            {
                _space.Return(mapEnd - fits);
                pending.MapLength = fits - pending.MapOffset;
                mapEnd = fits;
            }
            validEnd = Math.Min(status.Size, mapEnd);
            if (pending.MapLength <= 0)
            {
                ReleaseRoom(pending);
                foreach (var r in pending.Requests) Fail(r, OutOfRange(r.Offset, r.Length));
                return;
            }
        }
        int prot = _file.IsWritable ? Libc.ProtRead | Libc.ProtWrite : Libc.ProtRead;
        nint address = Libc.Mmap(0, (nuint)pending.MapLength, prot, Libc.MapShared, fd, pending.MapOffset);
        if (address == Libc.MapFailed)
        {
            int e = Libc.LastError;
            ReleaseRoom(pending);
            FailAll(pending.Requests, VaultErrors.FromErrno(e, "map", _file.Path));
            return;
        }
        pending.RoomReserved = false; // the bytes belong to the window now; UnmapRetired gives them back
        var window = new Window(_file, slot, pending.MapOffset, pending.MapLength, address, validEnd, _file.IsWritable);
        if (_space.Guarded) SigbusGuard.Cover(address, window.MapLength);
        _space.Track(window);
        var metrics = _space.Metrics;
        metrics.MappedBytes.Add(window.MapLength);
        metrics.WindowsMapped.Add(1);
        metrics.WindowsMappedTotal.Increment();
        if (_space.IsStopped)
        {
            window.RequestRetire();
            if (window.TryRetire()) FileMapCacheActor.UnmapRetired(window, _space);
            FailAll(pending.Requests, VaultErrors.Stopped());
            return;
        }
        (slot.Dedicated ? _file.OwnWindows : _file.GridWindows)[slot.Index] = window;
        _maps.Tell(new WindowMapped(window));
        if (_space.IsStopped) _space.Stop(); // the cache stopped between the check above and now: sweep again
        StartChecking();
        foreach (var r in pending.Requests)
        {
            if (window.Covers(r.Offset, r.Length))
            {
                if (!Serve(window, r)) Self.Tell(r);
            }
            else if (r.Offset + r.Length > window.MapEnd || r.Offset < window.MapOffset)
            {
                Self.Tell(r); // merged with a smaller request for the same slot: it needs a larger window
            }
            else
            {
                Fail(r, OutOfRange(r.Offset, r.Length));
            }
        }
    }

    /// <summary>A writable file's frame lies in a mapped window past the end reserved so far: reserve up to it.</summary>
    private void Extend(SafeFileHandle handle, Window window, FrameRequest r)
    {
        long end = r.Offset + r.Length;
        long from = window.ValidEnd;
        if (end > from)
        {
            int err = Libc.PosixFallocate((int)handle.DangerousGetHandle(), from, end - from);
            if (err != 0)
            {
                Fail(r, VaultErrors.FromErrno(err, "reserve space in", _file.Path));
                return;
            }
            window.ValidEnd = end;
            if (end > _file.Size) _file.SetSize(end);
        }
        if (!Serve(window, r)) Self.Tell(r);
    }

    private void ReadBuffered(SafeFileHandle handle, FrameRequest r)
    {
        if (r.Length > Array.MaxLength)
        {
            Fail(r, new VaultException(VaultError.InvalidArgument,
                $"A buffered frame is copied into an array, which holds at most {Array.MaxLength} bytes (asked for {r.Length}); read it mapped or in parts.") { Path = _file.Path });
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(r.Length);
        int read;
        try
        {
            read = RandomAccess.Read(handle, buffer.AsSpan(0, r.Length), r.Offset);
        }
        catch (Exception e)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Fail(r, VaultErrors.FromIo(e, _file.Path));
            return;
        }
        if (read < r.Length)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            long before = _file.Size;
            RefreshFromPath();
            if (_file.ChangedReason is null && _file.Size < before)
                FileChanged($"'{_file.Path}' shrank from {before} to {_file.Size} bytes while open");
            Fail(r, _file.ChangedReason is { } why ? Changed(why) : OutOfRange(r.Offset, r.Length));
            return;
        }
        _space.Metrics.BufferedReads.Increment();
        var lease = FrameLease.Rent();
        lease.File = _file;
        lease.Window = null;
        lease.Buffer = buffer;
        lease.Address = 0;
        lease.Offset = r.Offset;
        lease.Length = r.Length;
        lease.Access = FrameAccess.ReadOnly;
        Reply(r, lease);
    }

    /// <summary>Pins the window for the request and answers it. False if the window was retired meanwhile.</summary>
    private bool Serve(Window window, FrameRequest r)
    {
        if (!window.TryPin()) return false;
        if (r.Access == FrameAccess.ReadWrite && !_file.Writers.TryAdd(r.Offset, 0))
        {
            window.Unpin();
            Fail(r, new VaultException(VaultError.WriterConflict,
                $"The frame at {r.Offset} of '{_file.Path}' already has a writer; dispose that readwrite frame first.") { Path = _file.Path });
            return true;
        }
        var lease = FrameLease.Rent();
        lease.File = _file;
        lease.Window = window;
        lease.Buffer = null;
        lease.Address = window.Address + (nint)(r.Offset - window.MapOffset);
        lease.Offset = r.Offset;
        lease.Length = r.Length;
        lease.Access = r.Access;
        Reply(r, lease);
        return true;
    }

    private void Reply(FrameRequest r, FrameLease lease)
    {
        // Recorded before the answer, so a statistics request the caller makes after it sees this miss.
        if (!r.Ahead)
        {
            double us = Stopwatch.GetElapsedTime(r.StartedAt).TotalMicroseconds;
            _space.Metrics.MissLatency.Record(us);
            _space.Metrics.MissSamples.Add(us);
        }
        var frame = new Frame(lease);
        if (!r.Reply.TrySetResult(frame)) frame.Dispose(); // the requester is gone (vault stopping): give the pin back
    }

    private void Fail(FrameRequest r, VaultException error)
    {
        if (r.Hints.Droppable && error.Error == VaultError.BudgetExhausted)
            error = new FrameDroppedException(error.Message);
        else if (!r.Hints.Droppable && error is FrameDroppedException dropped)
            error = new VaultException(VaultError.BudgetExhausted, "Budget exhausted: " + dropped.Reason) { Path = _file.Path };
        if (r.Reply.Task.IsCompleted) return; // answered already (a failure after a partial serve): counted once
        if (r.Ahead)
        {
            r.Reply.TrySetException(error);
            return;
        }
        if (error.Error == VaultError.Dropped) _space.Metrics.Dropped.Increment();
        else _space.Metrics.Failures.Increment();
        r.Reply.TrySetException(error);
    }

    private void FailAll(IEnumerable<FrameRequest> requests, VaultException error)
    {
        foreach (var r in requests) Fail(r, error);
    }

    private void FailPending(WindowSlot slot, VaultException error)
    {
        if (!_pending.Remove(slot, out var pending)) return;
        ReleaseRoom(pending);
        FailAll(pending.Requests, error);
    }

    private void ReleaseRoom(Pending pending)
    {
        if (!pending.RoomReserved) return;
        pending.RoomReserved = false;
        _space.Return(pending.MapLength);
    }

    private void Enqueue(Action<SafeFileHandle> run, Action<VaultException> fail)
    {
        _jobs.Add(new HandleJob(run, fail));
        if (_handleRequested) return;
        _handleRequested = true;
        _handles.Tell(new AcquireHandle(_file));
    }

    private void RunJobs(SafeFileHandle handle)
    {
        _handleRequested = false;
        var jobs = _jobs;
        _jobs = new List<HandleJob>();
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            foreach (var job in jobs)
            {
                try
                {
                    job.Run(handle);
                }
                catch (Exception e)
                {
                    _log.Error(e, "Unexpected failure serving {0}", _file.Path);
                    job.Fail(VaultErrors.FromIo(e, _file.Path));
                }
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
            _handles.Tell(new ReleaseHandle(_file));
        }
        if (_jobs.Count > 0 && !_handleRequested)
        {
            _handleRequested = true;
            _handles.Tell(new AcquireHandle(_file));
        }
    }

    private void OnHandleDenied(HandleDenied denied)
    {
        _handleRequested = false;
        if (denied.ChangedReason is { } why) FileChanged(why);
        var error = denied.Error;
        var jobs = _jobs;
        _jobs = new List<HandleJob>();
        foreach (var job in jobs) job.Fail(error);
    }

    private void FlushCore(SafeFileHandle handle)
    {
        if (!_file.IsWritable) return;
        foreach (var w in _file.AllWindows())
        {
            if (!w.TryPin()) continue;
            try
            {
                if (Libc.Msync(w.Address, (nuint)w.MapLength, Libc.MsSync) != 0)
                    throw VaultErrors.FromErrno(Libc.LastError, "flush", _file.Path);
            }
            finally
            {
                w.Unpin();
            }
        }
        RandomAccess.FlushToDisk(handle);
    }

    private void OnClose(Close close)
    {
        _closing = true;
        void Finish(VaultException? error)
        {
            var windows = _file.AllWindows().ToList();
            // At once, before the close is answered: the fast path must not serve a closed file while the map cache catches up.
            foreach (var w in windows) w.RequestRetire();
            if (windows.Count > 0) _maps.Tell(new RetireWindows(windows));
            foreach (var slot in _pending.Keys.ToList()) FailPending(slot, VaultErrors.Closed(_file.Path));
            _handles.Tell(new ForgetFile(_file));
            if (error is null) close.Reply.TrySetResult(true);
            else close.Reply.TrySetException(error);
            Context.Stop(Self);
        }
        if (_file.IsWritable && _file.ChangedReason is null)
            Enqueue(h => { FlushCore(h); Finish(null); }, Finish);
        else
            Finish(null);
    }

    /// <summary>
    /// The prefetcher's advice. Frames in mapped windows are advised at once; the windows of the others are mapped first, within
    /// the budget and without waiting for room (a request of the file's own, merged with real ones), and advised when mapped.
    /// Reading ahead blocks, so it runs off this actor (on the read-ahead thread); a buffered file has only the page cache to warm or drop.
    /// </summary>
    private void OnAdvise(Advise m)
    {
        if (_closing || _file.ChangedReason is not null)
        {
            Unmark(m);
            return;
        }
        if (_file.Strategy == ReadStrategy.Buffered || !m.WillNeed && m.DropPageCache)
        {
            if (m.WillNeed || m.DropPageCache)
                Enqueue(h => Advice.Fadvise(h, m.Frames, m.WillNeed ? Libc.PosixFadvWillNeed : Libc.PosixFadvDontNeed), _ => { });
            if (_file.Strategy == ReadStrategy.Buffered)
            {
                // Only the page cache to warm, and no telling when it is: a buffered frame counts as not read ahead.
                Unmark(m);
                return;
            }
        }
        List<(Window, FrameSpan, ReadAheadMark?)>? mapped = null;
        // Touching pages is safe only where a page a truncation takes away reads as zeros instead of killing the process.
        bool touch = m.TouchPages && _space.Guarded;
        for (int i = 0; i < m.Frames.Count; i++)
        {
            var span = m.Frames[i];
            var mark = m.Marks is { } marks && i < marks.Count ? marks[i] : null;
            if (span.Offset < 0 || span.Length <= 0 || span.Offset > _file.Size - span.Length) mark?.Done(false);
            else if (_file.TryPinWindow(span.Offset, span.Length, out var window)) (mapped ??= new()).Add((window!, span, mark));
            else if (m.WillNeed) OnRequest(Advice.AheadRequest(_file, span, Context.System.Scheduler.Now, m.Stale, mark, touch));
            else mark?.Done(false);
        }
        if (mapped is not null) Advice.Start(mapped, m.WillNeed, m.Stale, touch);
    }

    /// <summary>The marks of advised frames, done without a read.</summary>
    private static void Unmark(Advise m)
    {
        if (m.Marks is not { } marks) return;
        foreach (var mark in marks) mark.Done(false);
    }

    private void StartChecking()
    {
        if (!_watched && _watcher is not null)
        {
            // Only files with mapped windows need it: a buffered read finds a truncation by itself.
            _watched = true;
            if (!_watcher.Watch(_file.Path, Self, out string? why))
                _log.Warning("Cannot watch {0} for changes ({1}); it is checked every {2} only", _file.Path, why, _settings.ChangeCheckInterval);
        }
        if (_checking || _settings.ChangeCheckInterval <= TimeSpan.Zero) return;
        _checking = true;
        Timers.StartPeriodicTimer("check", CheckForChange.Instance, _settings.ChangeCheckInterval);
    }

    private void CheckFile()
    {
        if (_file.GridWindows.IsEmpty && _file.OwnWindows.IsEmpty)
        {
            if (_checking) Timers.Cancel("check");
            _checking = false;
            return;
        }
        RefreshFromPath();
    }

    /// <summary>Looks at the path: a different file there, or fewer bytes than before, means the file changed.</summary>
    private void RefreshFromPath()
    {
        if (_file.ChangedReason is not null) return;
        if (!FileStatus.TryOfPath(_file.Path, out var status, out int errno))
        {
            if (errno == Libc.ENOENT) FileChanged($"'{_file.Path}' was removed while open");
            return;
        }
        if (status.Identity != _file.Identity)
        {
            FileChanged($"'{_file.Path}' was replaced by another file ({status.Identity}, was {_file.Identity})");
            return;
        }
        if (status.Size < _file.Size)
        {
            FileChanged($"'{_file.Path}' shrank from {_file.Size} to {status.Size} bytes while open");
            return;
        }
        _file.SetSize(status.Size);
        _file.ModifiedTicks = status.ModifiedTicks;
    }

    /// <summary>Marks the file changed and retires its windows: no frame of it is served again.</summary>
    private void FileChanged(string reason)
    {
        if (_file.ChangedReason is not null) return;
        _file.MarkChanged(reason);
        _log.Warning("File changed: {0}; its windows are retired", reason);
        var windows = _file.AllWindows().ToList();
        foreach (var w in windows) w.RequestRetire(); // at once, before the map cache hears of it
        if (windows.Count > 0) _maps.Tell(new RetireWindows(windows));
        foreach (var slot in _pending.Keys.ToList()) FailPending(slot, Changed(reason));
    }

    private VaultException Changed(string why) => VaultErrors.Changed(_file.Path, why);

    private VaultException ReadOnly() => VaultErrors.ReadOnly(_file.Path);

    private VaultException OutOfRange(long offset, int length) => new(VaultError.OutOfRange,
        $"Out of range: the frame at {offset} (+{length} bytes) lies past the end of '{_file.Path}' ({_file.Size} bytes).") { Path = _file.Path };

    /// <summary>A bug must not leave a caller waiting: the message being handled is answered before the restart.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        var error = new VaultException(VaultError.IoError, $"Internal failure while serving '{_file.Path}': {reason.Message}", reason) { Path = _file.Path };
        switch (message)
        {
            case FrameRequest r: Fail(r, error); break;
            case Flush f: f.Reply.TrySetException(error); break;
            case Close c: c.Reply.TrySetException(error); break;
        }
        base.PreRestart(reason, message);
    }

    protected override void PostStop()
    {
        if (_watched) _watcher?.Unwatch(Self);
        _watched = false;
        foreach (var slot in _pending.Keys.ToList()) FailPending(slot, _closing ? VaultErrors.Closed(_file.Path) : VaultErrors.Stopped());
        foreach (var job in _jobs) job.Fail(_closing ? VaultErrors.Closed(_file.Path) : VaultErrors.Stopped());
        _jobs.Clear();
        // A closed file's windows were handed to the map cache already. But at shutdown the map cache may stop before
        // it hears of the windows mapped last (WindowMapped becomes a dead letter) and would never unmap them: retire
        // them here too. Whoever retires a window first unmaps it; a pinned one goes when its last pin is returned.
        if (_closing) return;
        foreach (var w in _file.AllWindows().ToList())
        {
            w.RequestRetire();
            _file.Forget(w);
            if (w.TryRetire()) FileMapCacheActor.UnmapRetired(w, _space);
        }
    }
}
