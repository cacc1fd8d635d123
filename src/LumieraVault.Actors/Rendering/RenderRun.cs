using System.Diagnostics;
using Akka.Actor;
using LumieraVault.Frames;

namespace LumieraVault.Rendering;

/// <summary>
/// What a worker does with a run of batches, off the scheduler's thread, one batch after the other: look each frame
/// up in the store, reserve places for the missing ones, call the renderer, tell the scheduler, exactly once per batch,
/// what came of it (readonly frames of the rendered bytes, before they are durable), then commit the rendered frames
/// and tell it <see cref="SchedulerProtocol.Committed"/>. A run holds one worker of the pool; quick jobs run several to
/// a run (up to <c>scheduler.run-budget</c> of their recent render times), so that they do not cost a thread-pool hop
/// each. The scheduler may take back the batches not yet begun (<see cref="TakeBack"/>).
/// </summary>
internal sealed class RenderRun(RenderService service, IActorRef scheduler, int capacity) : IThreadPoolWorkItem
{
    /// <summary>Set by <see cref="TakeBack"/>: above any count of batches, so that no further batch is claimed.</summary>
    private const int Closed = int.MaxValue / 2;

    private readonly RenderJob[][] _batches = new RenderJob[capacity][];
    private CancellationToken _cancellation;

    // Batches claimed by the worker (the next one to run); Closed once taken back.
    private int _next;

    /// <summary>Batches in the run.</summary>
    public int Count { get; private set; }

    // Owned by the scheduler actor:

    /// <summary>Whether the run counts against the worker pool now.</summary>
    public bool HoldsWorker;

    /// <summary>Dependencies asked for by its renderers and not yet answered; the worker is lent out while there are any.</summary>
    public int WaitingFor;

    /// <summary>Batches whose <see cref="SchedulerProtocol.Finished"/> has not come and that were not taken back.</summary>
    public int Outstanding;

    public CancellationTokenSource? Cancellation;

    public RenderJob[] this[int index] => _batches[index];

    public bool IsFull => Count == _batches.Length;

    /// <summary>Adds a batch (the scheduler, before <see cref="Start"/>).</summary>
    public void Add(RenderJob[] batch) => _batches[Count++] = batch;

    /// <summary>Hands the run to the thread pool, on the local queue of the scheduler's thread.</summary>
    public void Start(CancellationToken cancellation)
    {
        _cancellation = cancellation;
        Outstanding = Count;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
    }

    /// <summary>
    /// Stops the run: the batches it has not begun are the scheduler's again. Returns how many it has begun (the
    /// batches from there on were not claimed and never will be).
    /// </summary>
    public int TakeBack() => Math.Min(Interlocked.Exchange(ref _next, Closed), Count);

    public void Execute() => _ = RunAllAsync();

    private async Task RunAllAsync()
    {
        while (true)
        {
            int i = Interlocked.Increment(ref _next) - 1;
            if (i >= Count) return;
            var batch = _batches[i];
            var run = RunAsync(batch);
            if (!run.IsCompletedSuccessfully) await run.ConfigureAwait(false);
        }
    }

    private async ValueTask RunAsync(RenderJob[] batch)
    {
        var frames = new Frame[batch.Length];
        var slots = new StoreSlot[batch.Length];
        // Most jobs are batches of one: their one context needs no list.
        RenderContext? only = null;
        var contexts = batch.Length > 1 ? new List<RenderContext>(batch.Length) : null;
        int rendered = 0;
        bool rendering = false;
        TimeSpan renderTime = TimeSpan.Zero;
        IRenderStore? committing = null;
        try
        {
            var store = await service.StoreAsync().ConfigureAwait(false);
            for (int i = 0; i < batch.Length; i++)
            {
                if (await store.TryGetAsync(batch[i].Key, batch[i].Hints).ConfigureAwait(false) is { } cached) frames[i] = cached;
            }
            for (int i = 0; i < batch.Length; i++)
            {
                if (frames[i].IsValid) continue;
                var job = batch[i];
                int length = LengthOf(job);
                slots[i] = await store.ReserveAsync(job.Key, length, job.Hints).ConfigureAwait(false);
                var context = new RenderContext(service, job, slots[i].Frame);
                if (contexts is null) only = context;
                else contexts.Add(context);
                rendered++;
            }
            if (rendered > 0)
            {
                var renderer = batch[0].Node.Renderer;
                long started = Stopwatch.GetTimestamp();
                rendering = true;
                try
                {
                    if (rendered == 1) await renderer.RenderAsync(only ?? contexts![0], _cancellation).ConfigureAwait(false);
                    else await renderer.RenderBatchAsync(contexts!, _cancellation).ConfigureAwait(false);
                }
                finally
                {
                    only?.Close();
                    if (contexts is not null)
                    {
                        foreach (var context in contexts) context.Close();
                    }
                }
                rendering = false;
                renderTime = Stopwatch.GetElapsedTime(started);
                // The requesters need not wait for the two fsyncs of a commit: they get the bytes now, and the frame
                // counts as cached (found by lookups, kept over a restart) once the commit is done.
                if (store.CommitsAtOnce)
                {
                    for (int i = 0; i < batch.Length; i++)
                    {
                        if (slots[i].Frame.IsValid) frames[i] = await store.CommitAsync(Take(ref slots[i])).ConfigureAwait(false);
                    }
                }
                else
                {
                    for (int i = 0; i < batch.Length; i++)
                    {
                        if (slots[i].Frame.IsValid) frames[i] = await store.ShareAsync(slots[i]).ConfigureAwait(false);
                    }
                    committing = store;
                    service.CommitStarted();
                }
            }
            scheduler.Tell(new SchedulerProtocol.Finished(this, batch[0], frames, null, renderTime, rendered, committing is not null));
        }
        catch (Exception e)
        {
            // Frames first: a slot's room may be reused once abandoned.
            foreach (var frame in frames) frame.Dispose();
            if (service.TryGetStore(out var store))
            {
                foreach (var slot in slots)
                {
                    if (slot.Frame.IsValid) store.Abandon(slot);
                }
            }
            scheduler.Tell(new SchedulerProtocol.Finished(this, batch[0], new Frame[batch.Length], Failure(batch, e, rendering), renderTime, 0, false));
            return;
        }
        if (committing is not null) _ = CommitAsync(committing, batch, slots);
    }

    /// <summary>Commits the batch's slots together (their index records share one fsync) and tells the scheduler, which holds the jobs until then.</summary>
    private async Task CommitAsync(IRenderStore store, RenderJob[] batch, StoreSlot[] slots)
    {
        var commits = new List<Task<Frame>>(slots.Length);
        foreach (var slot in slots)
        {
            if (slot.Frame.IsValid) commits.Add(store.CommitAsync(slot).AsTask());
        }
        Exception? failure = null;
        foreach (var commit in commits)
        {
            try
            {
                (await commit.ConfigureAwait(false)).Dispose();
            }
            catch (Exception e)
            {
                failure ??= e;
            }
        }
        service.CommitEnded();
        scheduler.Tell(new SchedulerProtocol.Committed(batch[0], failure));
    }

    private static StoreSlot Take(ref StoreSlot slot)
    {
        var taken = slot;
        slot = default;
        return taken;
    }

    private static int LengthOf(RenderJob job)
    {
        int length = job.Node.Renderer.FrameLength(job.Time);
        if (length <= 0)
            throw new VaultException(VaultError.InvalidArgument, $"Renderer '{job.Node.Id}' gave a frame length of {length} for time {job.Time}; a frame needs at least one byte.");
        return length;
    }

    /// <summary>A store's or vault's own failure keeps its name; anything a renderer threw is <see cref="VaultError.RenderFailed"/>.</summary>
    private Exception Failure(RenderJob[] batch, Exception e, bool rendering)
    {
        var job = batch[0];
        // A file closed under the render by the stop is the stop.
        if (service.Stopping && e is not VaultException { Error: VaultError.RenderFailed or VaultError.RenderCycle or VaultError.RenderTimedOut }) return VaultErrors.Stopped();
        if (!rendering && e is VaultException) return e;
        if (rendering && e is VaultException { Error: VaultError.RenderCycle or VaultError.RenderFailed or VaultError.RenderTimedOut } v)
            return new VaultException(v.Error, $"Rendering {job} failed: a frame it depends on failed: {v.Message}", v);
        return new VaultException(VaultError.RenderFailed, $"Renderer '{job.Node.Id}' failed on the frame at time {job.Time}: {e.GetType().Name}: {e.Message}", e);
    }
}
