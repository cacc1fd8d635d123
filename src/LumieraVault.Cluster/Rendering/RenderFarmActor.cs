using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using LumieraVault.Frames;

namespace LumieraVault.Cluster.Rendering;

/// <summary>
/// The farm actor of one node. It learns which nodes render what from their offers (<see cref="Hello"/>, exchanged with
/// every member that comes up), keeps the requests of this node in an earliest-deadline-first queue, and hands each to
/// the node offering its renderer with the fewest jobs in flight per job slot (workers × <c>jobs-per-worker</c>),
/// preferring nodes the job has not been tried on. It serves other nodes' <see cref="RenderRequest"/>s through this
/// node's render service. Node loss re-sends the node's jobs at once; a periodic check re-sends jobs that took longer
/// than <c>attempt-timeout</c> and answers those past their deadline.
/// </summary>
internal sealed class RenderFarmActor : ReceiveActor, IWithTimers
{
    private const string RenderRole = "render";

    private readonly RenderFarm _farm;
    private readonly RenderFarmSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly Dictionary<Address, Peer> _peers = [];
    private readonly HashSet<Address> _members = [];
    private readonly HashSet<Address> _gone = [];
    private readonly Dictionary<long, FarmJob> _jobs = [];
    private readonly PriorityQueue<FarmJob, (long Deadline, long Id)> _queue = new();
    private readonly List<FarmJob> _stash = [];
    private readonly Peer? _local;
    private readonly long _attemptTimeout;

    public RenderFarmActor(RenderFarm farm)
    {
        _farm = farm;
        _settings = farm.Settings;
        _attemptTimeout = (long)(_settings.AttemptTimeout.TotalSeconds * Stopwatch.Frequency);
        if (_cluster.SelfRoles.Contains(RenderRole))
        {
            _local = new Peer(_cluster.SelfAddress, Self, isLocal: true) { Workers = farm.Service.Settings.Workers };
            foreach (var node in farm.Service.Nodes) _local.Renderers.Add(node.Id);
            _peers[_local.Address] = _local;
        }

        Receive<Submit>(m => OnSubmit(m.Job));
        Receive<Offered>(m => OnOffered(m.RendererId));
        Receive<Hello>(OnHello);
        Receive<RenderRequest>(Serve);
        Receive<RenderResult>(OnResult);
        Receive<RenderRefused>(m => OnRefused(m, Sender.Path.Address));
        Receive<LocalDone>(OnLocalDone);
        Receive<Check>(_ => OnCheck());
        Receive<GetNodes>(m => m.Reply.TrySetResult([.. _peers.Values.Where(p => p.Available).Select(p => new FarmNode(p.Address, p.Workers, [.. p.Renderers]))]));
        Receive<ClusterEvent.MemberUp>(m => OnMemberUp(m.Member));
        Receive<ClusterEvent.ReachableMember>(m => SetAvailable(m.Member.Address, true));
        Receive<ClusterEvent.UnreachableMember>(m => Lose(m.Member.Address, "is unreachable", remove: false, leaving: false));
        Receive<ClusterEvent.MemberLeft>(m => Lose(m.Member.Address, "is leaving", remove: false));
        Receive<ClusterEvent.MemberExited>(m => Lose(m.Member.Address, "is leaving", remove: false));
        Receive<ClusterEvent.MemberRemoved>(m => Lose(m.Member.Address, "left the cluster", remove: true));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.ReachableMember));
        Timers.StartPeriodicTimer("check", Check.Instance, _settings.CheckInterval);
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        foreach (var job in _jobs.Values) _farm.Fail(job, VaultErrors.Stopped());
        _jobs.Clear();
    }

    // ---- membership and offers ----

    private Hello MyHello(bool reply) => _local is null ? new Hello([], 0, reply) : new Hello([.. _local.Renderers], _local.Workers, reply);

    private ActorSelection FarmOf(Address address) => Context.ActorSelection(new RootActorPath(address) / "user" / RenderFarm.ActorName);

    private void OnMemberUp(Member member)
    {
        if (member.Address == _cluster.SelfAddress) return;
        _members.Add(member.Address);
        _gone.Remove(member.Address); // a node started again at the same address
        // Every member is greeted, not only render nodes: a node that offers nothing still has to learn what others offer.
        FarmOf(member.Address).Tell(MyHello(reply: false), Self);
    }

    private void OnOffered(string rendererId)
    {
        if (_local is null || !_local.Renderers.Add(rendererId)) return;
        var hello = MyHello(reply: true);
        foreach (var address in _members) FarmOf(address).Tell(hello, Self);
        Dispatch();
    }

    private void OnHello(Hello hello)
    {
        var address = Sender.Path.Address;
        if (!hello.Reply) Sender.Tell(MyHello(reply: true), Self);
        if (hello.Workers <= 0 || address == _cluster.SelfAddress || _gone.Contains(address)) return;
        if (!_peers.TryGetValue(address, out var peer))
        {
            peer = new Peer(address, Sender, isLocal: false);
            _peers[address] = peer;
            _log.Info("Render node {0} offers {1} worker(s) for [{2}]", address, hello.Workers, string.Join(", ", hello.Renderers));
        }
        peer.Ref = Sender;
        peer.Workers = hello.Workers;
        peer.Renderers.Clear();
        peer.Renderers.UnionWith(hello.Renderers);
        peer.Available = true;
        Dispatch();
    }

    private void SetAvailable(Address address, bool available)
    {
        if (!_peers.TryGetValue(address, out var peer) || peer.IsLocal) return;
        peer.Available = available;
        if (available) Dispatch();
    }

    /// <summary>A node left, is leaving or cannot be reached: no more jobs for it, and its jobs go to other nodes now.</summary>
    private void Lose(Address address, string why, bool remove, bool leaving = true)
    {
        if (remove) _members.Remove(address);
        if (leaving) _gone.Add(address);
        if (!_peers.TryGetValue(address, out var peer) || peer.IsLocal) return;
        peer.Available = false;
        if (remove) _peers.Remove(address);
        if (peer.Jobs.Count > 0)
        {
            _log.Warning("Render node {0} {1}: its {2} job(s) go to other nodes", address, why, peer.Jobs.Count);
            foreach (var job in peer.Jobs.Values.ToList()) Retry(job, countsAsAttempt: false);
        }
        Dispatch();
    }

    // ---- this node's requests ----

    private void OnSubmit(FarmJob job)
    {
        if (job.Completion.Task.IsCompleted) return;
        _jobs[job.Id] = job;
        Enqueue(job);
        Dispatch();
    }

    private void Enqueue(FarmJob job) => _queue.Enqueue(job, (job.Deadline.UtcTicks, job.Id));

    /// <summary>Hands the queued jobs, earliest deadline first, to nodes with a free slot; the rest wait.</summary>
    private void Dispatch()
    {
        while (_queue.Count > 0 && HasFreeSlot())
        {
            var job = _queue.Dequeue();
            if (job.Released || job.At is not null) continue;
            var peer = Choose(job);
            if (peer is null) _stash.Add(job);
            else Send(job, peer);
        }
        foreach (var job in _stash) Enqueue(job);
        _stash.Clear();
    }

    private bool HasFreeSlot()
    {
        foreach (var peer in _peers.Values)
        {
            if (peer.Available && peer.InFlight < peer.Workers * _settings.JobsPerWorker) return true;
        }
        return false;
    }

    private Peer? Choose(FarmJob job)
    {
        Peer? best = null;
        bool bestTried = false;
        double bestLoad = 0;
        bool untriedBusy = false;
        foreach (var peer in _peers.Values)
        {
            int slots = peer.Workers * _settings.JobsPerWorker;
            if (!peer.Available || !peer.Renderers.Contains(job.RendererId)) continue;
            bool tried = job.Tried?.Contains(peer.Address) == true;
            if (peer.InFlight >= slots)
            {
                untriedBusy |= !tried;
                continue;
            }
            double load = (double)peer.InFlight / slots;
            if (best is null || (bestTried && !tried) || (tried == bestTried && (load < bestLoad || (load == bestLoad && peer.Sent < best.Sent))))
            {
                best = peer;
                bestTried = tried;
                bestLoad = load;
            }
        }
        // A job that one node failed to answer waits for a slot on another rather than going back to the same node.
        return bestTried && untriedBusy ? null : best;
    }

    private void Send(FarmJob job, Peer peer)
    {
        job.Attempts++;
        job.At = peer;
        job.AttemptStarted = Stopwatch.GetTimestamp();
        (job.Tried ??= []).Add(peer.Address);
        peer.InFlight++;
        peer.Sent++;
        peer.Jobs[job.Id] = job;
        _farm.Metrics.Sent.Add(1, _farm.Metrics.Tag, new KeyValuePair<string, object?>("node", peer.Name));
        if (peer.IsLocal) RenderHere(job, job.Attempts);
        else peer.Ref.Tell(new RenderRequest(job.Id, job.Attempts, job.RendererId, job.Time, job.Deadline.UtcTicks, job.Hints.Droppable, job.Hints.Priority), Self);
    }

    private void RenderHere(FarmJob job, int attempt)
    {
        var self = Self;
        var hints = job.Hints with { Deadline = job.Deadline, Action = PlayAction.Unspecified };
        _farm.Service.GetFrameAsync(job.RendererId, job.Time, hints).AsTask().ContinueWith(
            t => self.Tell(new LocalDone(job, attempt, t.IsCompletedSuccessfully ? t.Result : null, t.Exception?.GetBaseException())),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Takes the job off its node: it is answered, or goes back to the queue.</summary>
    private void Unassign(FarmJob job)
    {
        if (job.At is not { } peer) return;
        peer.InFlight--;
        peer.Jobs.Remove(job.Id);
        job.At = null;
    }

    /// <summary>The job is answered (or about to be): it leaves the farm's books.</summary>
    private void Release(FarmJob job)
    {
        Unassign(job);
        job.Released = true;
        _jobs.Remove(job.Id);
    }

    private void Retry(FarmJob job, bool countsAsAttempt)
    {
        var from = job.At;
        if (countsAsAttempt && job.Attempts >= _settings.MaxAttempts)
        {
            // No attempt left: the node still working on it may yet answer before the deadline, which the check enforces.
            return;
        }
        Unassign(job);
        if (from is not null) _farm.Metrics.Retried.Add(1, _farm.Metrics.Tag, new KeyValuePair<string, object?>("node", from.Name));
        Enqueue(job);
    }

    private void OnResult(RenderResult result)
    {
        if (!_jobs.TryGetValue(result.JobId, out var job)) return; // answered already (by another node, or at its deadline)
        Release(job);
        _ = _farm.LandAsync(job, result.Bytes, Sender.Path.Address);
        Dispatch();
    }

    private void OnLocalDone(LocalDone done)
    {
        var job = done.Job;
        if (done.Frame is { } frame)
        {
            if (_jobs.ContainsKey(job.Id)) Release(job);
            _farm.Complete(job, new FarmFrame(frame, _cluster.SelfAddress));
            Dispatch();
            return;
        }
        var error = done.Error as VaultException;
        OnRefused(new RenderRefused(job.Id, done.Attempt, error?.Error ?? VaultError.RenderFailed, done.Error?.Message ?? "unknown error"), _cluster.SelfAddress, done.Error);
    }

    private void OnRefused(RenderRefused refused, Address node, Exception? inner = null)
    {
        if (!_jobs.TryGetValue(refused.JobId, out var job)) return;
        switch (refused.Error)
        {
            case VaultError.Dropped:
                Release(job);
                _farm.Fail(job, new FrameDroppedException($"{refused.Message} (on {node})"));
                break;
            case VaultError.RenderFailed or VaultError.RenderCycle or VaultError.RenderTimedOut or VaultError.OutOfRange:
                // The renderer's own verdict: another node would say the same.
                Release(job);
                _farm.Fail(job, new VaultException(refused.Error, $"{job} on {node}: {refused.Message}", inner));
                break;
            default:
                if (_peers.TryGetValue(node, out var peer) && !peer.IsLocal)
                {
                    if (refused.Error == VaultError.InvalidArgument) peer.Renderers.Remove(job.RendererId);
                    if (refused.Error == VaultError.VaultStopped) peer.Available = false; // it is stopping: no more jobs for it
                }
                if (job.At?.Address != node || refused.Attempt != job.Attempts) return; // an older attempt; the current one goes on
                _log.Warning("Render node {0} could not take {1} ({2}: {3}); trying another", node, job, refused.Error, refused.Message);
                if (job.Attempts >= _settings.MaxAttempts)
                {
                    Release(job);
                    _farm.Fail(job, new VaultException(VaultError.NodeUnreachable, $"No node could render {job} in {job.Attempts} attempt(s); the last, {node}, said {refused.Error}: {refused.Message}", inner));
                }
                else
                {
                    Retry(job, countsAsAttempt: true);
                }
                break;
        }
        Dispatch();
    }

    private void OnCheck()
    {
        if (_jobs.Count == 0) return;
        long now = Stopwatch.GetTimestamp();
        var utcNow = DateTimeOffset.UtcNow;
        List<FarmJob>? late = null;
        foreach (var job in _jobs.Values)
        {
            if (utcNow >= job.Deadline) (late ??= []).Add(job);
            else if (job.At is { } peer && now - job.AttemptStarted > _attemptTimeout && job.Attempts < _settings.MaxAttempts)
            {
                _log.Warning("Render node {0} did not answer {1} within {2}; trying another", peer.Address, job, _settings.AttemptTimeout);
                (late ??= []).Add(job);
            }
        }
        if (late is null) return;
        foreach (var job in late)
        {
            if (utcNow < job.Deadline)
            {
                Retry(job, countsAsAttempt: true);
                continue;
            }
            string where = job.Tried is { Count: > 0 } tried ? $"tried on {string.Join(", ", tried)}" : $"no node offering '{job.RendererId}' had room";
            Release(job);
            _farm.Fail(job, job.Hints.Droppable
                ? new FrameDroppedException($"{job} was not rendered by its deadline ({where})")
                : new VaultException(VaultError.NodeUnreachable, $"{job} was not rendered by its deadline {job.Deadline:O}: {where}."));
        }
        Dispatch();
    }

    // ---- other nodes' requests ----

    private void Serve(RenderRequest request)
    {
        var requester = Sender;
        var self = Self;
        ValueTask<Frame> frame;
        try
        {
            frame = _farm.Service.GetFrameAsync(request.RendererId, request.Time, request.Hints);
        }
        catch (Exception e)
        {
            requester.Tell(Refusal(request, e), self);
            return;
        }
        frame.AsTask().ContinueWith(t =>
        {
            if (!t.IsCompletedSuccessfully)
            {
                requester.Tell(Refusal(request, t.Exception?.GetBaseException()), self);
                return;
            }
            using var rendered = t.Result;
            requester.Tell(new RenderResult(request.JobId, request.Attempt, rendered.Span.ToArray()), self);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static RenderRefused Refusal(RenderRequest request, Exception? error)
        => new(request.JobId, request.Attempt, (error as VaultException)?.Error ?? VaultError.RenderFailed, error?.Message ?? "unknown error");

    // ---- state and local messages ----

    /// <summary>A render node as this node knows it.</summary>
    internal sealed class Peer(Address address, IActorRef actor, bool isLocal)
    {
        public Address Address { get; } = address;
        public string Name { get; } = address.ToString();
        public IActorRef Ref { get; set; } = actor;
        public bool IsLocal { get; } = isLocal;
        public HashSet<string> Renderers { get; } = new(StringComparer.Ordinal);
        public int Workers { get; set; }
        public bool Available { get; set; } = true;
        public int InFlight { get; set; }
        public long Sent { get; set; }
        public Dictionary<long, FarmJob> Jobs { get; } = [];
    }

    internal sealed record Submit(FarmJob Job) : ILocalMessage;

    internal sealed record Offered(string RendererId) : ILocalMessage;

    internal sealed record GetNodes(TaskCompletionSource<IReadOnlyList<FarmNode>> Reply) : ILocalMessage;

    private sealed record LocalDone(FarmJob Job, int Attempt, Frame? Frame, Exception? Error) : ILocalMessage;

    private sealed class Check : ILocalMessage
    {
        public static readonly Check Instance = new();
    }
}
