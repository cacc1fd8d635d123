using Akka.Actor;
using LumieraVault.Rendering;

namespace LumieraVault.Prefetching;

/// <summary>What the play head of a watched timeline is doing.</summary>
internal enum HeadState : byte
{
    /// <summary>Nothing asked for yet.</summary>
    Waiting,
    /// <summary>Playing: the look-ahead runs.</summary>
    Playing,
    /// <summary>Speed 0, or nothing asked for a while: the look-ahead stops, what it prefetched stays.</summary>
    Paused,
    /// <summary>Jumping by hand: no look-ahead.</summary>
    Scrubbing,
}

/// <summary>One layer of a watched timeline as the prefetcher keeps it: where its advice goes, or what renders it.</summary>
internal sealed class Layer(PlaybackSource source, IActorRef? fileActor, RenderNode? node)
{
    public PlaybackSource Source { get; } = source;

    /// <summary>The clip's file actor (or what stands in for it).</summary>
    public IActorRef? FileActor { get; } = fileActor;

    /// <summary>The renderer of a rendered layer.</summary>
    public RenderNode? Node { get; } = node;
}

/// <summary>A frame the look-ahead covered, until it is released; as a mark, whether reading ahead has its pages in.</summary>
internal sealed class Ahead : ReadAheadMark
{
    /// <summary>Asked for since it was prefetched.</summary>
    public bool Used;

    /// <summary>Its render jobs are queued in the timeline's current render group.</summary>
    public bool Rendered;
}

/// <summary>A watched timeline: its play head, its look-ahead and what the look-ahead covers now. Owned by the prefetcher actor.</summary>
internal sealed class Track(Playback playback, Layer[] layers, TimeSpan lookAhead)
{
    public Playback Playback { get; } = playback;

    public Layer[] Layers { get; } = layers;

    /// <summary>Playing time from one frame to the next.</summary>
    public TimeSpan Interval { get; } = TimeSpan.FromSeconds(1 / playback.FramesPerSecond);

    /// <summary>Timeline frames: the shortest layer's.</summary>
    public long Length { get; } = layers.Min(l => l.Source.Frames);

    public bool HasRenderLayers { get; } = layers.Any(l => l.Node is not null);

    /// <summary>The tap's entries read on this tick.</summary>
    public readonly List<TapEntry> Seen = new();

    public readonly Dictionary<long, Ahead> Ahead = new();

    public HeadState State;
    public long Position;
    public int Direction = 1;
    public double Speed = 1;

    /// <summary>When the frame at <see cref="Position"/> is shown (the request's deadline, or when it was seen).</summary>
    public DateTimeOffset ShownAt;

    public DateTimeOffset LastSeen;
    public TimeSpan LookAhead = lookAhead;
    public RenderGroup Group = RenderGroup.New();

    /// <summary>A seek, scrub or turn since the last tick: the look-ahead is superseded.</summary>
    public bool Stale;

    /// <summary>A frame the look-ahead covered was not ready when asked, or was late or dropped, on this tick.</summary>
    public bool LateSignal;

    public long LostSeen;

    /// <summary>Prerolls waiting for their frames to be read.</summary>
    public List<PrerollWait>? Prerolls;

    /// <summary>Cancelled when the look-ahead is superseded: reading ahead skips the frames advised before.</summary>
    public CancellationTokenSource Current = new();
}

/// <summary>A preroll waiting for the frames of its first look-ahead to be read, at most until <see cref="Until"/>.</summary>
internal sealed record PrerollWait(Ahead[] Frames, DateTimeOffset Until, TaskCompletionSource<bool> Reply);
