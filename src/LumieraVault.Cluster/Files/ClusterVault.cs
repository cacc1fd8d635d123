using Akka.Actor;
using Akka.Cluster.Sharding;
using LumieraVault.Cluster.Hosting;
using LumieraVault.Files;
using LumieraVault.Frames;
using LumieraVault.Mapping;
using LumieraVault.Native;

namespace LumieraVault.Cluster.Files;

/// <summary>
/// The vault of a cluster node for files of the shared media store (<c>lumiera.cluster.files.media-root</c>). A file
/// this node holds is opened in the local vault and its frames are served zero-copy without any message; any other
/// file is served by its sharded file actor (type <see cref="TypeName"/>, on the nodes with the role <c>media</c>), whose
/// frames come back as copied bytes in pooled buffers. Callers see one type either way: <see cref="Frame"/>, to be
/// disposed once. Every request is answered exactly once: with the frame, a <see cref="VaultException"/> (a node that
/// left or died and had no successor in time is <see cref="VaultError.NodeUnreachable"/>) or a
/// <see cref="FrameDroppedException"/>, never later than its deadline. Get it with <see cref="Get(ActorSystem)"/>.
/// </summary>
public sealed class ClusterVault : IExtension, IRemoteFiles
{
    /// <summary>The sharding type name of the file actors.</summary>
    public const string TypeName = "lumiera-file";

    /// <summary>The role of the nodes that host file actors.</summary>
    public const string MediaRole = "media";

    private readonly ActorSystem _system;
    private readonly AddressSpace _detached;
    private readonly IActorRef _requester;
    private readonly Unanswered<RemoteRequester.Pending> _unanswered = new(static pending =>
        pending.Fail(new VaultException(VaultError.VaultStopped, "The node shut down before the remote request was answered.") { Path = pending.Key }));
    private long _nextId;
    private volatile bool _stopped;

    internal ClusterVault(ExtendedActorSystem system)
    {
        _system = system;
        Settings = ClusterFilesSettings.From(system.Settings.Config);
        Vault = Vault.Get(system);
        Metrics = new ClusterFilesMetrics(system.Name);
        _detached = new AddressSpace(0, Vault.Metrics);
        if (system.Provider is Akka.Cluster.ClusterActorRefProvider)
        {
            var sharding = ClusterSharding.Get(system);
            var extractor = new FileMessageExtractor(Settings.Shards);
            string root = Settings.MediaRoot;
            Region = Akka.Cluster.Cluster.Get(system).SelfRoles.Contains(MediaRole)
                ? sharding.Start(TypeName, key => FileEntity.Props(root, key), ClusterShardingSettings.Create(system).WithRole(MediaRole), extractor)
                : sharding.StartProxy(TypeName, MediaRole, extractor);
            // The local vault opens files this node does not hold through here (lumiera.cluster.files.open-through-vault).
            if (Settings.OpenThroughVault) Vault.RemoteFiles = this;
        }
        else
        {
            Region = system.DeadLetters;
        }
        _requester = system.SystemActorOf(RemoteRequester.Props(Region, Settings, Metrics), "lumiera-cluster-files");
        system.WhenTerminated.ContinueWith(_ =>
        {
            _stopped = true;
            _unanswered.Stop();
            Metrics.Dispose();
        }, TaskScheduler.Default);
    }

    /// <summary>The cluster vault of <paramref name="system"/>, created with the system's configuration on first use.</summary>
    public static ClusterVault Get(ActorSystem system) => system.WithExtension<ClusterVault, ClusterVaultExtensionId>();

    /// <summary>The settings in force.</summary>
    public ClusterFilesSettings Settings { get; }

    /// <summary>The local vault that serves the files this node holds.</summary>
    public Vault Vault { get; }

    /// <summary>The statistics of remote frames (meter <c>LumieraVault.Cluster</c>).</summary>
    public ClusterFilesMetrics Metrics { get; }

    /// <summary>The shard region (or proxy) of the file actors; dead letters when the node is not a cluster node.</summary>
    public IActorRef Region { get; }

    /// <summary>
    /// Opens the file at <paramref name="path"/>, relative to the media root or absolute below it. A file this node holds is
    /// opened in the local vault; any other is looked up on its file actor, whose size and modification time become the
    /// file's identity (a frame of a file that changed since is answered <see cref="VaultError.FileChanged"/>). A path
    /// outside the media root is refused with <see cref="VaultError.InvalidArgument"/>.
    /// </summary>
    public async Task<ClusterFile> OpenAsync(string path, FrameLayout? layout = null, FrameHints hints = default)
    {
        var (key, full) = MediaPath.Resolve(Settings.MediaRoot, path);
        if (File.Exists(full))
        {
            try
            {
                var local = await Vault.OpenLocalAsync(full, FileOpenMode.Read, layout).ConfigureAwait(false);
                return new ClusterFile(this, key, local, isLocal: true);
            }
            catch (VaultException e) when (e.Error == VaultError.FileNotFound)
            {
                // Gone between the look and the open: ask the nodes that hold it.
            }
        }
        return await OpenRemoteAsync(key, full, layout, hints).ConfigureAwait(false);
    }

    /// <summary>The local vault's way in (<see cref="IRemoteFiles"/>): a path below the media root, opened on its file actor.</summary>
    Task<VaultFile>? IRemoteFiles.TryOpen(string fullPath, FrameLayout? layout)
    {
        string key;
        try
        {
            key = MediaPath.Resolve(Settings.MediaRoot, fullPath).Key;
        }
        catch (VaultException)
        {
            return null; // outside the media root: not a file of the shared store
        }
        return Open(this, key, fullPath, layout);

        static async Task<VaultFile> Open(ClusterVault vault, string key, string fullPath, FrameLayout? layout)
            => (await vault.OpenRemoteAsync(key, fullPath, layout, default).ConfigureAwait(false)).Descriptor;
    }

    private async Task<ClusterFile> OpenRemoteAsync(string key, string full, FrameLayout? layout, FrameHints hints)
    {
        if (Region.IsNobody() || ReferenceEquals(Region, _system.DeadLetters))
            throw new VaultException(VaultError.FileNotFound, $"File not found: '{key}' is not below this node's media root, and this node is not a cluster node.") { Path = key };
        if (_stopped) throw new VaultException(VaultError.VaultStopped, "The node shut down.") { Path = key };
        var described = NewCompletion<(long Size, long ModifiedTicks)>();
        Send(new RemoteRequester.Pending
        {
            Id = Interlocked.Increment(ref _nextId),
            Key = key,
            File = null,
            Offset = 0,
            Length = 0,
            Deadline = hints.Deadline ?? _system.Scheduler.Now + Vault.Settings.DefaultWait,
            Droppable = false,
            Priority = hints.Priority,
            Described = described,
        });
        var (size, modified) = await described.Task.ConfigureAwait(false);
        var status = new FileStatus(0, 0, size, modified, true);
        var descriptor = new VaultFile(full, FileOpenMode.Read, layout ?? FrameLayout.Bytes(), FileUse.Media, ReadStrategy.Buffered, status, Vault.Settings.WindowSize, _detached);
        return new ClusterFile(this, key, descriptor, isLocal: false);
    }

    /// <summary>The fast path only: the frame if the file is local and the frame's window is mapped now. Never sends a message.</summary>
    public bool TryGetFrame(ClusterFile file, long frameNumber, out Frame frame)
    {
        if (file.IsLocal) return Vault.TryGetFrame(file.Descriptor, frameNumber, out frame);
        frame = default;
        return false;
    }

    /// <summary>Frame <paramref name="frameNumber"/> of the file's layout.</summary>
    public ValueTask<Frame> GetFrameAsync(ClusterFile file, long frameNumber, FrameHints hints = default)
    {
        if (file.IsLocal) return Vault.GetFrameAsync(file.Descriptor, frameNumber, hints);
        if (file.Layout.TryLocate(frameNumber, out long offset, out int length)) return GetFrameAtAsync(file, offset, length, hints);
        return ValueTask.FromException<Frame>(frameNumber < 0
            ? new VaultException(VaultError.InvalidArgument, $"A frame number cannot be negative (was {frameNumber}).") { Path = file.Key }
            : new VaultException(VaultError.OutOfRange, $"Out of range: '{file.Key}' has no frame {frameNumber} in its layout.") { Path = file.Key });
    }

    /// <summary>The frame of <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    public ValueTask<Frame> GetFrameAtAsync(ClusterFile file, long offset, int length, FrameHints hints = default)
    {
        if (file.IsLocal) return Vault.GetFrameAtAsync(file.Descriptor, offset, length, hints);
        var error = file.IsClosed
            ? new VaultException(VaultError.FileClosed, $"'{file.Key}' was closed.") { Path = file.Key }
            : offset < 0 || length <= 0
                ? new VaultException(VaultError.InvalidArgument, $"A frame needs a non-negative offset and a positive length (was {offset}, {length}).") { Path = file.Key }
                : offset > file.Size - length
                    ? new VaultException(VaultError.OutOfRange, $"Out of range: '{file.Key}' holds {file.Size} bytes, not {length} at {offset}.") { Path = file.Key }
                    : length > Settings.MaximumFrameSize - ClusterFilesSettings.Overhead
                        ? new VaultException(VaultError.InvalidArgument,
                            $"A frame of {length} bytes cannot cross nodes: raise lumiera.cluster.maximum-frame-size (now {Settings.MaximumFrameSize} bytes).") { Path = file.Key }
                        : null;
        if (error is not null) return ValueTask.FromException<Frame>(error);
        var reply = NewCompletion<Frame>();
        Send(new RemoteRequester.Pending
        {
            Id = Interlocked.Increment(ref _nextId),
            Key = file.Key,
            File = file,
            Offset = offset,
            Length = length,
            Deadline = hints.Deadline ?? _system.Scheduler.Now + Vault.Settings.DefaultWait,
            Droppable = hints.Droppable,
            Priority = hints.Priority,
            Frame = reply,
        });
        return new ValueTask<Frame>(reply.Task);
    }

    /// <summary>Closes the file: a local file in the local vault; a remote one only here (its file actor passivates when idle).</summary>
    public Task CloseAsync(ClusterFile file)
    {
        if (file.IsLocal) return Vault.CloseAsync(file.Descriptor);
        file.MarkClosed();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Hands a request to the requester and remembers it until it is answered: a request that reaches the requester after it
    /// stopped (the node shutting down) is answered <see cref="VaultError.VaultStopped"/> when the actor system has terminated.
    /// </summary>
    private void Send(RemoteRequester.Pending pending)
    {
        if (_unanswered.Track(pending, (Task?)pending.Frame?.Task ?? pending.Described!.Task)) _requester.Tell(pending);
    }

    private static TaskCompletionSource<T> NewCompletion<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Makes <see cref="ClusterVault"/> an Akka.NET extension: one per actor system.</summary>
public sealed class ClusterVaultExtensionId : ExtensionIdProvider<ClusterVault>
{
    /// <inheritdoc />
    public override ClusterVault CreateExtension(ExtendedActorSystem system) => new(system);
}

/// <summary>Shards file actors by a stable hash of their path (the same on every node and every run).</summary>
internal sealed class FileMessageExtractor(int shards) : IMessageExtractor
{
    public string? EntityId(object message) => (message as IFileEntityMessage)?.Path;

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => message is IFileEntityMessage m ? ShardOf(m.Path) : null;

    public string ShardId(string entityId, object? messageHint = null) => ShardOf(entityId);

    private string ShardOf(string key)
    {
        // FNV-1a over the UTF-16 code units: string.GetHashCode differs between processes.
        uint hash = 2166136261;
        foreach (char c in key) hash = (hash ^ c) * 16777619;
        return (hash % (uint)shards).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
