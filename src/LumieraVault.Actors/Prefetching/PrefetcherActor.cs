using Akka.Actor;
using Akka.Event;
using LumieraVault.Files;
using LumieraVault.Frames;
using LumieraVault.Mapping;
using LumieraVault.Rendering;
using static LumieraVault.Prefetching.PrefetchProtocol;

namespace LumieraVault.Prefetching;

/// <summary>
/// Keeps the play heads of the watched timelines and streams advice and render jobs ahead of them. On every tick it
/// reads what was asked for (the taps the vault records into), moves each play head, releases the frames passed or
/// superseded, adapts the look-ahead to what it saw, and prefetches the frames the new look-ahead covers.
/// </summary>
internal sealed class PrefetcherActor : ReceiveActor, IWithTimers
{
    /// <summary>The largest step between two requests without hints that still reads as playing (at that speed) rather than a seek.</summary>
    private const int MaxInferredStep = 8;

    private readonly PrefetchSettings _settings;
    private readonly Vault _vault;
    private readonly PrefetchMetrics _m;
    private readonly Func<VaultFile, IActorRef> _fileActor;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<long, Track> _tracks = new();
    private IActorRef? _scheduler;
    private long _budgetWaitsSeen;

    public PrefetcherActor(PrefetchSettings settings, Vault vault, PrefetchMetrics metrics, Func<VaultFile, IActorRef> fileActor, IActorRef? scheduler)
    {
        _settings = settings;
        _vault = vault;
        _m = metrics;
        _fileActor = fileActor;
        _scheduler = scheduler;
        Receive<Watch>(OnWatch);
        Receive<Unwatch>(m => OnUnwatch(m.Id));
        Receive<Tick>(_ => OnTick());
        Receive<Preroll>(OnPreroll);
        Receive<GetStatistics>(m => m.Reply.TrySetResult(Snapshot()));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="settings">The settings in force.</param>
    /// <param name="vault">The vault whose files it advises (its budget bounds the look-ahead).</param>
    /// <param name="metrics">Where the statistics go.</param>
    /// <param name="fileActor">Where a clip's advice goes: its file's actor (a test probe in specs).</param>
    /// <param name="scheduler">Where render jobs go; null for the render service's scheduler.</param>
    public static Props Props(PrefetchSettings settings, Vault vault, PrefetchMetrics metrics, Func<VaultFile, IActorRef> fileActor, IActorRef? scheduler)
        => Akka.Actor.Props.Create(() => new PrefetcherActor(settings, vault, metrics, fileActor, scheduler));

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    private void OnWatch(Watch m)
    {
        var playback = m.Playback;
        var layers = new Layer[playback.Layers.Count];
        try
        {
            for (int i = 0; i < layers.Length; i++)
            {
                var source = playback.Layers[i];
                if (source.File is { } file)
                {
                    if (file.IsClosed) throw VaultErrors.Closed(file.Path);
                    if (file.Tap is not null || layers.Take(i).Any(l => ReferenceEquals(l.Source.File, file)))
                        throw new VaultException(VaultError.InvalidArgument, $"'{file.Path}' is already in a watched timeline; a file can be in one at a time (dispose the other playback first).") { Path = file.Path };
                    layers[i] = new Layer(source, _fileActor(file), null);
                }
                else
                {
                    var render = RenderService.Get(Context.System);
                    layers[i] = new Layer(source, null, render.NodeOf(source.Renderer!));
                    _scheduler ??= render.Scheduler;
                }
            }
        }
        catch (VaultException e)
        {
            m.Reply.TrySetException(e);
            return;
        }
        for (int i = 0; i < layers.Length; i++)
        {
            if (layers[i].Source.File is { } file) file.Tap = new FileTap(playback.Tap, (short)i);
        }
        var track = new Track(playback, layers, _settings.LookAhead);
        _tracks[playback.Id] = track;
        playback.SetLookAhead(track.LookAhead);
        Publish();
        if (_tracks.Count == 1) Timers.StartPeriodicTimer("tick", Tick.Instance, _settings.Tick);
        m.Reply.TrySetResult(playback);
    }

    private void OnUnwatch(long id)
    {
        if (!_tracks.Remove(id, out var track)) return;
        track.Current.Cancel();
        foreach (var w in track.Prerolls ?? []) w.Reply.TrySetResult(false);
        Read(track, Now);
        Release(track, track.Ahead.Keys.ToList());
        if (track.HasRenderLayers) SupersedeRenders(track);
        Detach(track);
        Publish();
        if (_tracks.Count == 0) Timers.Cancel("tick");
    }

    private static void Detach(Track track)
    {
        foreach (var layer in track.Layers)
        {
            if (layer.Source.File is { } file && ReferenceEquals(file.Tap?.Tap, track.Playback.Tap)) file.Tap = null;
        }
    }

    private void OnTick()
    {
        var now = Now;
        long waits = _vault.Metrics.BudgetWaits.Value;
        bool tight = waits > _budgetWaitsSeen;
        _budgetWaitsSeen = waits;
        foreach (var track in _tracks.Values)
        {
            Read(track, now);
            Step(track, now, tight);
            CheckPrerolls(track, now);
        }
        Publish();
    }

    /// <summary>
    /// A player about to start: moves the play head to the first frame with the play's hints, prefetches it and the look-ahead
    /// behind it, and answers once all of their pages are in (true) or at the limit (false).
    /// </summary>
    private void OnPreroll(Preroll m)
    {
        if (!_tracks.TryGetValue(m.Id, out var track))
        {
            m.Reply.TrySetException(new VaultException(VaultError.InvalidArgument, "The playback to preroll is not watched (it was disposed)."));
            return;
        }
        var now = Now;
        Read(track, now);
        var e = new TapEntry
        {
            Kind = TapKind.Report,
            Where = m.Frame,
            Deadline = m.Hints.Deadline is { } d ? d.UtcTicks : 0,
            Speed = m.Hints.Speed,
            Action = m.Hints.Action,
            Layer = -1,
        };
        Observe(track, e, now);
        if (!_settings.Enabled || track.State != HeadState.Playing || m.Frame < 0 || m.Frame >= track.Length)
        {
            m.Reply.TrySetResult(false);
            return;
        }
        Step(track, now, false);
        Prefetch(track, [(m.Frame, track.ShownAt)]);
        var frames = Desired(track).Select(d => d.Frame).Prepend(m.Frame).Select(f => track.Ahead.GetValueOrDefault(f)).OfType<Ahead>().ToArray();
        (track.Prerolls ??= new()).Add(new PrerollWait(frames, now + m.Limit, m.Reply));
        CheckPrerolls(track, now);
    }

    private static void CheckPrerolls(Track track, DateTimeOffset now)
    {
        if (track.Prerolls is not { Count: > 0 } waits) return;
        for (int i = waits.Count - 1; i >= 0; i--)
        {
            var w = waits[i];
            bool finished = w.Frames.All(a => a.IsFinished);
            if (!finished && now < w.Until) continue;
            w.Reply.TrySetResult(w.Frames.All(a => a.IsReady));
            waits.RemoveAt(i);
        }
    }

    private void Read(Track track, DateTimeOffset now)
    {
        track.Seen.Clear();
        var tap = track.Playback.Tap;
        tap.Drain(track.Seen);
        if (tap.Lost != track.LostSeen)
        {
            _m.Add(ref _m.Lost, tap.Lost - track.LostSeen);
            track.LostSeen = tap.Lost;
        }
        foreach (var e in track.Seen) Observe(track, e, now);
    }

    private void Observe(Track track, in TapEntry e, DateTimeOffset now)
    {
        long frame;
        if (e.Kind == TapKind.Report) frame = e.Where;
        else if (e.Layer < 0 || e.Layer >= track.Layers.Length || !track.Layers[e.Layer].Source.TryFrameAt(e.Where, out frame)) return;
        if (frame < 0) return;
        bool playing = track.State == HeadState.Playing;
        switch (e.Kind)
        {
            case TapKind.Hit:
                _m.Add(ref _m.Requests);
                _m.Add(ref _m.Ready);
                _m.RecordReady(0, e.Deadline != 0 ? 0 : null);
                Asked(track, frame, e, now);
                break;
            case TapKind.Miss:
                _m.Add(ref _m.Requests);
                // Prefetched, and still not ready when asked: the look-ahead was too short.
                if (playing && track.Ahead.ContainsKey(frame)) track.LateSignal = true;
                Asked(track, frame, e, now);
                break;
            case TapKind.Report:
                Asked(track, frame, e, now);
                break;
            case TapKind.Ready:
                double? late = e.Deadline != 0 ? (e.Answered - e.Deadline) / (double)TimeSpan.TicksPerMillisecond : null;
                _m.RecordReady(Math.Max(0, (e.Answered - e.Asked) / (double)TimeSpan.TicksPerMicrosecond), late);
                if (late > 0)
                {
                    _m.Add(ref _m.Late);
                    // Only a frame the look-ahead covered says it was too short; the first frame after a seek is late whatever it is.
                    if (playing && track.Ahead.ContainsKey(frame)) track.LateSignal = true;
                }
                break;
            case TapKind.Dropped:
                _m.Add(ref _m.Dropped);
                if (playing && track.Ahead.ContainsKey(frame)) track.LateSignal = true;
                break;
            case TapKind.Failed:
                _m.Add(ref _m.Failed);
                break;
        }
    }

    private void Asked(Track track, long frame, in TapEntry e, DateTimeOffset now)
    {
        if (track.Ahead.TryGetValue(frame, out var ahead) && !ahead.Used)
        {
            ahead.Used = true;
            _m.Add(ref _m.Used);
        }
        Move(track, frame, e, now);
    }

    /// <summary>Moves the play head to a frame asked for: the hints say how it plays; without hints, the step from the last frame does.</summary>
    private void Move(Track track, long frame, in TapEntry e, DateTimeOffset now)
    {
        var before = track.State;
        int direction = track.Direction;
        double speed = track.Speed;
        var state = HeadState.Playing;
        switch (e.Action)
        {
            case PlayAction.PlayForward or PlayAction.PlayBackward:
                direction = e.Action == PlayAction.PlayForward ? 1 : -1;
                if (e.Speed > 0) speed = e.Speed;
                else state = HeadState.Paused;
                break;
            case PlayAction.Scrub:
                state = HeadState.Scrubbing;
                break;
            default:
                long step = frame - track.Position;
                if (before == HeadState.Waiting) break;
                if (step == 0) state = before;
                else if (Math.Abs(step) <= MaxInferredStep)
                {
                    direction = Math.Sign(step);
                    speed = Math.Abs(step);
                }
                break;
        }
        if (before != HeadState.Waiting && (state == HeadState.Scrubbing || direction != track.Direction || IsSeek(track, frame, direction, speed)))
            track.Stale = true;
        track.Position = frame;
        track.Direction = direction;
        track.Speed = speed;
        track.State = state;
        track.ShownAt = e.Deadline != 0 ? new DateTimeOffset(e.Deadline, TimeSpan.Zero) : now;
        track.LastSeen = now;
        if (state == HeadState.Paused && before == HeadState.Playing && track.HasRenderLayers) SupersedeRenders(track);
    }

    /// <summary>A jump against the direction of play, or past what the look-ahead reaches (with a little slack for skipped frames).</summary>
    private bool IsSeek(Track track, long frame, int direction, double speed)
    {
        long jump = (frame - track.Position) * direction;
        double reach = Math.Max(1, FramesAhead(track)) * Math.Max(speed, track.Speed) + 2 * Math.Ceiling(speed);
        return jump < 0 || jump > reach;
    }

    private void Step(Track track, DateTimeOffset now, bool tight)
    {
        if (track.State == HeadState.Playing && now - track.LastSeen > _settings.IdleAfter)
        {
            track.State = HeadState.Paused;
            if (track.HasRenderLayers) SupersedeRenders(track);
        }
        List<long>? release = null;
        if (track.Stale)
        {
            track.Stale = false;
            track.Current.Cancel();
            track.Current = new CancellationTokenSource();
            _m.Add(ref _m.Supersedes);
            var keep = track.State == HeadState.Playing ? Desired(track).Select(d => d.Frame).ToHashSet() : [];
            List<long>? again = null;
            foreach (var (f, ahead) in track.Ahead)
            {
                if (!keep.Contains(f)) (release ??= new()).Add(f);
                else if (!ahead.IsReady) (again ??= new()).Add(f);
            }
            // Kept, but its read was queued under the look-ahead just cancelled (and so skipped): advised again below.
            foreach (long f in again ?? []) track.Ahead.Remove(f);
            if (track.HasRenderLayers) SupersedeRenders(track);
        }
        else if (track.State != HeadState.Waiting)
        {
            foreach (long f in track.Ahead.Keys)
            {
                if ((f - track.Position) * track.Direction < -_settings.KeepBehind) (release ??= new()).Add(f);
            }
        }
        int reach = FramesAhead(track);
        long wasted = Release(track, release);
        if (_settings.Enabled)
        {
            // A frame or two skipped (a change of speed, a stutter) is no reason to shrink; a quarter of the look-ahead is.
            Adapt(track, wasted * 4 > reach ? wasted : 0, tight);
            if (track.State == HeadState.Playing) Prefetch(track, Desired(track));
        }
        track.LateSignal = false;
        track.Playback.SetLookAhead(track.LookAhead);
    }

    /// <summary>Grows the look-ahead when a frame it covered was not ready in time; shrinks it when prefetched frames went unused or memory is tight.</summary>
    private void Adapt(Track track, long wasted, bool tight)
    {
        var now = track.LookAhead;
        if (tight || wasted > 0 && !track.LateSignal)
        {
            track.LookAhead = Max(_settings.MinLookAhead, now * _settings.Shrink);
            if (track.LookAhead < now) _m.Add(ref _m.Shrunk);
        }
        else if (track.LateSignal && track.State == HeadState.Playing)
        {
            track.LookAhead = Min(_settings.MaxLookAhead, now * _settings.Grow);
            if (track.LookAhead > now) _m.Add(ref _m.Grown);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Frames shown within the look-ahead, and no more than the budget's share holds.</summary>
    private int FramesAhead(Track track)
    {
        long frames = track.LookAhead.Ticks / track.Interval.Ticks;
        long bytes = 0;
        foreach (var layer in track.Layers)
        {
            if (layer.Source.TryLocate(track.Position, out _, out int length) || layer.Source.TryLocate(0, out _, out length)) bytes += length;
        }
        if (bytes > 0) frames = Math.Min(frames, (long)(_vault.Settings.MapBudget * _settings.BudgetShare / bytes));
        return (int)Math.Clamp(frames, 0, 1 << 16);
    }

    /// <summary>The frames the look-ahead covers, in play order, with the time each will be shown.</summary>
    private List<(long Frame, DateTimeOffset ShownAt)> Desired(Track track)
    {
        int count = FramesAhead(track);
        var desired = new List<(long, DateTimeOffset)>(count);
        long last = track.Position;
        for (int k = 1; k <= count; k++)
        {
            long frame = track.Position + track.Direction * (long)Math.Round(track.Speed * k, MidpointRounding.AwayFromZero);
            if (frame < 0 || frame >= track.Length) break;
            if (frame == last) continue; // slower than real time: a frame is shown more than once
            desired.Add((frame, track.ShownAt + track.Interval * k));
            last = frame;
        }
        return desired;
    }

    /// <summary>Advises the clips' actors of the frames not yet covered (one message per clip, nearest first) and queues their render jobs.</summary>
    private void Prefetch(Track track, List<(long Frame, DateTimeOffset ShownAt)> desired)
    {
        var spans = new List<FrameSpan>?[track.Layers.Length];
        var marks = new List<ReadAheadMark>?[track.Layers.Length];
        foreach (var (frame, shownAt) in desired)
        {
            if (!track.Ahead.TryGetValue(frame, out var ahead))
            {
                ahead = new Ahead { DueTicks = shownAt.UtcTicks };
                track.Ahead[frame] = ahead;
                _m.Add(ref _m.Prefetched);
                for (int i = 0; i < track.Layers.Length; i++)
                {
                    if (track.Layers[i].Source.File is null || !track.Layers[i].Source.TryLocate(frame, out long offset, out int length)) continue;
                    ahead.Expect();
                    (spans[i] ??= new()).Add(new FrameSpan(offset, length));
                    (marks[i] ??= new()).Add(ahead);
                }
            }
            if (ahead.Rendered || !track.HasRenderLayers) continue;
            ahead.Rendered = true;
            foreach (var layer in track.Layers)
            {
                if (layer.Node is not { } node) continue;
                long time = layer.Source.RenderTime(frame);
                _scheduler!.Tell(new SchedulerProtocol.Prefetch(node, time, node.KeyAt(time), shownAt, RenderJob.RankOf(FramePriority.Background), track.Group));
                _m.Add(ref _m.RenderJobs);
            }
        }
        for (int i = 0; i < spans.Length; i++)
        {
            if (spans[i] is not { } list) continue;
            if (track.Layers[i].Source.File!.IsClosed)
            {
                foreach (var mark in marks[i]!) mark.Done(false);
                continue;
            }
            track.Layers[i].FileActor!.Tell(new FileMapProtocol.Advise(list, WillNeed: true, Stale: track.Current.Token, Marks: marks[i], TouchPages: _settings.TouchPages));
        }
    }

    /// <summary>Releases frames the look-ahead no longer covers; returns how many of them were never asked for.</summary>
    private long Release(Track track, List<long>? frames)
    {
        if (frames is null || frames.Count == 0) return 0;
        var spans = new List<FrameSpan>?[track.Layers.Length];
        long wasted = 0;
        foreach (long frame in frames)
        {
            if (!track.Ahead.Remove(frame, out var ahead)) continue;
            _m.Add(ref _m.Released);
            if (!ahead.Used) wasted++;
            for (int i = 0; i < track.Layers.Length; i++)
            {
                if (track.Layers[i].Source.TryLocate(frame, out long offset, out int length)) (spans[i] ??= new()).Add(new FrameSpan(offset, length));
            }
        }
        for (int i = 0; i < spans.Length; i++)
        {
            // A closed file's windows went with it: nothing to release.
            if (spans[i] is { } list && !track.Layers[i].Source.File!.IsClosed)
                track.Layers[i].FileActor!.Tell(new FileMapProtocol.Advise(list, WillNeed: false, _settings.DropPageCache));
        }
        _m.Add(ref _m.Wasted, wasted);
        return wasted;
    }

    /// <summary>Drops the timeline's queued render jobs at once (Lumiera's group supersede); later ones go in a new group.</summary>
    private void SupersedeRenders(Track track)
    {
        _scheduler?.Tell(new SchedulerProtocol.Supersede(track.Group));
        track.Group = RenderGroup.New();
        foreach (var ahead in track.Ahead.Values) ahead.Rendered = false;
    }

    private void Publish()
        => _m.LookAheads = _tracks.Values.Select(t => new KeyValuePair<long, double>(t.Playback.Id, t.LookAhead.TotalMilliseconds)).ToArray();

    private PrefetchStatistics Snapshot()
    {
        var p = _m.ReadySamples.Percentiles(50, 99);
        return new PrefetchStatistics
        {
            Vault = Context.System.Name,
            Enabled = _settings.Enabled,
            Requests = Volatile.Read(ref _m.Requests),
            Ready = Volatile.Read(ref _m.Ready),
            Prefetched = Volatile.Read(ref _m.Prefetched),
            Used = Volatile.Read(ref _m.Used),
            Wasted = Volatile.Read(ref _m.Wasted),
            Released = Volatile.Read(ref _m.Released),
            Late = Volatile.Read(ref _m.Late),
            Dropped = Volatile.Read(ref _m.Dropped),
            Failed = Volatile.Read(ref _m.Failed),
            Supersedes = Volatile.Read(ref _m.Supersedes),
            Grown = Volatile.Read(ref _m.Grown),
            Shrunk = Volatile.Read(ref _m.Shrunk),
            RenderJobs = Volatile.Read(ref _m.RenderJobs),
            Lost = Volatile.Read(ref _m.Lost),
            Lateness = _m.Lateness.Select(n => Volatile.Read(ref n)).ToArray(),
            ReadyMedianMicroseconds = p[0],
            ReadyP99Microseconds = p[1],
            Playbacks = _tracks.Values.Select(t => new PlaybackStatistics(t.Playback.Id, t.State.ToString(), t.Position, t.State == HeadState.Waiting ? 0 : t.Direction,
                t.Speed, t.LookAhead, t.Ahead.Count)).ToList(),
        };
    }

    protected override void PostStop()
    {
        foreach (var track in _tracks.Values) Detach(track);
        _tracks.Clear();
        _log.Debug("Prefetcher stopped");
    }
}
