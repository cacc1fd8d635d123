using LumieraVault.Frames;

namespace LumieraVault.Cluster.Rendering;

/// <summary>
/// Marks the messages render farm nodes send each other. They are bound to <see cref="RenderFarmSerializer"/> in the
/// embedded reference configuration, so none of them ever goes through the polymorphic JSON serializer.
/// </summary>
public interface IRenderFarmMessage;

/// <summary>
/// A node's offer: the renderers it has registered and how many jobs it renders at once. A node sends it to every
/// render node it sees come up (<see cref="Reply"/> false) and answers one with its own (<see cref="Reply"/> true);
/// it sends it again, as a reply, when it registers another renderer.
/// </summary>
internal sealed record Hello(IReadOnlyList<string> Renderers, int Workers, bool Reply) : IRenderFarmMessage;

/// <summary>A job handed to a node: render (or read from its store) the frame of a renderer at a time.</summary>
/// <param name="JobId">The requester's id of the job.</param>
/// <param name="Attempt">The attempt's number (1 for the first), echoed by the answer; a late answer to an older attempt still counts.</param>
/// <param name="RendererId">The renderer.</param>
/// <param name="Time">The frame's time.</param>
/// <param name="DeadlineUtcTicks">When the frame is needed, UTC ticks; 0 for none.</param>
/// <param name="Droppable">Whether the frame may be dropped when it cannot be ready in time.</param>
/// <param name="Priority">The request's priority.</param>
internal sealed record RenderRequest(long JobId, int Attempt, string RendererId, long Time, long DeadlineUtcTicks, bool Droppable, FramePriority Priority)
    : IRenderFarmMessage
{
    /// <summary>The hints the serving node passes to its own scheduler.</summary>
    public FrameHints Hints => new(DeadlineUtcTicks == 0 ? null : new DateTimeOffset(DeadlineUtcTicks, TimeSpan.Zero), Droppable, Priority);
}

/// <summary>A rendered frame's bytes, the answer to <see cref="RenderRequest"/>.</summary>
internal sealed record RenderResult(long JobId, int Attempt, byte[] Bytes) : IRenderFarmMessage;

/// <summary>A job the node could not render: the error and its message, as the node's scheduler answered them.</summary>
internal sealed record RenderRefused(long JobId, int Attempt, VaultError Error, string Message) : IRenderFarmMessage;
