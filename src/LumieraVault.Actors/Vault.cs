using System.Diagnostics;
using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Event;
using LumieraVault.Files;
using LumieraVault.Frames;
using LumieraVault.Hosting;
using LumieraVault.Mapping;
using LumieraVault.Native;
using LumieraVault.Statistics;

namespace LumieraVault;

/// <summary>
/// The client facade of the vault: open files, then ask only for frames. Thread-safe. A frame whose
/// window is already mapped is served on the caller's thread, lock-free and without allocation; every
/// other request becomes a message to the file's actor, carrying its hints, and completes later. Every
/// request gets exactly one answer: the frame, a <see cref="VaultException"/> naming what went wrong, or
/// a <see cref="FrameDroppedException"/> saying why it was dropped.
/// Get it with <see cref="Get(ActorSystem)"/> (one vault per actor system) or from DI when hosted.
/// </summary>
public sealed class Vault : IExtension
{
    private readonly ActorSystem _system;
    private readonly AddressSpace _space;
    private readonly Unanswered<object> _unanswered = new(FailStopped);
    private readonly ChangeWatcher? _watcher;
    private volatile bool _stopped;

    internal Vault(ExtendedActorSystem system)
    {
        _system = system;
        Settings = VaultSettings.From(system.Settings.Config);
        Metrics = new VaultMetrics(system.Name);
        _space = new AddressSpace(Settings.MapBudget, Metrics);
        FrameLease.PoolCapacity = Settings.LeasesPerThread;
        if (Settings.WatchChanges)
        {
            _watcher = ChangeWatcher.TryCreate(out string? why);
            if (_watcher is null) system.Log.Warning("LumieraVault: no inotify ({0}); files are checked for change periodically only", why);
        }
        if (Settings.SigbusGuard)
        {
            if (SigbusGuard.TryInstall(out string? why))
            {
                _space.Guarded = true;
                SigbusGuard.Faulted += OnGuardedFault;
            }
            else
            {
                system.Log.Warning("LumieraVault: no SIGBUS guard ({0}); use the buffered strategy for files other programs may truncate", why);
            }
        }
        Guardian = system.ActorOf(VaultActor.Props(Settings, _space, _watcher), "lumiera-vault");
        system.WhenTerminated.ContinueWith(_ => OnTerminated(), TaskScheduler.Default);
    }

    /// <summary>The vault of <paramref name="system"/>, created with the system's configuration on first use.</summary>
    public static Vault Get(ActorSystem system) => system.WithExtension<Vault, VaultExtensionId>();

    /// <summary>The settings in force.</summary>
    public VaultSettings Settings { get; }

    /// <summary>The statistics instruments (meter <c>LumieraVault</c>).</summary>
    public VaultMetrics Metrics { get; }

    /// <summary>The guardian actor (registered in the ActorRegistry as <see cref="VaultGuardian"/> when hosted).</summary>
    public IActorRef Guardian { get; }

    /// <summary>Where files this machine does not hold are opened: set by LumieraVault.Cluster on a cluster node.</summary>
    internal IRemoteFiles? RemoteFiles { get; set; }

    /// <summary>Bytes of address space mapped now.</summary>
    public long MappedBytes => Metrics.MappedBytes.Value;

    /// <summary>
    /// Opens <paramref name="path"/> through the vault. Reading checks that the file exists and is readable;
    /// writing, that it can be written (<see cref="FileOpenMode.Create"/> makes missing folders). The OS
    /// handle is opened only when data is needed. The same file opened twice (by any hard link) gives the
    /// same descriptor; close it as often as it was opened. On a cluster node (LumieraVault.Cluster) a media file to be
    /// read that this machine does not hold, below the media root, is opened on the node that holds it
    /// (<see cref="VaultFile.IsRemote"/>): its frames come as copies, through the same calls.
    /// </summary>
    public Task<VaultFile> OpenAsync(string path, FileOpenMode mode = FileOpenMode.Read, FrameLayout? layout = null,
        FileUse use = FileUse.Media, ReadStrategy? strategy = null)
        => Open(path, mode, layout, use, strategy, RemoteFiles);

    /// <summary>Opens a file on this machine only, never on another node (what a node's file actor serves).</summary>
    internal Task<VaultFile> OpenLocalAsync(string path, FileOpenMode mode = FileOpenMode.Read, FrameLayout? layout = null)
        => Open(path, mode, layout, FileUse.Media, null, remoteFiles: null);

    private Task<VaultFile> Open(string path, FileOpenMode mode, FrameLayout? layout, FileUse use, ReadStrategy? strategy, IRemoteFiles? remoteFiles)
    {
        if (_stopped) return Task.FromException<VaultFile>(VaultErrors.Stopped());
        FileStatus status;
        string fullPath = "";
        try
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            fullPath = Path.GetFullPath(path);
            status = FileAccessCheck.Check(fullPath, mode);
        }
        catch (VaultException e) when (e.Error == VaultError.FileNotFound && mode == FileOpenMode.Read && use == FileUse.Media && remoteFiles is not null)
        {
            // A cluster node: another node may hold the media file (the vault's own files, caches and blocks, stay local).
            return remoteFiles.TryOpen(fullPath, layout) ?? Task.FromException<VaultFile>(e);
        }
        catch (Exception e)
        {
            return Task.FromException<VaultFile>(e as VaultException ?? (e is ArgumentException
                ? new VaultException(VaultError.InvalidArgument, $"Not a usable path: '{path}' ({e.Message}).", e) { Path = path }
                : VaultErrors.FromIo(e, path)));
        }
        var reply = NewCompletion<VaultFile>();
        Guardian.Tell(new VaultProtocol.Register(fullPath, mode, layout ?? FrameLayout.Bytes(), use, strategy ?? Settings.ReadStrategy, status, reply));
        return Track(reply);
    }

    /// <summary>Closes one opening of the file; the last close flushes writes, and windows go as their frames are disposed.</summary>
    public Task CloseAsync(VaultFile file)
    {
        if (_stopped) return Task.CompletedTask;
        if (file.Remote is { } remote) return remote.CloseAsync();
        var reply = NewCompletion<bool>();
        Guardian.Tell(new VaultProtocol.CloseFile(file, reply));
        return Track(reply);
    }

    /// <summary>Makes every write to the file durable (msync, then fsync).</summary>
    public Task FlushAsync(VaultFile file)
    {
        if (Reject(file, FrameAccess.ReadOnly) is { } error) return Task.FromException(error);
        if (file.IsRemote) return Task.CompletedTask; // read-only here: nothing written to make durable
        var reply = NewCompletion<bool>();
        file.FileMap.Tell(new FileMapProtocol.Flush(reply));
        return Track(reply);
    }

    /// <summary>A snapshot of the statistics; print it with <see cref="VaultStatistics.ToReport"/>.</summary>
    public Task<VaultStatistics> GetStatisticsAsync()
    {
        if (_stopped) return Task.FromException<VaultStatistics>(VaultErrors.Stopped());
        var reply = NewCompletion<VaultStatistics>();
        Guardian.Tell(new VaultProtocol.GetStatistics(reply));
        return Track(reply);
    }

    /// <summary>The fast path only: the frame if its window is mapped now, without waiting or allocating.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetFrame(VaultFile file, long frameNumber, out Frame frame, FrameAccess access = FrameAccess.ReadOnly)
    {
        if (file.Layout.TryLocate(frameNumber, out long offset, out int length)) return TryGetFrameAt(file, offset, length, out frame, access);
        frame = default;
        return false;
    }

    /// <summary>
    /// The fast path only, by byte offset and length. A probe that finds the window unmapped is not counted as a
    /// request: the caller asks again with <see cref="GetFrameAtAsync"/>, and that request is counted once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetFrameAt(VaultFile file, long offset, int length, out Frame frame, FrameAccess access = FrameAccess.ReadOnly)
    {
        if (TryFast(file, offset, length, access, out frame))
        {
            Metrics.FrameRequests.Increment();
            Metrics.FastPathHits.Increment();
            file.Tap?.Hit(offset, default);
            return true;
        }
        return false;
    }

    /// <summary>Frame <paramref name="frameNumber"/> of the file's layout.</summary>
    public ValueTask<Frame> GetFrameAsync(VaultFile file, long frameNumber, FrameHints hints = default, FrameAccess access = FrameAccess.ReadOnly)
    {
        if (file.Layout.TryLocate(frameNumber, out long offset, out int length)) return GetFrameAtAsync(file, offset, length, hints, access);
        Metrics.FrameRequests.Increment();
        Metrics.Failures.Increment();
        return ValueTask.FromException<Frame>(frameNumber < 0
            ? new VaultException(VaultError.InvalidArgument, $"A frame number cannot be negative (was {frameNumber}).") { Path = file.Path }
            : file.Layout is FrameLayout.ByteLayout
                ? new VaultException(VaultError.InvalidArgument, $"'{file.Path}' has no frame layout; ask for frames by offset and length.") { Path = file.Path }
                : new VaultException(VaultError.OutOfRange, $"Out of range: '{file.Path}' has no frame {frameNumber} in its layout.") { Path = file.Path });
    }

    /// <summary>The frame of <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    public ValueTask<Frame> GetFrameAtAsync(VaultFile file, long offset, int length, FrameHints hints = default, FrameAccess access = FrameAccess.ReadOnly)
    {
        Metrics.FrameRequests.Increment();
        if (TryFast(file, offset, length, access, out var frame))
        {
            Metrics.FastPathHits.Increment();
            file.Tap?.Hit(offset, hints);
            return new ValueTask<Frame>(frame);
        }
        return Miss(file, offset, length, hints, access);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryFast(VaultFile file, long offset, int length, FrameAccess access, out Frame frame)
    {
        if (offset >= 0 && length > 0 && file.TryPinWindow(offset, length, out var window))
        {
            if (access == FrameAccess.ReadWrite && (!window!.Writable || !file.Writers.TryAdd(offset, 0)))
            {
                window!.Unpin();
                frame = default;
                return false;
            }
            var lease = FrameLease.Rent();
            lease.File = file;
            lease.Window = window;
            lease.Address = window!.Address + (nint)(offset - window.MapOffset);
            lease.Offset = offset;
            lease.Length = length;
            lease.Access = access;
            frame = new Frame(lease);
            return true;
        }
        frame = default;
        return false;
    }

    private ValueTask<Frame> Miss(VaultFile file, long offset, int length, FrameHints hints, FrameAccess access)
    {
        Metrics.Misses.Increment();
        var error = Reject(file, access)
            ?? (offset < 0 || length <= 0
                ? new VaultException(VaultError.InvalidArgument, $"A frame needs a non-negative offset and a positive length (was {offset}, {length}).") { Path = file.Path }
                // The file's actor computes the frame's end; past long.MaxValue it would wrap and pass every range check.
                : offset > long.MaxValue - length
                    ? new VaultException(VaultError.OutOfRange, $"Out of range: the frame at {offset} (+{length} bytes) ends past the largest possible file offset.") { Path = file.Path }
                    : null);
        if (error is not null)
        {
            Metrics.Failures.Increment();
            return ValueTask.FromException<Frame>(error);
        }
        if (file.Remote is { } remote) return remote.GetFrameAtAsync(offset, length, hints);
        var now = _system.Scheduler.Now;
        var deadline = hints.Deadline ?? now + Settings.DefaultWait;
        var reply = NewCompletion<Frame>();
        file.Tap?.Miss(offset, hints, now, reply.Task);
        file.FileMap.Tell(new FileMapProtocol.FrameRequest(file, offset, length, access, hints, deadline, reply, Stopwatch.GetTimestamp()));
        return new ValueTask<Frame>(Track(reply));
    }

    private VaultException? Reject(VaultFile file, FrameAccess access)
    {
        if (_stopped) return VaultErrors.Stopped();
        if (file.IsClosed) return VaultErrors.Closed(file.Path);
        if (file.ChangedReason is { } why) return VaultErrors.Changed(file.Path, why);
        if (access == FrameAccess.ReadWrite && !file.IsWritable) return VaultErrors.ReadOnly(file.Path);
        return null;
    }

    private static TaskCompletionSource<T> NewCompletion<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Remembers a request until it is answered, so that a shutdown can answer what the actors could not.</summary>
    private Task<T> Track<T>(TaskCompletionSource<T> reply)
    {
        _unanswered.Track(reply, reply.Task);
        return reply.Task;
    }

    private void OnGuardedFault() => Guardian.Tell(VaultProtocol.CheckAllFiles.Instance);

    private void OnTerminated()
    {
        SigbusGuard.Faulted -= OnGuardedFault;
        _stopped = true;
        _space.Stop();
        _watcher?.Dispose();
        _unanswered.Stop();
        Metrics.Dispose();
    }

    private static void FailStopped(object pending)
    {
        switch (pending)
        {
            case TaskCompletionSource<Frame> f: f.TrySetException(VaultErrors.Stopped()); break;
            case TaskCompletionSource<VaultFile> v: v.TrySetException(VaultErrors.Stopped()); break;
            case TaskCompletionSource<VaultStatistics> s: s.TrySetException(VaultErrors.Stopped()); break;
            case TaskCompletionSource<bool> b: b.TrySetException(VaultErrors.Stopped()); break;
        }
    }
}

/// <summary>Makes <see cref="Vault"/> an Akka.NET extension: one per actor system.</summary>
public sealed class VaultExtensionId : ExtensionIdProvider<Vault>
{
    /// <inheritdoc />
    public override Vault CreateExtension(ExtendedActorSystem system) => new(system);
}

/// <summary>Marker for the vault's guardian in Akka.Hosting's ActorRegistry (<c>IRequiredActor&lt;VaultGuardian&gt;</c>).</summary>
public sealed class VaultGuardian;
