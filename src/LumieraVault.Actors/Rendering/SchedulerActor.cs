using Akka.Actor;
using Akka.Event;
using LumieraVault.Frames;
using LumieraVault.Statistics;
using static LumieraVault.Rendering.SchedulerProtocol;

namespace LumieraVault.Rendering;

/// <summary>
/// The scheduler's state. It lives outside the actor, so that a restart after a fault (supervision) keeps every
/// queued and running job and the answers they owe.
/// </summary>
internal sealed class SchedulerState
{
    public readonly Dictionary<FrameKey, RenderJob> Jobs = new();
    public readonly SortedSet<RenderJob> Queue = new(JobOrder.Instance);
    public int Busy;
    public long Sequence;
    public ICancelable? DeadlineTimer;
    public DateTimeOffset TimerAt = DateTimeOffset.MaxValue;

    /// <summary>
    /// Leaders of running batches and when they started, in that order: the order their time limits come in. An entry
    /// whose leader was taken back from its run and started again is stale (another start time) and skipped.
    /// </summary>
    public readonly Queue<(RenderJob Leader, DateTimeOffset StartedAt)> Running = new();
    public bool LimitArmed;
    public ICancelable? LimitTimer;

    /// <summary>Cancellation sources of batches that finished uncancelled, reset for the next: one per job costs more than a job that does little.</summary>
    public readonly Stack<CancellationTokenSource> Cancellations = new();

    /// <summary>Requests taken from the inbox and not yet handled (a fault on one keeps the rest for after the restart).</summary>
    public PendingFrame? Draining;

    /// <summary>The request being handled, answered if the scheduler fails on it.</summary>
    public PendingFrame? Current;
}

/// <summary>
/// Runs render jobs: earliest deadline first, then the higher priority; a pool of workers; identical requests merged
/// into one job; droppable work dropped when it can no longer be ready in time; neighbouring frames of a renderer that
/// takes batches rendered together; whole groups superseded at once; a time limit per job.
/// </summary>
internal sealed class SchedulerActor : ReceiveActor
{
    /// <summary>How far into the queue the check for higher-priority work at risk looks.</summary>
    private const int ProtectLookahead = 64;

    /// <summary>
    /// Render times of spare a higher-priority job keeps before lower-priority work must yield to it: room for a renderer
    /// that takes longer than its recent average, and for the pauses of a busy machine.
    /// </summary>
    private const int GuardRenders = 3;

    /// <summary>Most batches in one run of quick jobs.</summary>
    private const int MaxRun = 64;

    private readonly RenderService _service;
    private readonly SchedulerState _s;
    private readonly SchedulerMetrics _metrics;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public SchedulerActor(RenderService service, SchedulerState state)
    {
        _service = service;
        _s = state;
        _metrics = service.Metrics;
        Receive<DrainInbox>(_ => OnDrain());
        Receive<PendingFrame>(OnRequest);
        Receive<Finished>(OnFinished);
        Receive<Committed>(OnCommitted);
        Receive<TimeLimitCheck>(_ => OnTimeLimitCheck());
        Receive<DeadlineReached>(_ => OnDeadline());
        Receive<Prefetch>(OnPrefetch);
        Receive<Supersede>(OnSupersede);
        Receive<Fault>(m => throw new InvalidOperationException(m.Why));
        Receive<GetStatistics>(m => m.Reply.TrySetResult(_metrics.Snapshot(_s.Queue.Count, _s.Busy, _service)));
    }

    public static Props Props(RenderService service, SchedulerState state) => Akka.Actor.Props.Create(() => new SchedulerActor(service, state));

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    private int Workers => _service.Settings.Workers;

    /// <summary>The doorbell: handles every request in the inbox, then gives the workers what is due.</summary>
    private void OnDrain()
    {
        _s.Draining = Append(_s.Draining, _service.Inbox.TakeAll());
        HandleDraining();
        Dispatch();
    }

    private void HandleDraining()
    {
        while (_s.Draining is { } p)
        {
            _s.Draining = p.NextInInbox;
            p.NextInInbox = null;
            _s.Current = p;
            Accept(p);
        }
        _s.Current = null;
    }

    private static PendingFrame? Append(PendingFrame? first, PendingFrame? second)
    {
        if (first is null) return second;
        var last = first;
        while (last.NextInInbox is { } next) last = next;
        last.NextInInbox = second;
        return first;
    }

    private void OnRequest(PendingFrame p)
    {
        Accept(p);
        Dispatch();
    }

    /// <summary>Takes a request in (merged, queued, or answered at once); <see cref="Dispatch"/> follows.</summary>
    private void Accept(PendingFrame p)
    {
        p.Deadline = p.Hints.Deadline ?? Now;
        var parent = p.Parent?.Leader;
        bool exists = _s.Jobs.TryGetValue(p.Key, out var job);
        if (exists && job!.State == JobState.Committing)
        {
            // Rendered, not yet durable: the frame is here; rendering it again would be wasted work.
            _metrics.Merged.Increment();
            Share(job, p, job.Result);
            return;
        }
        if (parent is not null && exists && (ReferenceEquals(job!.Leader, parent) || Reaches(job.Leader, parent)))
        {
            _metrics.Failed.Increment();
            Fail(p, null, new VaultException(VaultError.RenderCycle,
                $"Dependency cycle: {p.Parent} asks for {job}, which waits (through its dependencies) for {p.Parent} itself. Break the cycle in the renderers' dependencies."));
            return;
        }
        if (exists)
        {
            _metrics.Merged.Increment();
            bool queued = Unqueue(job!);
            job!.Requesters.Add(p);
            Requeue(job, queued);
        }
        else
        {
            job = NewJob(p.Node, p.Time, p.Key, RenderGroup.None, background: false);
            job.Requesters.Add(p);
            Recompute(job);
            Enqueue(job);
            if (p.Node.MaxBatch > 1 && p.Hints.Action is PlayAction.PlayForward or PlayAction.PlayBackward) QueueFollowing(p);
        }
        if (parent is not null)
        {
            (parent.WaitsOn ??= new()).Add(job!);
            if (parent.State == JobState.Running && parent.Run is { } run)
            {
                // The parent's renderer waits: its worker runs other jobs meanwhile (the dependency, say), or a pool of
                // one worker would wait for itself.
                run.WaitingFor++;
                p.LentWorker = true;
                ReleaseWorker(run);
            }
        }
        if (p.Droppable && p.HasDeadline && job!.State == JobState.Queued) Arm(p.Deadline);
    }

    private void OnPrefetch(Prefetch m)
    {
        if (_s.Jobs.ContainsKey(m.Key)) return;
        var job = NewJob(m.Node, m.Time, m.Key, m.Group, background: true);
        job.BaseDeadline = m.Deadline ?? DateTimeOffset.MaxValue;
        job.BaseRank = m.Rank;
        Recompute(job);
        Enqueue(job);
        Dispatch();
    }

    /// <summary>The frames after (or before, playing backward) a requested one, queued below everything else to join its batch.</summary>
    private void QueueFollowing(PendingFrame p)
    {
        long step = p.Hints.Action == PlayAction.PlayBackward ? -1 : 1;
        for (int k = 1; k < p.Node.MaxBatch; k++)
        {
            long time = p.Time + k * step;
            var key = p.Node.KeyAt(time);
            if (_s.Jobs.ContainsKey(key)) continue;
            var job = NewJob(p.Node, time, key, p.Group, background: true);
            Recompute(job);
            Enqueue(job);
        }
    }

    private RenderJob NewJob(RenderNode node, long time, FrameKey key, RenderGroup group, bool background)
    {
        var job = new RenderJob(node, time, key, ++_s.Sequence, group, background);
        _s.Jobs[key] = job;
        _metrics.Queued.Increment();
        return job;
    }

    private void Enqueue(RenderJob job) => _s.Queue.Add(job);

    // Unqueue, change the requesters, Requeue: what orders a job changes only while it is out of the sorted queue.
    // A pair of calls rather than one taking the change as a lambda: a closure costs an allocation on every request.

    /// <summary>Takes a queued job out of the queue before what orders it changes; true if it was queued.</summary>
    private bool Unqueue(RenderJob job) => job.State == JobState.Queued && _s.Queue.Remove(job);

    /// <summary>Recomputes the job's deadline and rank and puts it back in its place if <paramref name="queued"/>.</summary>
    private void Requeue(RenderJob job, bool queued)
    {
        Recompute(job);
        if (queued) _s.Queue.Add(job);
    }

    /// <summary>The earliest deadline and the highest priority of everyone waiting (and of the prefetch that made it).</summary>
    private static void Recompute(RenderJob job)
    {
        var deadline = job.BaseDeadline;
        int rank = job.BaseRank;
        foreach (var r in job.Requesters)
        {
            if (r.Deadline < deadline) deadline = r.Deadline;
            rank = Math.Max(rank, RenderJob.RankOf(r.Hints.Priority));
        }
        job.Deadline = deadline;
        job.Rank = Math.Max(rank, 0);
    }

    /// <summary>
    /// Gives free workers runs of what is due. A job whose renderer is quick (its recent render time within
    /// <c>scheduler.run-budget</c>) takes the jobs due after it along, as long as their render times fit the budget
    /// together: one thread-pool hop for the run instead of one per job. Each job of a run is picked as if it started
    /// when the ones before it are expected to be done, so late droppable work is still dropped and higher-priority
    /// work still goes first.
    /// </summary>
    private void Dispatch()
    {
        var now = Now;
        long budget = _service.Settings.RunBudget.Ticks;
        while (_s.Busy < Workers && _s.Queue.Count > 0)
        {
            var job = PickNext(now, now);
            if (job is null) break;
            var run = new RenderRun(_service, Self, budget > 0 && Quick(job, budget) ? MaxRun : 1);
            long spent = Add(run, job, now);
            while (!run.IsFull && _s.Queue.Count > 0)
            {
                var next = PickNext(now + TimeSpan.FromTicks(spent), now);
                if (next is null || !Quick(next, budget - spent)) break;
                spent += Add(run, next, now);
            }
            Start(run);
        }
        _metrics.QueueLength.Set(_s.Queue.Count);
    }

    /// <summary>Whether the job's renderer has a render time yet and it fits <paramref name="budget"/>.</summary>
    private static bool Quick(RenderJob job, long budget) => job.Node.HasEstimate && Cost(job.Node) <= budget;

    /// <summary>A frame's expected render time in ticks, at least one (a renderer that does nothing is not free).</summary>
    private static long Cost(RenderNode node) => Math.Max(node.Estimate.Ticks, 1);

    /// <summary>The job to start next if a worker starts at <paramref name="at"/>; late droppable work met on the way is dropped.</summary>
    private RenderJob? PickNext(DateTimeOffset at, DateTimeOffset now)
    {
        while (_s.Queue.Count > 0)
        {
            var head = _s.Queue.Min!;
            if (DropLate(head, at + head.Node.Estimate, now)) continue;
            return Protect(head, at) ?? head;
        }
        return null;
    }

    /// <summary>
    /// Drops the droppable requesters of a queued job that cannot be ready by their deadlines if it started now
    /// (<paramref name="ready"/> is now plus the renderer's recent render time), and the job when nobody is left.
    /// </summary>
    private bool DropLate(RenderJob job, DateTimeOffset ready, DateTimeOffset now)
    {
        if (job.Background && job.Requesters.Count == 0)
        {
            if (job.Deadline >= ready) return false;
            Remove(job);
            _metrics.Dropped.Increment();
            return true;
        }
        if (!AnyLate(job, ready)) return false;
        bool queued = Unqueue(job);
        var requesters = job.Requesters;
        int kept = 0;
        for (int i = 0; i < requesters.Count; i++)
        {
            var r = requesters[i];
            if (Late(r, ready)) Drop(job, r, now > r.Deadline ? "its deadline passed before it could start" : "it could not be ready by its deadline");
            else requesters[kept++] = r;
        }
        requesters.RemoveRange(kept, requesters.Count - kept);
        Requeue(job, queued);
        if (job.Requesters.Count == 0 && !job.Background) Remove(job);
        return true;
    }

    private static bool Late(PendingFrame r, DateTimeOffset ready) => r.Droppable && r.HasDeadline && r.Deadline < ready;

    private static bool AnyLate(RenderJob job, DateTimeOffset ready)
    {
        foreach (var r in job.Requesters)
        {
            if (Late(r, ready)) return true;
        }
        return false;
    }

    /// <summary>
    /// Under overload a lower-priority job at the head of the queue must not make higher-priority work late. Running the
    /// head takes a worker for the head's render time; the higher-priority jobs behind it (in deadline order) then share
    /// the pool. If any of them would then keep less than <see cref="GuardRenders"/> render times to spare before its
    /// deadline, the earliest higher-priority job runs now instead. The costs are the renderers' recent
    /// render times, so idle or lightly loaded it never intervenes.
    /// </summary>
    private RenderJob? Protect(RenderJob head, DateTimeOffset now)
    {
        long headCost = head.Node.Estimate.Ticks;
        if (headCost == 0 || head.Rank >= 2) return null;
        long before = 0;
        int seen = 0;
        RenderJob? first = null;
        foreach (var job in _s.Queue)
        {
            if (++seen > ProtectLookahead || job.Deadline == DateTimeOffset.MaxValue) break;
            if (job.Rank <= head.Rank) continue;
            first ??= job;
            long cost = job.Node.Estimate.Ticks;
            if (now.UtcTicks + headCost + before / Workers + cost * (1 + GuardRenders) > job.Deadline.UtcTicks) return first;
            before += cost;
        }
        return null;
    }

    /// <summary>Takes the job and its batch mates off the queue into <paramref name="run"/>; returns their expected render time in ticks.</summary>
    private long Add(RenderRun run, RenderJob leader, DateTimeOffset now)
    {
        var batch = Gather(leader);
        foreach (var job in batch)
        {
            _s.Queue.Remove(job);
            job.State = JobState.Running;
            job.Batch = batch;
            job.Run = run;
            job.Hints = job.CurrentHints;
            if (!job.CountedStart)
            {
                job.CountedStart = true;
                _metrics.Started.Increment();
            }
        }
        leader.StartedAt = now;
        if (_service.Settings.JobTimeout > TimeSpan.Zero)
        {
            _s.Running.Enqueue((leader, now));
            if (!_s.LimitArmed) ArmTimeLimit(now + _service.Settings.JobTimeout);
        }
        run.Add(batch);
        return Cost(leader.Node) * batch.Length;
    }

    /// <summary>Gives the run a worker of the pool.</summary>
    private void Start(RenderRun run)
    {
        run.HoldsWorker = true;
        _s.Busy++;
        run.Cancellation = _s.Cancellations.TryPop(out var reused) ? reused : new CancellationTokenSource();
        run.Start(run.Cancellation.Token);
    }

    /// <summary>The batches of <paramref name="run"/> it has not begun go back to the queue.</summary>
    private void TakeBack(RenderRun run)
    {
        int begun = run.TakeBack();
        if (begun >= run.Count) return;
        for (int i = begun; i < run.Count; i++)
        {
            foreach (var job in run[i])
            {
                if (job.State != JobState.Running || !ReferenceEquals(job.Run, run)) continue;
                job.State = JobState.Queued;
                job.Batch = null;
                job.Run = null;
                _s.Queue.Add(job);
            }
        }
        run.Outstanding -= run.Count - begun;
        if (run.Outstanding == 0) EndRun(run);
    }

    /// <summary>Every batch of the run is finished or taken back: its worker goes back to the pool.</summary>
    private void EndRun(RenderRun run)
    {
        ReleaseWorker(run);
        if (run.Cancellation is { } cancellation)
        {
            run.Cancellation = null;
            // Not after a time-out (cancelled): TryReset refuses, and the source goes.
            if (_s.Cancellations.Count < 4 * Workers && cancellation.TryReset()) _s.Cancellations.Push(cancellation);
            else cancellation.Dispose();
        }
    }

    /// <summary>The job and the queued jobs of the same renderer at the neighbouring times, in time order, up to a batch.</summary>
    private RenderJob[] Gather(RenderJob leader)
    {
        int max = leader.Node.MaxBatch;
        if (max == 1) return [leader];
        var mates = new List<RenderJob>(max) { leader };
        foreach (long step in (ReadOnlySpan<long>)[1, -1])
        {
            for (long time = leader.Time + step; mates.Count < max; time += step)
            {
                if (!_s.Jobs.TryGetValue(leader.Node.KeyAt(time), out var job) || job.State != JobState.Queued || job.Node != leader.Node) break;
                mates.Add(job);
            }
        }
        // The leader stays first: it leads the batch (its time limit, its worker).
        mates.Sort(1, mates.Count - 1, Comparer<RenderJob>.Create((a, b) => a.Time.CompareTo(b.Time)));
        return mates.ToArray();
    }

    private void OnFinished(Finished f)
    {
        var leader = f.Leader;
        if (--f.Run.Outstanding == 0) EndRun(f.Run);
        if (f.Rendered > 0)
        {
            var perFrame = f.RenderTime / f.Rendered;
            leader.Node.Record(perFrame, f.Rendered);
            _metrics.RecordRenderTime(perFrame.TotalMilliseconds, leader.Node.Tag);
        }
        var batch = leader.Batch!;
        for (int i = 0; i < batch.Length; i++)
        {
            var job = batch[i];
            var frame = f.Frames[i];
            if (job.State != JobState.Running)
            {
                frame.Dispose(); // timed out or stopped: answered already; the frame is in the store for the next request
                continue;
            }
            if (f.Error is not null)
            {
                Complete(job);
                _metrics.Failed.Increment();
                FailAll(job, f.Error);
            }
            else if (f.Committing)
            {
                // Kept in flight until the commit is done, so that a request meanwhile merges instead of rendering again.
                job.State = JobState.Committing;
                Deliver(job, frame, keep: true);
            }
            else
            {
                Complete(job);
                Deliver(job, frame, keep: false);
            }
        }
        if (f.Error is not null) _log.Warning("Render of {0} failed: {1}", leader, f.Error.Message);
        Dispatch();
    }

    private void OnCommitted(Committed c)
    {
        if (c.Error is not null)
        {
            _metrics.CommitsFailed.Increment();
            _log.Warning("Committing the frames of {0} failed; they are not cached (frames handed out stay valid): {1}", c.Leader, c.Error.Message);
        }
        foreach (var job in c.Leader.Batch!)
        {
            if (job.State != JobState.Committing) continue;
            Complete(job);
            job.Result.Dispose();
            job.Result = default;
        }
    }

    /// <summary>
    /// One timer for all time limits, armed for the batch that started first (every batch has the same limit), rather
    /// than one per job: a timer costs more than a render that does little.
    /// </summary>
    private void ArmTimeLimit(DateTimeOffset at)
    {
        _s.LimitArmed = true;
        var delay = at - Now;
        _s.LimitTimer = Context.System.Scheduler.ScheduleTellOnceCancelable(
            (delay < TimeSpan.Zero ? TimeSpan.Zero : delay) + TimeSpan.FromTicks(1), Self, TimeLimitCheck.Instance, Self);
    }

    private void OnTimeLimitCheck()
    {
        _s.LimitArmed = false;
        var now = Now;
        var limit = _service.Settings.JobTimeout;
        while (_s.Running.TryPeek(out var entry))
        {
            var (leader, startedAt) = entry;
            if (leader.State != JobState.Running || leader.StartedAt != startedAt || !ReferenceEquals(leader.Leader, leader))
            {
                _s.Running.Dequeue();
                continue;
            }
            if (startedAt + limit > now)
            {
                ArmTimeLimit(startedAt + limit);
                break;
            }
            _s.Running.Dequeue();
            TimeOut(leader);
        }
        Dispatch();
    }

    private void TimeOut(RenderJob leader)
    {
        _metrics.TimedOut.Increment();
        var limit = _service.Settings.JobTimeout;
        _log.Warning("Renderer '{0}' ran past the time limit of {1} on {2}; abandoned, its worker replaced", leader.Node.Id, limit, leader);
        foreach (var job in leader.Batch!)
        {
            if (job.State != JobState.Running) continue;
            Complete(job);
            FailAll(job, new VaultException(VaultError.RenderTimedOut,
                $"Renderer '{job.Node.Id}' took longer than the job time limit ({limit.TotalMilliseconds:0} ms, lumiera.vault.scheduler.job-timeout) on the frame at time {job.Time}; it was abandoned."));
        }
        // Its place in the pool goes to a new worker now; the abandoned render keeps its store slot until it returns.
        // The batches of its run not yet begun wait in the queue again.
        var run = leader.Run!;
        TakeBack(run);
        ReleaseWorker(run);
        run.Cancellation?.Cancel();
    }

    private void OnDeadline()
    {
        _s.TimerAt = DateTimeOffset.MaxValue;
        _s.DeadlineTimer = null;
        var now = Now;
        List<RenderJob>? due = null;
        foreach (var job in _s.Queue)
        {
            if (job.Deadline > now) break;
            (due ??= new()).Add(job);
        }
        if (due is not null)
        {
            foreach (var job in due) DropLate(job, now, now);
        }
        foreach (var job in _s.Queue)
        {
            foreach (var r in job.Requesters)
            {
                if (r.Droppable && r.HasDeadline) Arm(r.Deadline);
            }
            if (_s.TimerAt != DateTimeOffset.MaxValue) break;
        }
        Dispatch();
    }

    /// <summary>Makes sure a timer fires by <paramref name="deadline"/>, to drop queued droppable work that is still waiting then.</summary>
    private void Arm(DateTimeOffset deadline)
    {
        if (deadline >= _s.TimerAt) return;
        _s.DeadlineTimer?.Cancel();
        _s.TimerAt = deadline;
        var delay = deadline - Now;
        // A tick past the deadline: a deadline is met up to and including its instant.
        _s.DeadlineTimer = Context.System.Scheduler.ScheduleTellOnceCancelable(
            (delay < TimeSpan.Zero ? TimeSpan.Zero : delay) + TimeSpan.FromTicks(1), Self, DeadlineReached.Instance, Self);
    }

    private void OnSupersede(Supersede m)
    {
        foreach (var job in _s.Jobs.Values.ToList())
        {
            bool queued = Unqueue(job);
            job.Requesters.RemoveAll(r =>
            {
                if (r.Group != m.Group) return false;
                Drop(job, r, $"superseded ({m.Group})");
                return true;
            });
            Requeue(job, queued);
            if (job.State == JobState.Queued && job.Requesters.Count == 0 && (!job.Background || job.Group == m.Group)) Remove(job);
        }
        Dispatch();
    }

    /// <summary>Answers the job's requesters with the frame; <paramref name="keep"/>: the job keeps the frame for later requesters (each gets a share).</summary>
    private void Deliver(RenderJob job, Frame frame, bool keep)
    {
        var now = Now;
        bool late = false;
        PendingFrame? last = null;
        foreach (var r in job.Requesters)
        {
            if (r.HasDeadline && (now > r.Deadline || (r.Droppable && now + _service.Settings.DeliveryMargin > r.Deadline)))
            {
                if (r.Droppable)
                {
                    Drop(job, r, "it was ready only after its deadline");
                    continue;
                }
                late = true;
            }
            if (last is not null) Share(job, last, frame);
            last = r;
        }
        if (keep)
        {
            if (last is not null) Share(job, last, frame);
            job.Result = frame;
        }
        else if (last is null) frame.Dispose();
        else Answer(last, job, frame);
        job.Requesters.Clear();
        if (late) _metrics.Late.Increment();
    }

    private void Share(RenderJob job, PendingFrame r, Frame frame)
    {
        if (frame.TryShare(out var copy)) Answer(r, job, copy);
        else Fail(r, job, VaultErrors.Changed(frame.File.Path, "the render store's file was retired while the frame was handed out"));
    }

    private void FailAll(RenderJob job, Exception error)
    {
        foreach (var r in job.Requesters) Fail(r, job, error);
        job.Requesters.Clear();
    }

    private void Drop(RenderJob job, PendingFrame r, string reason)
    {
        _metrics.Dropped.Increment();
        Fail(r, job, new FrameDroppedException($"the frame of '{job.Node.Id}' at time {job.Time} was not rendered: {reason}."));
    }

    private void Answer(PendingFrame r, RenderJob job, Frame frame)
    {
        Settle(r, job);
        _metrics.ReadyTime(r.RequestedAt);
        if (!r.TrySetResult(frame)) frame.Dispose();
    }

    private void Fail(PendingFrame r, RenderJob? job, Exception error)
    {
        Settle(r, job);
        r.TrySetException(error);
    }

    /// <summary>What answering a request changes besides its completion: the facade forgets it, and a parent waiting for it as a dependency takes its worker back.</summary>
    private void Settle(PendingFrame r, RenderJob? job)
    {
        _service.Forget(r);
        if (r.Parent?.Leader is not { } parent) return;
        if (job is not null) parent.WaitsOn?.Remove(job);
        if (!r.LentWorker) return;
        r.LentWorker = false;
        if (parent.Run is not { } run) return;
        if (--run.WaitingFor == 0 && parent.State == JobState.Running && !run.HoldsWorker && run.Outstanding > 0)
        {
            run.HoldsWorker = true;
            _s.Busy++;
        }
    }

    private void Complete(RenderJob job)
    {
        job.State = JobState.Done;
        if (_s.Jobs.TryGetValue(job.Key, out var current) && ReferenceEquals(current, job)) _s.Jobs.Remove(job.Key);
    }

    private void Remove(RenderJob job)
    {
        _s.Queue.Remove(job);
        Complete(job);
    }

    private void ReleaseWorker(RenderRun run)
    {
        if (!run.HoldsWorker) return;
        run.HoldsWorker = false;
        _s.Busy--;
    }

    /// <summary>Whether <paramref name="from"/> waits, through the wait-for graph of running jobs, for <paramref name="to"/>.</summary>
    private static bool Reaches(RenderJob from, RenderJob to)
    {
        var seen = new HashSet<RenderJob>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<RenderJob>();
        stack.Push(from);
        while (stack.Count > 0)
        {
            var unit = stack.Pop();
            if (!seen.Add(unit) || unit.WaitsOn is null) continue;
            foreach (var next in unit.WaitsOn)
            {
                if (next.State >= JobState.Committing) continue;
                var leader = next.Leader;
                if (ReferenceEquals(leader, to)) return true;
                stack.Push(leader);
            }
        }
        return false;
    }

    protected override void PreRestart(Exception reason, object message)
    {
        // The state outlives the restart; only the message that failed is answered, and the children are kept.
        _log.Warning("Scheduler failed on {0}; restarting with its queue kept", message.GetType().Name);
        var failed = message as PendingFrame ?? (message is DrainInbox ? _s.Current : null);
        _s.Current = null;
        if (failed is not null)
        {
            foreach (var job in _s.Jobs.Values) job.Requesters.Remove(failed);
            Fail(failed, null, new VaultException(VaultError.IoError, $"The render scheduler failed on this request: {reason.Message}", reason));
        }
    }

    protected override void PostRestart(Exception reason)
    {
        // A fault between taking a job off the queue and starting it must not lose the job.
        foreach (var job in _s.Jobs.Values)
        {
            if (job.State == JobState.Queued) _s.Queue.Add(job);
        }
        // The requests taken from the inbox with the one that failed.
        HandleDraining();
        Dispatch();
    }

    protected override void PostStop()
    {
        _s.DeadlineTimer?.Cancel();
        _s.LimitTimer?.Cancel();
        _s.Running.Clear();
        foreach (var job in _s.Jobs.Values.ToList())
        {
            if (job.State == JobState.Committing) job.Result.Dispose();
            job.State = JobState.Done;
            job.Run?.Cancellation?.Cancel();
            FailAll(job, VaultErrors.Stopped());
        }
        _s.Jobs.Clear();
        _s.Queue.Clear();
        // Requests not yet taken in: answered too (the service fails what is left when the system stops).
        var waiting = Append(_s.Draining, _service.Inbox.TakeAll());
        _s.Draining = _s.Current = null;
        while (waiting is { } p)
        {
            waiting = p.NextInInbox;
            p.NextInInbox = null;
            Fail(p, null, VaultErrors.Stopped());
        }
    }
}
