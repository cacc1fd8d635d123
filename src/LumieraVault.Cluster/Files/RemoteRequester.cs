using System.Buffers;
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using LumieraVault.Frames;

namespace LumieraVault.Cluster.Files;

/// <summary>
/// One per node: sends this node's remote requests to the file actors (through the shard region) and answers each exactly
/// once. A request without an answer within the attempt timeout, or in flight when a member leaves the cluster, is sent
/// again (sharding moves a gone node's shards to the survivors once it is removed), and so is one the serving node
/// answered "closed" or "stopped" as it shut down; a request still unanswered when
/// its deadline is one tick away, or after the last attempt, fails with <see cref="VaultError.NodeUnreachable"/> (or is
/// dropped when droppable). Answers that come after are ignored.
/// </summary>
internal sealed class RemoteRequester : ReceiveActor, IWithTimers
{
    private readonly IActorRef _region;
    private readonly ClusterFilesSettings _settings;
    private readonly ClusterFilesMetrics _metrics;
    private readonly TimeSpan _tick;
    private readonly Dictionary<long, Pending> _pending = new();
    private readonly List<long> _scratch = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Akka.Cluster.Cluster? _cluster;
    private Dictionary<Akka.Actor.Address, bool> _members = new();
    private Akka.Cluster.ClusterEvent.CurrentClusterState? _lastState;

    public RemoteRequester(IActorRef region, ClusterFilesSettings settings, ClusterFilesMetrics metrics)
    {
        _region = region;
        _settings = settings;
        _metrics = metrics;
        _tick = TimeSpan.FromTicks(Math.Clamp(settings.AttemptTimeout.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromMilliseconds(250).Ticks));
        _cluster = ((ExtendedActorSystem)Context.System).Provider is Akka.Cluster.ClusterActorRefProvider ? Akka.Cluster.Cluster.Get(Context.System) : null;
        Receive<Pending>(Start);
        Receive<FrameBytes>(OnBytes);
        Receive<FileDescribed>(OnDescribed);
        Receive<RequestFailed>(OnFailed);
        Receive<Tick>(_ => OnTick());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef region, ClusterFilesSettings settings, ClusterFilesMetrics metrics)
        => Akka.Actor.Props.Create(() => new RemoteRequester(region, settings, metrics));

    protected override void PreStart() => Timers.StartPeriodicTimer("tick", Tick.Instance, _tick);

    protected override void PostStop()
    {
        foreach (var p in _pending.Values) p.Fail(new VaultException(VaultError.VaultStopped, "The node shut down before the remote request was answered.") { Path = p.Key });
        _pending.Clear();
    }

    private void Start(Pending p)
    {
        _pending[p.Id] = p;
        _metrics.Requested();
        Send(p);
    }

    private void Send(Pending p)
    {
        var now = Context.System.Scheduler.Now;
        p.Attempts++;
        // Backs off to four attempt timeouts: a gone node's files move only once the cluster has removed it.
        p.AttemptEnds = now + _settings.AttemptTimeout * Math.Min(p.Attempts, 4);
        _region.Tell(p.Message(now), Self);
    }

    private void OnBytes(FrameBytes m)
    {
        if (!_pending.Remove(m.RequestId, out var p) || p.Frame is null) return;
        if (m.Bytes.Length != p.Length || m.Offset != p.Offset)
        {
            _metrics.Failed();
            p.Fail(new VaultException(VaultError.IoError, $"The serving node answered {m.Bytes.Length} bytes at {m.Offset} for {p.Length} at {p.Offset}.") { Path = p.Key });
            return;
        }
        var lease = FrameLease.Rent();
        lease.File = p.File!.Descriptor;
        lease.Window = null;
        lease.Address = 0;
        lease.Buffer = ArrayPool<byte>.Shared.Rent(m.Bytes.Length);
        m.Bytes.Span.CopyTo(lease.Buffer);
        lease.Offset = m.Offset;
        lease.Length = m.Bytes.Length;
        lease.Access = FrameAccess.ReadOnly;
        var frame = new Frame(lease);
        _metrics.Received(m.Bytes.Length, Stopwatch.GetElapsedTime(p.Started).TotalMilliseconds);
        if (!p.Frame.TrySetResult(frame)) frame.Dispose();
    }

    private void OnDescribed(FileDescribed m)
    {
        if (_pending.Remove(m.RequestId, out var p)) p.Described?.TrySetResult((m.Size, m.ModifiedTicks));
    }

    private void OnFailed(RequestFailed m)
    {
        if (m.Error is VaultError.VaultStopped or VaultError.FileClosed && _pending.TryGetValue(m.RequestId, out var stopping))
        {
            // The serving node is shutting down (its file actor closed the file, or its vault stopped): ask again at the next
            // tick, when the file's shard may live elsewhere.
            stopping.AttemptEnds = Context.System.Scheduler.Now;
            return;
        }
        if (!_pending.Remove(m.RequestId, out var p)) return;
        _metrics.Failed();
        p.Fail(new VaultException(m.Error, m.Message) { Path = p.Key });
    }

    private void OnTick()
    {
        bool someoneLeft = MembersLeft();
        if (_pending.Count == 0) return;
        var now = Context.System.Scheduler.Now;
        _scratch.Clear();
        foreach (var (id, p) in _pending)
        {
            if (now + _tick >= p.Deadline || (now >= p.AttemptEnds && p.Attempts >= _settings.MaxAttempts))
            {
                _scratch.Add(id);
                _metrics.Failed();
                p.Fail(p.Droppable
                    ? new FrameDroppedException($"no node answered for '{p.Key}' before the deadline ({p.Attempts} attempt(s))")
                    : new VaultException(VaultError.NodeUnreachable,
                        $"No node answered for '{p.Key}' in {p.Attempts} attempt(s) of {_settings.AttemptTimeout.TotalMilliseconds:F0} ms before the deadline: "
                        + "the node serving it left, died or cannot be reached. Ask again; a surviving media node takes the file over once the cluster removes the gone one.")
                    { Path = p.Key });
            }
            else if (someoneLeft || now >= p.AttemptEnds)
            {
                _metrics.Retried();
                Send(p);
            }
        }
        foreach (long id in _scratch) _pending.Remove(id);
    }

    /// <summary>Whether a member seen before is gone from the cluster, or was reachable and is not, since the last tick.</summary>
    private bool MembersLeft()
    {
        if (_cluster is null) return false;
        var state = _cluster.State;
        if (ReferenceEquals(state, _lastState)) return false;
        _lastState = state;
        var now = new Dictionary<Akka.Actor.Address, bool>(state.Members.Count);
        foreach (var m in state.Members) now[m.Address] = m.Status == Akka.Cluster.MemberStatus.Up && !state.Unreachable.Contains(m);
        bool left = false;
        foreach (var (address, reachable) in _members)
        {
            if (!now.TryGetValue(address, out bool still) || (reachable && !still))
            {
                left = true;
                if (_pending.Count > 0) _log.Info("LumieraVault: {0} left or cannot be reached; {1} remote file request(s) are sent again", address, _pending.Count);
                break;
            }
        }
        _members = now;
        return left;
    }

    /// <summary>A remote request in flight, and its completion; a local message.</summary>
    internal sealed class Pending : ILocalMessage
    {
        public required long Id { get; init; }
        public required string Key { get; init; }
        public required ClusterFile? File { get; init; }
        public required long Offset { get; init; }
        public required int Length { get; init; }
        public required DateTimeOffset Deadline { get; init; }
        public required bool Droppable { get; init; }
        public required FramePriority Priority { get; init; }
        public TaskCompletionSource<Frame>? Frame { get; init; }
        public TaskCompletionSource<(long Size, long ModifiedTicks)>? Described { get; init; }
        public long Started { get; } = Stopwatch.GetTimestamp();
        public int Attempts { get; set; }
        public DateTimeOffset AttemptEnds { get; set; }

        public IFileEntityMessage Message(DateTimeOffset now) => File is { } f
            ? new ReadFrame(Id, Key, f.Size, f.ModifiedTicks, Offset, Length,
                (int)Math.Clamp((Deadline - now).TotalMilliseconds, 1, int.MaxValue), Droppable, Priority)
            : new DescribeFile(Id, Key);

        public void Fail(VaultException error)
        {
            Frame?.TrySetException(error);
            Described?.TrySetException(error);
        }
    }

    private sealed class Tick : ILocalMessage
    {
        public static readonly Tick Instance = new();
    }
}
