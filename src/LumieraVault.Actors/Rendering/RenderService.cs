using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;
using LumieraVault.Frames;
using LumieraVault.Statistics;

namespace LumieraVault.Rendering;

/// <summary>
/// The client facade of rendering: register renderers, then ask for frames by renderer and time. Thread-safe; one per
/// actor system (<see cref="Get"/>). A request becomes one message to the scheduler actor, which merges identical
/// requests, orders the work by deadline and priority and runs it on its workers; a frame already rendered comes from
/// the render store (the render cache, or a scratch file when so configured). Every request gets
/// exactly one answer: a readonly frame the caller disposes, a <see cref="VaultException"/> naming what went wrong
/// (<see cref="VaultError.RenderFailed"/>, <see cref="VaultError.RenderTimedOut"/>, <see cref="VaultError.RenderCycle"/>,
/// <see cref="VaultError.VaultStopped"/>, ...), or a <see cref="FrameDroppedException"/> saying why it was dropped.
/// </summary>
public sealed class RenderService : IExtension
{
    private readonly ActorSystem _system;
    private readonly ConcurrentDictionary<IRenderer, RenderNode> _byRenderer = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<string, RenderNode> _byId = new(StringComparer.Ordinal);
    // Requests not yet answered, so that a stop can fail them all. An intrusive list under a lock rather than a
    // concurrent dictionary: each request is added and removed once, and a dictionary node per request costs more.
    private readonly Lock _inFlightLock = new();
    private PendingFrame? _inFlight;
    private readonly Task<IRenderStore> _store;
    private volatile bool _stopped;
    private int _commits;
    private volatile TaskCompletionSource? _commitsDone;
    private int _storeClosed;
    private readonly CoordinatedShutdown _shutdown;

    internal RenderService(ExtendedActorSystem system, Func<ActorSystem, Task<IRenderStore>>? openStore = null)
    {
        _system = system;
        Settings = SchedulerSettings.From(system.Settings.Config);
        Vault = Vault.Get(system);
        Metrics = new SchedulerMetrics(system.Name);
        // Opened now, not by the first job: the first frames of playback would otherwise wait for the open (reading the
        // index, checking segments) and be dropped. Jobs that start before it is open wait for it.
        _store = Task.Run(() => openStore is null ? OpenStoreAsync() : openStore(system));
        _store.ContinueWith(t => system.Log.Error(t.Exception!.GetBaseException(), "The render store could not be opened; every render job fails until it can be"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        Scheduler = system.ActorOf(SchedulerActor.Props(this, new SchedulerState()), "lumiera-scheduler");
        system.WhenTerminated.ContinueWith(_ => OnTerminatedAsync(), TaskScheduler.Default);
        // Requesters do not wait for commits, so a clean stop must: frames rendered just before it are kept for the next
        // start. Then the store closes while the vault still runs (a scratch store's folder is deleted before the system
        // is gone, not in a continuation the process may never run).
        _shutdown = CoordinatedShutdown.Get(system);
        _shutdown.AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "lumiera-render-store", ShutdownAsync);
    }

    /// <summary>The render service of <paramref name="system"/>, created with the system's configuration on first use.</summary>
    public static RenderService Get(ActorSystem system) => system.WithExtension<RenderService, RenderServiceExtensionId>();

    /// <summary>The settings in force.</summary>
    public SchedulerSettings Settings { get; }

    /// <summary>The scheduler's instruments (meter <c>LumieraVault</c>).</summary>
    public SchedulerMetrics Metrics { get; }

    /// <summary>The scheduler actor (registered in the ActorRegistry as <see cref="RenderScheduler"/> when hosted).</summary>
    public IActorRef Scheduler { get; }

    internal Vault Vault { get; }

    /// <summary>Requests on their way to the scheduler actor.</summary>
    internal RequestInbox Inbox { get; } = new();

    internal IEnumerable<RenderNode> Nodes => _byId.Values;

    /// <summary>
    /// Registers <paramref name="renderer"/> under its <see cref="IRenderer.Id"/> (again is harmless). Another renderer
    /// with the same id is refused (<see cref="VaultError.InvalidArgument"/>): the id names its frames.
    /// </summary>
    public void Register(IRenderer renderer) => NodeOf(renderer);

    /// <summary>The frame of <paramref name="renderer"/> at <paramref name="time"/>, rendered unless it is in the store.</summary>
    /// <param name="renderer">The renderer (registered on first use).</param>
    /// <param name="time">The frame's time (a frame number, or ticks of the renderer's own time base).</param>
    /// <param name="hints">Deadline, droppable, priority; playing forward or backward also queues the frames that follow, below everything else, for a renderer that takes batches.</param>
    /// <param name="group">The group that <see cref="Supersede"/> can drop at once.</param>
    public ValueTask<Frame> GetFrameAsync(IRenderer renderer, long time, FrameHints hints = default, RenderGroup group = default)
    {
        RenderNode node;
        try
        {
            node = NodeOf(renderer);
        }
        catch (VaultException e)
        {
            return ValueTask.FromException<Frame>(e);
        }
        return Request(node, time, hints, group, null);
    }

    /// <summary>The same, naming a registered renderer by its id (<see cref="VaultError.InvalidArgument"/> if none is).</summary>
    public ValueTask<Frame> GetFrameAsync(string rendererId, long time, FrameHints hints = default, RenderGroup group = default)
    {
        RenderNode node;
        try
        {
            node = NodeOf(rendererId);
        }
        catch (VaultException e)
        {
            return ValueTask.FromException<Frame>(e);
        }
        return Request(node, time, hints, group, null);
    }

    /// <summary>
    /// Renders a frame nobody asks for yet (prefetch): at <see cref="FramePriority.Background"/> unless the hints say
    /// otherwise, into the store only. A request for it later is raised to its own priority (or served from the store).
    /// </summary>
    public void Prefetch(IRenderer renderer, long time, FrameHints hints = default, RenderGroup group = default)
    {
        var node = NodeOf(renderer);
        if (_stopped) return;
        int rank = hints == default ? 0 : RenderJob.RankOf(hints.Priority);
        Scheduler.Tell(new SchedulerProtocol.Prefetch(node, time, node.KeyAt(time), hints.Deadline, rank, group));
    }

    /// <summary>
    /// Supersedes <paramref name="group"/> (after a seek, say): its requests still waiting are answered dropped
    /// ("superseded") and its queued prefetches forgotten; a frame already rendering finishes into the store.
    /// </summary>
    public void Supersede(RenderGroup group)
    {
        if (!_stopped && group != RenderGroup.None) Scheduler.Tell(new SchedulerProtocol.Supersede(group));
    }

    /// <summary>A snapshot of the scheduler's statistics; print it with <see cref="SchedulerStatistics.ToReport"/>.</summary>
    public Task<SchedulerStatistics> GetStatisticsAsync()
    {
        if (_stopped) return Task.FromException<SchedulerStatistics>(VaultErrors.Stopped());
        var reply = new TaskCompletionSource<SchedulerStatistics>(TaskCreationOptions.RunContinuationsAsynchronously);
        Scheduler.Tell(new SchedulerProtocol.GetStatistics(reply));
        return reply.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    internal ValueTask<Frame> RequestDependency(RenderNode node, long time, RenderJob parent, CancellationToken cancellation)
    {
        var hints = parent.Hints with { Action = PlayAction.RenderDependency };
        var frame = Request(node, time, hints, RenderGroup.None, parent);
        return cancellation.CanBeCanceled && !frame.IsCompleted ? WaitOrDispose(frame.AsTask(), cancellation) : frame;

        // A renderer that stops waiting (its job was abandoned) still gets its answer later: nobody would dispose it.
        static async ValueTask<Frame> WaitOrDispose(Task<Frame> task, CancellationToken cancellation)
        {
            try
            {
                return await task.WaitAsync(cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _ = task.ContinueWith(static t =>
                {
                    if (t.IsCompletedSuccessfully) t.Result.Dispose();
                }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                throw;
            }
        }
    }

    private ValueTask<Frame> Request(RenderNode node, long time, FrameHints hints, RenderGroup group, RenderJob? parent)
    {
        if (_stopped) return ValueTask.FromException<Frame>(VaultErrors.Stopped());
        var pending = new PendingFrame(node, time, node.KeyAt(time), hints, group, parent);
        Track(pending);
        if (Inbox.Push(pending)) Scheduler.Tell(SchedulerProtocol.DrainInbox.Instance);
        if (_stopped) FailAll();
        return new ValueTask<Frame>(pending.Task);
    }

    /// <summary>A worker's commit has begun; <see cref="CommitEnded"/> follows, whatever the outcome.</summary>
    internal void CommitStarted() => Interlocked.Increment(ref _commits);

    internal void CommitEnded()
    {
        if (Interlocked.Decrement(ref _commits) == 0) _commitsDone?.TrySetResult();
    }

    /// <summary>
    /// Whether the service or its actor system is stopping: a render that fails now (its file closed under it, the
    /// vault gone) is answered <see cref="VaultError.VaultStopped"/>, not with what the stop did to it.
    /// </summary>
    internal bool Stopping => _stopped || _shutdown.ShutdownReason is not null || _system.WhenTerminated.IsCompleted;

    private async Task<Akka.Done> ShutdownAsync()
    {
        await CommitsDoneAsync().ConfigureAwait(false);
        _stopped = true;
        FailAll();
        await CloseStoreAsync().ConfigureAwait(false);
        return Akka.Done.Instance;
    }

    private async Task CommitsDoneAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _commitsDone = done;
        if (Volatile.Read(ref _commits) == 0) return;
        try
        {
            await done.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _system.Log.Warning("Stopping with {0} render commits still in flight: those frames are not cached", Volatile.Read(ref _commits));
        }
    }

    private void Track(PendingFrame pending)
    {
        lock (_inFlightLock)
        {
            pending.NextInFlight = _inFlight;
            if (_inFlight is not null) _inFlight.PreviousInFlight = pending;
            _inFlight = pending;
            pending.InFlight = true;
        }
    }

    internal void Forget(PendingFrame pending)
    {
        lock (_inFlightLock)
        {
            if (!pending.InFlight) return;
            pending.InFlight = false;
            if (pending.PreviousInFlight is { } previous) previous.NextInFlight = pending.NextInFlight;
            else _inFlight = pending.NextInFlight;
            if (pending.NextInFlight is { } next) next.PreviousInFlight = pending.PreviousInFlight;
            pending.PreviousInFlight = pending.NextInFlight = null;
        }
    }

    internal RenderNode NodeOf(IRenderer renderer)
    {
        ArgumentNullException.ThrowIfNull(renderer);
        if (_byRenderer.TryGetValue(renderer, out var node)) return node;
        node = new RenderNode(renderer);
        var registered = _byId.GetOrAdd(node.Id, node);
        if (!ReferenceEquals(registered.Renderer, renderer))
            throw new VaultException(VaultError.InvalidArgument,
                $"Another renderer ({registered.Renderer.GetType().Name}) is registered as '{node.Id}'; a renderer's id names its frames, so give each its own.");
        return _byRenderer.GetOrAdd(renderer, registered);
    }

    internal RenderNode NodeOf(string rendererId)
        => _byId.TryGetValue(rendererId ?? "", out var node)
            ? node
            : throw new VaultException(VaultError.InvalidArgument, $"No renderer is registered as '{rendererId}'; register it first (RenderService.Register or SchedulerOptions.Renderers).");

    /// <summary>The render store, opened when the service started.</summary>
    internal Task<IRenderStore> StoreAsync() => _store;

    internal bool TryGetStore(out IRenderStore store)
    {
        store = null!;
        if (!_store.IsCompletedSuccessfully) return false;
        store = _store.Result;
        return true;
    }

    private async Task<IRenderStore> OpenStoreAsync()
    {
        return Settings.Store == RenderStoreKind.Scratch
            ? await ScratchStore.OpenAsync(Vault, Path.GetTempPath()).ConfigureAwait(false)
            : await RenderCacheStore.OpenAsync(_system).ConfigureAwait(false);
    }

    private async Task OnTerminatedAsync()
    {
        _stopped = true;
        FailAll();
        Metrics.Dispose();
        await CloseStoreAsync().ConfigureAwait(false);
    }

    /// <summary>Closes the store once, at the clean stop or (without one) when the system has terminated.</summary>
    private async Task CloseStoreAsync()
    {
        if (Interlocked.Exchange(ref _storeClosed, 1) != 0) return;
        IRenderStore store;
        try
        {
            store = await _store.ConfigureAwait(false);
        }
        catch (Exception)
        {
            return; // logged when the open failed: nothing to close
        }
        await store.DisposeAsync().ConfigureAwait(false);
    }

    private void FailAll()
    {
        PendingFrame? all;
        lock (_inFlightLock)
        {
            all = _inFlight;
            _inFlight = null;
            for (var p = all; p is not null; p = p.NextInFlight) p.InFlight = false;
        }
        // Completed outside the lock; the links of the detached list are no longer touched by Forget (InFlight is off).
        while (all is not null)
        {
            var pending = all;
            all = pending.NextInFlight;
            pending.PreviousInFlight = pending.NextInFlight = null;
            pending.TrySetException(VaultErrors.Stopped());
        }
    }
}

/// <summary>Makes <see cref="RenderService"/> an Akka.NET extension: one per actor system.</summary>
public sealed class RenderServiceExtensionId : ExtensionIdProvider<RenderService>
{
    private readonly Func<ActorSystem, Task<IRenderStore>>? _openStore;

    /// <summary>The render service with the store its configuration names.</summary>
    public RenderServiceExtensionId()
    {
    }

    /// <summary>The render service with another store (registered with <c>RegisterExtension</c> before first use).</summary>
    internal RenderServiceExtensionId(Func<ActorSystem, Task<IRenderStore>> openStore) => _openStore = openStore;

    /// <inheritdoc />
    public override RenderService CreateExtension(ExtendedActorSystem system) => new(system, _openStore);
}

/// <summary>Marker for the scheduler actor in Akka.Hosting's ActorRegistry (<c>IRequiredActor&lt;RenderScheduler&gt;</c>).</summary>
public sealed class RenderScheduler;
