namespace LumieraVault.Frames;

/// <summary>What the caller is doing when it asks for a frame.</summary>
public enum PlayAction : byte
{
    /// <summary>Nothing in particular is known.</summary>
    Unspecified,
    /// <summary>Playing forward at <see cref="FrameHints.Speed"/>.</summary>
    PlayForward,
    /// <summary>Playing backward at <see cref="FrameHints.Speed"/>.</summary>
    PlayBackward,
    /// <summary>Jumping around the timeline by hand.</summary>
    Scrub,
    /// <summary>Rendering a frame that another frame depends on.</summary>
    RenderDependency,
}

/// <summary>How urgent a request is.</summary>
public enum FramePriority : byte
{
    /// <summary>Needed by its deadline, not before (prefetch and look-ahead work).</summary>
    JustInTime,
    /// <summary>Needed as soon as possible (the frame on screen now).</summary>
    AsSoonAsPossible,
    /// <summary>
    /// Wanted only if there is nothing else to do (prefetch of frames that may be asked for later); below
    /// <see cref="JustInTime"/>. A real request for the same frame raises it to its own priority.
    /// </summary>
    Background,
}

/// <summary>
/// The hints every frame request carries: when the frame is needed, whether it may be dropped if it
/// cannot be ready in time, how urgent it is and what the caller is doing.
/// </summary>
/// <param name="Deadline">When the frame is needed; null means the configured default wait.</param>
/// <param name="Droppable">Whether the request may be answered "dropped" rather than waited for past its deadline.</param>
/// <param name="Priority">How urgent the request is.</param>
/// <param name="Action">What the caller is doing.</param>
/// <param name="Speed">Playback speed as a multiple of the frame rate (1 is real time).</param>
public readonly record struct FrameHints(
    DateTimeOffset? Deadline = null,
    bool Droppable = false,
    FramePriority Priority = FramePriority.AsSoonAsPossible,
    PlayAction Action = PlayAction.Unspecified,
    float Speed = 1f)
{
    /// <summary>No deadline, not droppable, as soon as possible.</summary>
    public static FrameHints None => default;

    /// <summary>Hints for a frame of playback that may be dropped if it is not ready by <paramref name="deadline"/>.</summary>
    public static FrameHints Playback(DateTimeOffset deadline, bool forward = true, float speed = 1f)
        => new(deadline, true, FramePriority.JustInTime, forward ? PlayAction.PlayForward : PlayAction.PlayBackward, speed);
}
