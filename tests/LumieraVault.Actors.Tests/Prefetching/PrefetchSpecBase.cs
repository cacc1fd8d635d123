using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Frames;
using LumieraVault.Mapping;
using LumieraVault.Prefetching;
using Xunit;
using Xunit.Sdk;

namespace LumieraVault.Tests.Prefetching;

/// <summary>
/// A TestKit with a vault on virtual time and a clip of 200 frames of 64 KiB, one frame a window. The prefetcher under test
/// sends its advice to <see cref="FileActor"/> and its render jobs to <see cref="Scheduler"/> (test probes) unless a spec
/// uses the real ones. Its ticks come only when a spec advances the clock (<see cref="TickAsync"/>).
/// </summary>
public abstract class PrefetchSpecBase : TestKit, IDisposable
{
    protected const int FrameSize = 64 * 1024;
    protected const int ClipFrames = 200;
    protected const double Fps = 25;
    protected static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(40);
    protected static readonly TimeSpan TickTime = TimeSpan.FromMilliseconds(10);

    protected readonly TempFolder Temp = new();
    protected readonly TestProbe FileActor;
    protected readonly TestProbe Scheduler;

    protected PrefetchSpecBase(string extra = "", string? name = null) : base(Config(extra), name)
    {
        FileActor = CreateTestProbe("file-actor");
        Scheduler = CreateTestProbe("scheduler");
    }

    /// <summary>Look-ahead 200 ms (5 frames at 25 fps), from 100 to 400 ms, growing by 1.5 and shrinking by 0.8, nothing kept behind.</summary>
    protected static string Config(string extra = "")
        => VaultProbe.Config("16 MiB", "64 KiB", VaultProbe.VirtualTime
            + "lumiera.vault.prefetch { look-ahead = 200ms\n min-look-ahead = 100ms\n max-look-ahead = 400ms\n tick = 10ms\n grow = 1.5\n shrink = 0.8\n idle-after = 500ms\n keep-behind = 0 }\n"
            + extra);

    protected Vault Vault => Vault.Get(Sys);

    protected TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    protected DateTimeOffset Start { get; } = DateTimeOffset.UnixEpoch;

    protected IActorRef Actor { get; private set; } = ActorRefs.Nobody;

    protected PrefetchMetrics Metrics { get; private set; } = null!;

    protected VaultFile File { get; private set; } = null!;

    protected Playback Playback { get; private set; } = null!;

    private bool _forward;

    /// <summary>
    /// Opens the clip and starts a prefetcher whose file actors and scheduler are the probes. With <paramref name="forward"/>
    /// the file actor's stand-in hands the advice on to the real file actor too, which maps the frames ahead.
    /// </summary>
    protected async Task<Playback> WatchWithProbesAsync(Func<VaultFile, PlaybackSource[]>? layers = null, bool forward = false)
    {
        _forward = forward;
        if (forward)
        {
            FileActor.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
            {
                File.FileMap.Tell(message, sender);
                return AutoPilot.KeepRunning;
            }));
        }
        File = await Vault.OpenAsync(Temp.Make("clip.rgba", (long)FrameSize * ClipFrames), FileOpenMode.Read, FrameLayout.Fixed(FrameSize)).Answered();
        var settings = PrefetchSettings.From(Sys.Settings.Config);
        Metrics = new PrefetchMetrics(Sys.Name);
        Actor = Sys.ActorOf(PrefetcherActor.Props(settings, Vault, Metrics, _ => FileActor.Ref, Scheduler.Ref));
        var playback = new Playback(Actor, 1, Fps, layers?.Invoke(File) ?? [PlaybackSource.Clip(File)], new PlayTap(1024, () => Sys.Scheduler.Now));
        var reply = new TaskCompletionSource<Playback>(TaskCreationOptions.RunContinuationsAsynchronously);
        Actor.Tell(new PrefetchProtocol.Watch(playback, reply));
        Playback = await reply.Task.Answered();
        return Playback;
    }

    /// <summary>For specs that use the prefetcher facade of the actor system (real file actors, its own actor).</summary>
    protected void UseFacade(VaultFile file, Playback playback)
    {
        File = file;
        Playback = playback;
        Actor = LumieraVault.Prefetching.Prefetcher.Get(Sys).Actor;
        _forward = true;
    }

    /// <summary>The hints of a player showing frame <paramref name="frame"/> of its run at its due time.</summary>
    protected FrameHints Forward(long due, float speed = 1) => FrameHints.Playback(DueAt(due), forward: true, speed);

    protected FrameHints Backward(long due, float speed = 1) => FrameHints.Playback(DueAt(due), forward: false, speed);

    protected DateTimeOffset DueAt(long tick) => Sys.Scheduler.Now + Interval * tick;

    /// <summary>Asks the vault for a frame of the clip and gives it back at once.</summary>
    protected async Task AskAsync(long frame, FrameHints hints)
    {
        using var f = await Vault.GetFrameAsync(File, frame, hints).Answered();
    }

    /// <summary>Advances the clock by <paramref name="ticks"/> prefetcher ticks, after the tap holds everything asked so far, and waits until the prefetcher handled them.</summary>
    /// <param name="ticks">How many ticks.</param>
    /// <param name="answered">False while a miss is still waiting for its answer: then only the requests are waited for.</param>
    protected async Task TickAsync(int ticks = 1, bool answered = true)
    {
        await TapSettledAsync(answered);
        for (int i = 0; i < ticks; i++)
        {
            Clock.Advance(TickTime);
            await SnapshotAsync();
            if (_forward) await VaultProbe.SettleAsync(Sys, File);
        }
    }

    /// <summary>Waits until the misses asked so far have their answers recorded too (the record is made where the answer is given).</summary>
    protected async Task TapSettledAsync(bool answered = true)
    {
        var started = Stopwatch.GetTimestamp();
        var tap = Playback.Tap;
        while (!tap.HasWritten(tap.Written) || answered && !AnswersRecorded(tap))
        {
            if (Stopwatch.GetElapsedTime(started) > VaultProbe.Patience) throw new XunitException("The tap never settled.");
            await Task.Yield();
        }
    }

    /// <summary>Misses counted by the vault and answers counted by the tap: each miss writes two entries.</summary>
    private bool AnswersRecorded(PlayTap tap) => tap.Written == Vault.Metrics.FastPathHits.Value - _hitsBefore + 2 * Vault.Metrics.Misses.Value + _reports;

    private long _hitsBefore;
    private long _reports;

    /// <summary>Hits on frames outside the watched timeline (before it was watched) are not in its tap.</summary>
    protected void ForgetEarlierHits() => _hitsBefore = Vault.Metrics.FastPathHits.Value;

    protected void Report(long frame, FrameHints hints)
    {
        _reports++;
        Playback.Report(frame, hints);
    }

    protected Task<PrefetchStatistics> SnapshotAsync()
    {
        var reply = new TaskCompletionSource<PrefetchStatistics>(TaskCreationOptions.RunContinuationsAsynchronously);
        Actor.Tell(new PrefetchProtocol.GetStatistics(reply));
        return reply.Task.Answered();
    }

    private protected static FrameSpan SpanOf(long frame) => new(frame * FrameSize, FrameSize);

    private protected static FrameSpan[] Spans(params long[] frames) => frames.Select(SpanOf).ToArray();

    protected static long[] Range(long from, long to) => Enumerable.Range(0, (int)(Math.Abs(to - from) + 1)).Select(i => from + (to >= from ? i : -i)).ToArray();

    /// <summary>The next message of the file actor's stand-in: advice of the given kind on exactly these frames, in this order.</summary>
    protected void ExpectAdvice(bool willNeed, params long[] frames)
    {
        var advice = FileActor.ExpectMsg<FileMapProtocol.Advise>(VaultProbe.Patience);
        Assert.Equal(willNeed, advice.WillNeed);
        Assert.Equal(Spans(frames), advice.Frames.ToArray());
    }

    /// <summary>The same, in any order (a release of a superseded look-ahead).</summary>
    protected void ExpectReleaseOf(params long[] frames)
    {
        var advice = FileActor.ExpectMsg<FileMapProtocol.Advise>(VaultProbe.Patience);
        Assert.False(advice.WillNeed);
        Assert.Equal(Spans(frames).OrderBy(s => s.Offset), advice.Frames.OrderBy(s => s.Offset));
    }

    /// <summary>Nothing more was sent to the file actor's stand-in (everything the prefetcher did was handled before the snapshot).</summary>
    protected void ExpectNoMoreAdvice() => Assert.False(FileActor.HasMessages, "The prefetcher sent more advice than expected.");

    public new void Dispose()
    {
        base.Dispose();
        Temp.Dispose();
    }
}
