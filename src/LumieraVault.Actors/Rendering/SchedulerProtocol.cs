using LumieraVault.Frames;

namespace LumieraVault.Rendering;

/// <summary>The scheduler actor's messages besides <see cref="PendingFrame"/> (a request is its own message).</summary>
internal static class SchedulerProtocol
{
    /// <summary>Render a frame nobody waits for yet (prefetch), at the given deadline and rank.</summary>
    public sealed record Prefetch(RenderNode Node, long Time, FrameKey Key, DateTimeOffset? Deadline, int Rank, RenderGroup Group) : ILocalMessage;

    /// <summary>Answer every waiting request of the group "dropped" and forget its queued work.</summary>
    public sealed record Supersede(RenderGroup Group) : ILocalMessage;

    /// <summary>
    /// A worker ran a batch: the frames (default where a frame has none), or what went wrong. <paramref name="Committing"/>:
    /// rendered frames are being committed; the jobs stay in flight (merging requests) until <see cref="Committed"/>.
    /// </summary>
    public sealed record Finished(RenderRun Run, RenderJob Leader, Frame[] Frames, Exception? Error, TimeSpan RenderTime, int Rendered, bool Committing) : ILocalMessage;

    /// <summary>The batch's rendered frames are committed (durable and indexed), or the commit failed and nothing was indexed.</summary>
    public sealed record Committed(RenderJob Leader, Exception? Error) : ILocalMessage;

    /// <summary>The doorbell: requests wait in the render service's inbox.</summary>
    public sealed class DrainInbox : ILocalMessage
    {
        public static readonly DrainInbox Instance = new();
    }

    /// <summary>The time limit of the batch that started first has come.</summary>
    public sealed class TimeLimitCheck : ILocalMessage
    {
        public static readonly TimeLimitCheck Instance = new();
    }

    /// <summary>The earliest deadline of a droppable request in the queue has come.</summary>
    public sealed class DeadlineReached : ILocalMessage
    {
        public static readonly DeadlineReached Instance = new();
    }

    /// <summary>Makes the scheduler throw (fault injection: the specs of supervision use it).</summary>
    public sealed record Fault(string Why) : ILocalMessage;

    /// <summary>Asks for a statistics snapshot.</summary>
    public sealed record GetStatistics(TaskCompletionSource<Statistics.SchedulerStatistics> Reply) : ILocalMessage;
}
