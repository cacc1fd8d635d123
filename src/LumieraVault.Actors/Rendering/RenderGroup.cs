namespace LumieraVault.Rendering;

/// <summary>
/// Names a set of related requests (the frames of one playback run, say) so that they can be superseded at once
/// (<see cref="RenderService.Supersede"/>), after a seek for instance. <see cref="None"/> belongs to no group.
/// </summary>
public readonly record struct RenderGroup(long Id)
{
    private static long s_last;

    /// <summary>No group: the request is never superseded.</summary>
    public static RenderGroup None => default;

    /// <summary>A group no other <see cref="New"/> in this process returns.</summary>
    public static RenderGroup New() => new(Interlocked.Increment(ref s_last));

    /// <inheritdoc />
    public override string ToString() => Id == 0 ? "no group" : $"group {Id}";
}
