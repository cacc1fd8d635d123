using System.Diagnostics;
using LumieraVault.Frames;

namespace LumieraVault.Rendering;

/// <summary>Where a job is in its life; only the scheduler actor changes it.</summary>
internal enum JobState : byte
{
    Queued,
    Running,
    /// <summary>Rendered and answered; its frames are being committed. A request for it meanwhile gets the frame it holds.</summary>
    Committing,
    /// <summary>Answered (rendered, failed, dropped, timed out or superseded); a task still running for it is ignored.</summary>
    Done,
}

/// <summary>
/// One request for a rendered frame, from the caller's thread to the scheduler: it is the message and the answer's
/// completion in one object. <see cref="Parent"/> is the job whose renderer asked for it as a dependency.
/// </summary>
internal sealed class PendingFrame(RenderNode node, long time, FrameKey key, FrameHints hints, RenderGroup group, RenderJob? parent)
    : TaskCompletionSource<Frame>(TaskCreationOptions.RunContinuationsAsynchronously), ILocalMessage
{
    public readonly RenderNode Node = node;
    public readonly long Time = time;
    public readonly FrameKey Key = key;
    public readonly FrameHints Hints = hints;
    public readonly RenderGroup Group = group;
    public readonly RenderJob? Parent = parent;
    public readonly long RequestedAt = Stopwatch.GetTimestamp();

    /// <summary>The deadline the scheduler orders by: the hint's, or the time the request arrived (wanted now).</summary>
    public DateTimeOffset Deadline;

    /// <summary>Whether this request took its parent's worker while it waits (given back when it is answered).</summary>
    public bool LentWorker;

    /// <summary>The next request in the scheduler's inbox (pushed by callers, drained by the scheduler).</summary>
    public PendingFrame? NextInInbox;

    /// <summary>Links of the service's list of unanswered requests; only under its lock.</summary>
    public PendingFrame? PreviousInFlight, NextInFlight;

    public bool InFlight;

    public bool Droppable => Hints.Droppable;

    public bool HasDeadline => Hints.Deadline.HasValue;
}

/// <summary>
/// A frame to render and everyone waiting for it (identical requests merge into one job). Owned by the scheduler
/// actor; the worker that runs it reads only the fields fixed at creation.
/// </summary>
internal sealed class RenderJob(RenderNode node, long time, FrameKey key, long sequence, RenderGroup group, bool background)
{
    public readonly RenderNode Node = node;
    public readonly long Time = time;
    public readonly FrameKey Key = key;
    public readonly long Sequence = sequence;
    public readonly List<PendingFrame> Requesters = new(1);

    /// <summary>The group a background job (prefetch, a following frame) was made for; superseding it removes the job.</summary>
    public readonly RenderGroup Group = group;

    /// <summary>Made by a prefetch or as a following frame: kept queued without requesters.</summary>
    public readonly bool Background = background;

    public JobState State;
    public DateTimeOffset Deadline = DateTimeOffset.MaxValue;
    public int Rank;

    /// <summary>The deadline and rank of a prefetch (none and background for a following frame), below its requesters'.</summary>
    public DateTimeOffset BaseDeadline = DateTimeOffset.MaxValue;
    public int BaseRank;

    /// <summary>The batch it runs in (itself alone when not batched); the first job of the batch leads it.</summary>
    public RenderJob[]? Batch;

    /// <summary>The run of batches it was given to a worker in (while running).</summary>
    public RenderRun? Run;

    /// <summary>Whether the job was counted as started: a job taken back from a run and started again counts once.</summary>
    public bool CountedStart;

    /// <summary>Jobs this batch's renderer waits for (edges of the wait-for graph the cycle check walks).</summary>
    public List<RenderJob>? WaitsOn;

    /// <summary>While <see cref="JobState.Committing"/>: a readonly frame of the rendered bytes, shared with later requesters.</summary>
    public Frame Result;

    public DateTimeOffset StartedAt;

    public RenderJob Leader => Batch is { } batch ? batch[0] : this;

    /// <summary>Droppable when every requester is (a background job without requesters is).</summary>
    public bool Droppable
    {
        get
        {
            foreach (var r in Requesters)
            {
                if (!r.Droppable) return false;
            }
            return true;
        }
    }

    /// <summary>Background 0, just in time 1, as soon as possible 2: higher runs first when deadlines tie.</summary>
    public static int RankOf(FramePriority priority) => priority switch
    {
        FramePriority.Background => 0,
        FramePriority.JustInTime => 1,
        _ => 2,
    };

    public static FramePriority PriorityOf(int rank) => rank switch
    {
        0 => FramePriority.Background,
        1 => FramePriority.JustInTime,
        _ => FramePriority.AsSoonAsPossible,
    };

    /// <summary>
    /// The job's deadline and priority as they were when it started, for the worker's thread (the store's hints, the
    /// hints of its dependencies): the actor may still raise the live fields while it runs.
    /// </summary>
    public FrameHints Hints;

    public FrameHints CurrentHints => new(Deadline == DateTimeOffset.MaxValue ? null : Deadline, false, PriorityOf(Rank), PlayAction.Unspecified);

    public override string ToString() => $"{Node.Id}@{Time} ({Key})";
}

/// <summary>Orders the queue: earliest deadline first, then higher priority, then first come.</summary>
internal sealed class JobOrder : IComparer<RenderJob>
{
    public static readonly JobOrder Instance = new();

    public int Compare(RenderJob? x, RenderJob? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        int c = x!.Deadline.UtcTicks.CompareTo(y!.Deadline.UtcTicks);
        if (c != 0) return c;
        c = y.Rank.CompareTo(x.Rank);
        return c != 0 ? c : x.Sequence.CompareTo(y.Sequence);
    }
}
