using System.Diagnostics;
using Akka.Actor;
using LumieraVault.Frames;

namespace LumieraVault.Rendering;

/// <summary>
/// What a worker does with one batch, off the scheduler's thread: look each frame up in the store, reserve places
/// for the missing ones, call the renderer, tell the scheduler, exactly once, what came of it (readonly frames of the
/// rendered bytes, before they are durable), then commit the rendered frames and tell it <see cref="SchedulerProtocol.Committed"/>.
/// </summary>
internal sealed class RenderWorker(RenderService service, IActorRef scheduler, RenderJob[] batch, CancellationToken cancellation)
    : IThreadPoolWorkItem
{
    public static void Start(RenderService service, IActorRef scheduler, RenderJob[] batch, CancellationToken cancellation)
        => ThreadPool.UnsafeQueueUserWorkItem(new RenderWorker(service, scheduler, batch, cancellation), preferLocal: true);

    public void Execute() => _ = RunAsync();

    private async Task RunAsync()
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
                    if (rendered == 1) await renderer.RenderAsync(only ?? contexts![0], cancellation).ConfigureAwait(false);
                    else await renderer.RenderBatchAsync(contexts!, cancellation).ConfigureAwait(false);
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
            scheduler.Tell(new SchedulerProtocol.Finished(batch[0], frames, null, renderTime, rendered, committing is not null));
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
            scheduler.Tell(new SchedulerProtocol.Finished(batch[0], new Frame[batch.Length], Failure(e, rendering), renderTime, 0, false));
            return;
        }
        if (committing is not null) await CommitAsync(committing, slots).ConfigureAwait(false);
    }

    /// <summary>Commits the batch's slots together (their index records share one fsync) and tells the scheduler, which holds the jobs until then.</summary>
    private async Task CommitAsync(IRenderStore store, StoreSlot[] slots)
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
    private Exception Failure(Exception e, bool rendering)
    {
        var job = batch[0];
        if (!rendering && e is VaultException) return e;
        if (rendering && e is VaultException { Error: VaultError.RenderCycle or VaultError.RenderFailed or VaultError.RenderTimedOut } v)
            return new VaultException(v.Error, $"Rendering {job} failed: a frame it depends on failed: {v.Message}", v);
        return new VaultException(VaultError.RenderFailed, $"Renderer '{job.Node.Id}' failed on the frame at time {job.Time}: {e.GetType().Name}: {e.Message}", e);
    }
}
