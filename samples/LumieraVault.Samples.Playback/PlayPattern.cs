using LumieraVault.Frames;

namespace LumieraVault.Samples.Playback;

/// <summary>One part of a pattern of play: how the play head moves for a number of frames shown.</summary>
/// <param name="Name">The name on the command line (forward, backward, 2x, 4x, scrub).</param>
/// <param name="Step">Clip frames the play head moves per frame shown (negative: backward); 0 for a scrub, which jumps.</param>
internal sealed record PlaySegment(string Name, int Step)
{
    /// <summary>The segments of a pattern, by name.</summary>
    public static readonly IReadOnlyDictionary<string, PlaySegment> Known = new Dictionary<string, PlaySegment>(StringComparer.OrdinalIgnoreCase)
    {
        ["forward"] = new("forward", 1),
        ["backward"] = new("backward", -1),
        ["2x"] = new("2x", 2),
        ["4x"] = new("4x", 4),
        ["-2x"] = new("-2x", -2),
        ["scrub"] = new("scrub", 0),
    };

    public bool IsScrub => Step == 0;

    /// <summary>Where the segment starts in a clip of <paramref name="frames"/> frames: playing backward starts at the end.</summary>
    public long StartIn(long frames) => Step < 0 ? frames - 1 : 0;

    /// <summary>The hints of a request for a frame due at <paramref name="due"/>.</summary>
    public FrameHints Hints(DateTimeOffset due) => IsScrub
        ? new FrameHints(due, false, FramePriority.AsSoonAsPossible, PlayAction.Scrub)
        : FrameHints.Playback(due, Step > 0, Math.Abs(Step));
}

/// <summary>
/// The frames a pattern of play shows, tick by tick: each segment gets an equal share of the ticks. A scrub jumps to a
/// new place every few ticks (the same places in every run: a fixed seed).
/// </summary>
internal sealed class PlayScript(IReadOnlyList<PlaySegment> segments, long clipFrames, long ticks)
{
    private const int ScrubHold = 3;

    public IReadOnlyList<PlaySegment> Segments => segments;

    public long Ticks => ticks;

    /// <summary>Every tick's segment and clip frame, in order.</summary>
    public IEnumerable<(PlaySegment Segment, long Frame)> Frames()
    {
        var random = new Random(7);
        long perSegment = Math.Max(1, ticks / segments.Count);
        long done = 0;
        for (int s = 0; s < segments.Count && done < ticks; s++)
        {
            var segment = segments[s];
            long count = s == segments.Count - 1 ? ticks - done : Math.Min(perSegment, ticks - done);
            long position = segment.StartIn(clipFrames);
            for (long i = 0; i < count; i++, done++)
            {
                if (segment.IsScrub)
                {
                    if (i % ScrubHold == 0) position = random.NextInt64(clipFrames);
                }
                else if (i > 0)
                {
                    position = ((position + segment.Step) % clipFrames + clipFrames) % clipFrames;
                }
                yield return (segment, position);
            }
        }
    }
}
