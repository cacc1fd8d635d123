using Akka.Actor;
using LumieraVault.Frames;

namespace LumieraVault.Prefetching;

/// <summary>
/// The client facade of prefetching: tell it the timelines the program plays (<see cref="WatchAsync"/>), then just ask
/// the vault for their frames with playback hints. The prefetcher reads where each timeline is and how it plays from
/// those requests (fast-path hits included), advises the files' actors of the frames ahead of the play head (they map
/// the windows within the budget and madvise the pages), queues background render jobs for rendered layers with the
/// deadlines at which their frames will be shown, releases what was passed, and adapts its look-ahead to what its
/// statistics say. Thread-safe; one per actor system (<see cref="Get"/>).
/// </summary>
public sealed class Prefetcher : IExtension
{
    private const int TapCapacity = 4096;
    private readonly ActorSystem _system;
    private long _lastId;

    internal Prefetcher(ExtendedActorSystem system)
    {
        _system = system;
        Settings = PrefetchSettings.From(system.Settings.Config);
        Vault = Vault.Get(system);
        Metrics = new PrefetchMetrics(system.Name);
        Actor = system.ActorOf(PrefetcherActor.Props(Settings, Vault, Metrics, static f => f.FileMap, null), "lumiera-prefetcher");
        system.WhenTerminated.ContinueWith(_ => Metrics.Dispose(), TaskScheduler.Default);
    }

    /// <summary>The prefetcher of <paramref name="system"/>, created with the system's configuration on first use.</summary>
    public static Prefetcher Get(ActorSystem system) => system.WithExtension<Prefetcher, PrefetcherExtensionId>();

    /// <summary>The settings in force.</summary>
    public PrefetchSettings Settings { get; }

    /// <summary>The prefetcher's instruments (meter <c>LumieraVault</c>).</summary>
    public PrefetchMetrics Metrics { get; }

    /// <summary>The prefetcher actor (registered in the ActorRegistry as <see cref="PrefetcherGuardian"/> when hosted).</summary>
    public IActorRef Actor { get; }

    internal Vault Vault { get; }

    /// <summary>
    /// Starts watching a timeline of <paramref name="layers"/> played at <paramref name="framesPerSecond"/>: from now on the
    /// requests for the clips' frames move its play head. A file can be in one watched timeline at a time
    /// (<see cref="VaultError.InvalidArgument"/> otherwise). Dispose the playback when the timeline closes.
    /// </summary>
    public Task<Playback> WatchAsync(double framesPerSecond, params PlaybackSource[] layers)
    {
        if (!(framesPerSecond > 0 && framesPerSecond <= 10_000))
            return Task.FromException<Playback>(new VaultException(VaultError.InvalidArgument, $"A frame rate must be more than 0 and at most 10000 frames per second (was {framesPerSecond})."));
        if (layers is null || layers.Length == 0 || layers.Any(l => l is null))
            return Task.FromException<Playback>(new VaultException(VaultError.InvalidArgument, "A timeline to watch needs at least one layer (PlaybackSource.Clip or Rendered), and no null ones."));
        if (layers.Length > short.MaxValue)
            return Task.FromException<Playback>(new VaultException(VaultError.InvalidArgument, $"A timeline has at most {short.MaxValue} layers (was {layers.Length})."));
        var tap = new PlayTap(TapCapacity, () => _system.Scheduler.Now);
        var playback = new Playback(Actor, Interlocked.Increment(ref _lastId), framesPerSecond, layers, tap);
        var reply = new TaskCompletionSource<Playback>(TaskCreationOptions.RunContinuationsAsynchronously);
        Actor.Tell(new PrefetchProtocol.Watch(playback, reply));
        return reply.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>A snapshot of the prefetcher's statistics; print it with <see cref="PrefetchStatistics.ToReport"/>.</summary>
    public Task<PrefetchStatistics> GetStatisticsAsync()
    {
        var reply = new TaskCompletionSource<PrefetchStatistics>(TaskCreationOptions.RunContinuationsAsynchronously);
        Actor.Tell(new PrefetchProtocol.GetStatistics(reply));
        return reply.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}

/// <summary>
/// A watched timeline. The vault tells the prefetcher of every request for its clips' frames; <see cref="Report"/> tells
/// it of frames the vault does not serve (a timeline of rendered layers only). Dispose it to stop watching: what was
/// prefetched is released and queued render jobs are superseded.
/// </summary>
public sealed class Playback : IDisposable
{
    private readonly IActorRef _prefetcher;
    private readonly PlaybackSource[] _layers;
    private long _lookAheadTicks;
    private int _disposed;

    internal Playback(IActorRef prefetcher, long id, double framesPerSecond, PlaybackSource[] layers, PlayTap tap)
    {
        _prefetcher = prefetcher;
        Id = id;
        FramesPerSecond = framesPerSecond;
        _layers = layers.ToArray();
        Tap = tap;
    }

    /// <summary>The playback's id (the <c>playback</c> tag of the look-ahead gauge).</summary>
    public long Id { get; }

    /// <summary>Frames shown per second at speed 1.</summary>
    public double FramesPerSecond { get; }

    /// <summary>The timeline's layers.</summary>
    public IReadOnlyList<PlaybackSource> Layers => _layers;

    /// <summary>How far ahead the prefetcher looks now, in playing time.</summary>
    public TimeSpan LookAhead => TimeSpan.FromTicks(Volatile.Read(ref _lookAheadTicks));

    internal PlayTap Tap { get; }

    internal void SetLookAhead(TimeSpan lookAhead) => Volatile.Write(ref _lookAheadTicks, lookAhead.Ticks);

    /// <summary>
    /// Says that timeline frame <paramref name="frame"/> is being asked for, with the request's hints: for layers that the
    /// vault does not serve (rendered ones). Lock-free and allocation-free, like the vault's own record of a request.
    /// </summary>
    public void Report(long frame, FrameHints hints = default) => Tap.Write(-1, TapKind.Report, frame, in hints, 0, 0);

    /// <summary>
    /// Prerolls, as a player does before it starts its clock: moves the play head to timeline frame <paramref name="frame"/>
    /// with the hints of the play to come (direction, speed, and the deadline at which that frame is shown), prefetches it
    /// and the look-ahead behind it, and completes once all of their pages are read: true then, false if
    /// <paramref name="limit"/> passed first (or the prefetcher is off, or the hints do not say the timeline plays).
    /// Frames of rendered layers are queued for rendering as usual, but not waited for.
    /// </summary>
    public Task<bool> PrerollAsync(long frame, FrameHints hints, TimeSpan limit)
    {
        if (Volatile.Read(ref _disposed) != 0)
            return Task.FromException<bool>(new VaultException(VaultError.InvalidArgument, "The playback to preroll was disposed."));
        if (limit < TimeSpan.Zero || limit > TimeSpan.FromMinutes(10))
            return Task.FromException<bool>(new VaultException(VaultError.InvalidArgument, $"A preroll's limit must be from 0 to 10 minutes (was {limit})."));
        var reply = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _prefetcher.Tell(new PrefetchProtocol.Preroll(Id, frame, hints, limit, reply));
        return reply.Task.WaitAsync(limit + TimeSpan.FromSeconds(30));
    }

    /// <summary>Stops watching the timeline.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _prefetcher.Tell(new PrefetchProtocol.Unwatch(Id));
    }
}

/// <summary>Makes <see cref="Prefetcher"/> an Akka.NET extension: one per actor system.</summary>
public sealed class PrefetcherExtensionId : ExtensionIdProvider<Prefetcher>
{
    /// <inheritdoc />
    public override Prefetcher CreateExtension(ExtendedActorSystem system) => new(system);
}

/// <summary>Marker for the prefetcher actor in Akka.Hosting's ActorRegistry (<c>IRequiredActor&lt;PrefetcherGuardian&gt;</c>).</summary>
public sealed class PrefetcherGuardian;

/// <summary>The prefetcher actor's messages.</summary>
internal static class PrefetchProtocol
{
    /// <summary>Watch a timeline: hang its taps on its clips' files.</summary>
    public sealed record Watch(Playback Playback, TaskCompletionSource<Playback> Reply) : ILocalMessage;

    /// <summary>Stop watching a timeline.</summary>
    public sealed record Unwatch(long Id) : ILocalMessage;

    /// <summary>Read the taps, move the play heads and the look-aheads.</summary>
    public sealed class Tick : ILocalMessage
    {
        public static readonly Tick Instance = new();
    }

    /// <summary>Move the play head to a player's first frame, prefetch its look-ahead, answer once it is read (or at the limit).</summary>
    public sealed record Preroll(long Id, long Frame, FrameHints Hints, TimeSpan Limit, TaskCompletionSource<bool> Reply) : ILocalMessage;

    /// <summary>A statistics snapshot.</summary>
    public sealed record GetStatistics(TaskCompletionSource<PrefetchStatistics> Reply) : ILocalMessage;
}
