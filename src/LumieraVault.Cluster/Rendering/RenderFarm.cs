using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using LumieraVault.Frames;
using LumieraVault.Rendering;

namespace LumieraVault.Cluster.Rendering;

/// <summary>A frame the farm answered with, and the node that rendered it (or had it in its store).</summary>
/// <param name="Frame">The readonly frame, in this node's render store; the caller disposes it.</param>
/// <param name="Node">The address of the node that rendered it.</param>
public readonly record struct FarmFrame(Frame Frame, Address Node);

/// <summary>A render node of the farm: its address, its workers and the renderer ids it offers.</summary>
public sealed record FarmNode(Address Address, int Workers, IReadOnlyList<string> Renderers);

/// <summary>
/// The render farm of a cluster node: render jobs spread over the cluster's nodes of role <c>render</c>. Register a
/// renderer on every node that offers it (<see cref="Register"/>), then ask any node for frames by renderer id and
/// time. The node's farm actor hands each job to the node that offers the renderer and has the fewest jobs in flight per
/// worker, earliest deadline first; the node renders it through its own scheduler (its render store answers a frame
/// it rendered before) and sends the bytes back, which land in this node's render store: the caller gets a
/// <see cref="Frame"/> as from <see cref="RenderService"/>. A node that does not answer within
/// <c>attempt-timeout</c>, or that leaves or becomes unreachable, has its jobs sent to another node. Every request is
/// answered by its deadline (the hints', or <c>default-deadline</c>): with the frame, with the renderer's error
/// (<see cref="VaultError.RenderFailed"/> with the remote message), or with <see cref="VaultError.NodeUnreachable"/>
/// (<see cref="FrameDroppedException"/> for droppable requests) when no node could render it in time. One per actor
/// system (<see cref="Get"/>); the system must run with the cluster provider (<c>lumiera.cluster.enabled = on</c>).
/// </summary>
public sealed class RenderFarm : IExtension
{
    /// <summary>The name of the farm actor under <c>/user</c> on every node.</summary>
    public const string ActorName = "lumiera-render-farm";

    private readonly ConcurrentDictionary<long, FarmJob> _pending = new();
    private long _nextJob;
    private volatile bool _stopped;

    internal RenderFarm(ExtendedActorSystem system)
    {
        Settings = RenderFarmSettings.From(system.Settings.Config);
        Service = RenderService.Get(system);
        if (system.Provider is not Akka.Cluster.ClusterActorRefProvider)
            throw new VaultException(VaultError.InvalidArgument,
                "The render farm needs a cluster node: create the actor system with ClusterConfig.Complete and lumiera.cluster.enabled = on.");
        SelfAddress = Akka.Cluster.Cluster.Get(system).SelfAddress;
        Metrics = new RenderFarmMetrics(system.Name, this);
        Actor = system.ActorOf(Props.Create(() => new RenderFarmActor(this)), ActorName);
        system.WhenTerminated.ContinueWith(_ => OnTerminated(), TaskScheduler.Default);
    }

    /// <summary>The render farm of <paramref name="system"/>, started on first use.</summary>
    public static RenderFarm Get(ActorSystem system) => system.WithExtension<RenderFarm, RenderFarmExtensionId>();

    /// <summary>The settings in force.</summary>
    public RenderFarmSettings Settings { get; }

    /// <summary>The farm's instruments (meter <c>LumieraVault</c>).</summary>
    public RenderFarmMetrics Metrics { get; }

    /// <summary>This node's address.</summary>
    public Address SelfAddress { get; }

    internal RenderService Service { get; }

    internal IActorRef Actor { get; }

    internal int Pending => _pending.Count;

    /// <summary>
    /// Registers <paramref name="renderer"/> with this node's render service and offers it to the farm (when the node
    /// has the role <c>render</c>). Every node that offers a renderer id must render the same frames for it.
    /// </summary>
    public void Register(IRenderer renderer)
    {
        Service.Register(renderer);
        Actor.Tell(new RenderFarmActor.Offered(renderer.Id));
    }

    /// <summary>The render nodes this node can hand jobs to now (itself included when it renders), with what they offer.</summary>
    public Task<IReadOnlyList<FarmNode>> GetNodesAsync()
    {
        if (_stopped) return Task.FromException<IReadOnlyList<FarmNode>>(VaultErrors.Stopped());
        var reply = new TaskCompletionSource<IReadOnlyList<FarmNode>>(TaskCreationOptions.RunContinuationsAsynchronously);
        Actor.Tell(new RenderFarmActor.GetNodes(reply));
        return reply.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>The frame of the renderer <paramref name="rendererId"/> at <paramref name="time"/>, rendered by a node of the farm.</summary>
    public async ValueTask<Frame> GetFrameAsync(string rendererId, long time, FrameHints hints = default)
        => (await GetFarmFrameAsync(rendererId, time, hints).ConfigureAwait(false)).Frame;

    /// <summary>The same, with the node that rendered it.</summary>
    public ValueTask<FarmFrame> GetFarmFrameAsync(string rendererId, long time, FrameHints hints = default)
    {
        if (string.IsNullOrEmpty(rendererId))
            return ValueTask.FromException<FarmFrame>(new VaultException(VaultError.InvalidArgument, "A render farm request needs a renderer id."));
        if (_stopped) return ValueTask.FromException<FarmFrame>(VaultErrors.Stopped());
        var key = FrameKey.Of(rendererId, time);
        if (Service.TryGetStore(out var store))
        {
            var hit = store.TryGetAsync(key, hints);
            if (!hit.IsCompletedSuccessfully || hit.Result is not null) return FromStoreOrFarm(hit, rendererId, time, key, hints);
        }
        return new ValueTask<FarmFrame>(Submit(rendererId, time, key, hints));
    }

    private async ValueTask<FarmFrame> FromStoreOrFarm(ValueTask<Frame?> hit, string rendererId, long time, FrameKey key, FrameHints hints)
    {
        Frame? frame = null;
        try
        {
            frame = await hit.ConfigureAwait(false);
        }
        catch (VaultException)
        {
            // A store that cannot read the frame back: render it again.
        }
        return frame is { } f ? new FarmFrame(f, SelfAddress) : await Submit(rendererId, time, key, hints).ConfigureAwait(false);
    }

    private Task<FarmFrame> Submit(string rendererId, long time, FrameKey key, FrameHints hints)
    {
        var deadline = hints.Deadline ?? DateTimeOffset.UtcNow + Settings.DefaultDeadline;
        var job = new FarmJob(Interlocked.Increment(ref _nextJob), rendererId, time, key, hints, deadline);
        _pending[job.Id] = job;
        Actor.Tell(new RenderFarmActor.Submit(job));
        if (_stopped) Fail(job, VaultErrors.Stopped());
        return job.Completion.Task;
    }

    /// <summary>Answers <paramref name="job"/> with its frame, unless it was answered already (then the frame is disposed).</summary>
    internal void Complete(FarmJob job, FarmFrame frame)
    {
        if (_pending.TryRemove(job.Id, out _) && job.Completion.TrySetResult(frame))
        {
            Metrics.Answered(job);
            return;
        }
        frame.Frame.Dispose();
    }

    /// <summary>Answers <paramref name="job"/> with <paramref name="error"/>, unless it was answered already.</summary>
    internal void Fail(FarmJob job, Exception error)
    {
        if (_pending.TryRemove(job.Id, out _) && job.Completion.TrySetException(error)) Metrics.Failed.Add(1, Metrics.Tag);
    }

    /// <summary>
    /// Writes a frame's bytes that another node rendered into this node's render store and answers the job with it,
    /// off the farm actor.
    /// </summary>
    internal async Task LandAsync(FarmJob job, byte[] bytes, Address node)
    {
        try
        {
            var store = await Service.StoreAsync().ConfigureAwait(false);
            var slot = await store.ReserveAsync(job.Key, bytes.Length, job.Hints).ConfigureAwait(false);
            Frame frame;
            try
            {
                bytes.CopyTo(slot.Frame.WritableSpan);
                frame = await store.CommitAsync(slot).ConfigureAwait(false);
            }
            catch
            {
                store.Abandon(slot);
                throw;
            }
            Complete(job, new FarmFrame(frame, node));
        }
        catch (Exception e)
        {
            Fail(job, e as VaultException ?? new VaultException(VaultError.IoError, $"The frame {job} rendered on {node} could not be stored on this node: {e.Message}", e));
        }
    }

    private void OnTerminated()
    {
        _stopped = true;
        foreach (var job in _pending.Values) Fail(job, VaultErrors.Stopped());
        Metrics.Dispose();
    }
}

/// <summary>Makes <see cref="RenderFarm"/> an Akka.NET extension: one per actor system.</summary>
public sealed class RenderFarmExtensionId : ExtensionIdProvider<RenderFarm>
{
    /// <inheritdoc />
    public override RenderFarm CreateExtension(ExtendedActorSystem system) => new(system);
}

/// <summary>
/// One request to the farm. The facade fills in what the request says; the farm actor alone touches the rest.
/// Answered once, through <see cref="RenderFarm.Complete"/> or <see cref="RenderFarm.Fail"/>.
/// </summary>
internal sealed class FarmJob(long id, string rendererId, long time, FrameKey key, FrameHints hints, DateTimeOffset deadline)
{
    public long Id { get; } = id;
    public string RendererId { get; } = rendererId;
    public long Time { get; } = time;
    public FrameKey Key { get; } = key;
    public FrameHints Hints { get; } = hints;
    public DateTimeOffset Deadline { get; } = deadline;
    public long Started { get; } = Stopwatch.GetTimestamp();
    public TaskCompletionSource<FarmFrame> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The farm actor's: the attempts so far, the node of the current one and when it began, the nodes tried.
    public int Attempts;
    public RenderFarmActor.Peer? At;
    public long AttemptStarted;
    public bool Released;
    public List<Address>? Tried;

    public override string ToString() => $"{RendererId}@{Time}";
}
