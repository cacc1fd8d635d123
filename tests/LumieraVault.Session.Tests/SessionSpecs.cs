using System.Collections.Immutable;
using Akka.TestKit.Xunit2;
using FsCheck.Xunit;
using LumieraVault.Audio;
using LumieraVault.Audio.Editing;
using LumieraVault.Session.Commands;
using LumieraVault.Session.Model;
using Xunit;
using static LumieraVault.Session.Tests.Timeline;

namespace LumieraVault.Session.Tests;

/// <summary>
/// The session's behaviour, the same on every backend: each backend's spec class inherits these facts, so the
/// test names say which database they ran on.
/// </summary>
public abstract class SessionSpecs : TestKit, IAsyncLifetime
{
    private static int s_sessions;

    protected SessionSpecs(SessionBackend backend) : base(backend.Config("akka.loglevel = WARNING"), backend.Name)
    {
        Backend = backend;
        // Unique per spec: on PostgreSQL all specs share one database.
        Id = $"session-{Environment.ProcessId}-{Interlocked.Increment(ref s_sessions)}";
    }

    protected SessionBackend Backend { get; }

    protected string Id { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Backend.Dispose();
        return Task.CompletedTask;
    }

    protected Task<SessionHost> StartAsync(string overrides = "") => SessionHost.StartAsync(Backend, Id, overrides);

    [Fact]
    public async Task ModificationsAreAcknowledgedAndReplayedAfterTheActorSystemRestarts()
    {
        string before;
        await using (var first = await StartAsync())
        {
            var ack = await first.Session.ApplyAsync("tracks", [VideoTrack("v1"), AudioTrack("a1")]);
            Assert.Equal(1, ack.SequenceNr);
            await first.Session.ApplyAsync(FileClip("c1", "v1", 0));
            await first.Session.ApplyAsync(FileClip("c2", "v1", 10));
            await first.Session.ApplyAsync(new SessionCommand.MoveClip("c2", 25));
            ack = await first.Session.ApplyAsync(new SessionCommand.TrimClip("c1", 2, 8));
            Assert.Equal(5, ack.SequenceNr);
            before = await first.TextAsync();
        }
        await using var second = await StartAsync();
        var view = await second.Session.GetViewAsync();
        Assert.Equal(before, view.Model.ToText());
        Assert.Equal(5, view.SequenceNr);
        Assert.Equal(5, view.UndoCount);
        Assert.Equal(new Clip("c1", "v1", new ClipSource.File("/media/c1.mov"), 2, 8, 0), view.Model.Clips["c1"]);
        Assert.Equal(25, view.Model.Clips["c2"].Position);
    }

    [Fact]
    public async Task UndoRedoAndMultiStepUndoAreEventsAndANewModificationDiscardsTheRedoBranch()
    {
        await using var host = await StartAsync();
        var s = host.Session;
        await s.ApplyAsync(VideoTrack("v"));
        string empty = await host.TextAsync();
        await s.ApplyAsync(FileClip("a", "v", 0), "add a");
        string withA = await host.TextAsync();
        await s.ApplyAsync(new SessionCommand.MoveClip("a", 100), "move a");
        string moved = await host.TextAsync();
        await s.ApplyAsync(new SessionCommand.TrimClip("a", 1, 5), "trim a");

        var ack = await s.UndoAsync();
        Assert.Equal((3, 1), (ack.UndoCount, ack.RedoCount));
        Assert.Equal(moved, await host.TextAsync());
        ack = await s.UndoAsync(2);
        Assert.Equal((1, 3), (ack.UndoCount, ack.RedoCount));
        Assert.Equal(empty, await host.TextAsync());
        await s.RedoAsync();
        Assert.Equal(withA, await host.TextAsync());
        Assert.Equal("move a", (await s.GetViewAsync()).NextRedo);

        // A new modification after an undo: the two undone steps can no longer be redone.
        ack = await s.ApplyAsync(new SessionCommand.MoveClip("a", 50), "move a elsewhere");
        Assert.Equal((3, 0), (ack.UndoCount, ack.RedoCount));
        var redo = await Assert.ThrowsAsync<SessionException>(() => s.RedoAsync());
        Assert.Equal(SessionError.NothingToRedo, redo.Error);
        Assert.Equal(["move a elsewhere", "add a", "AddTrack"], (await s.GetHistoryAsync()).Undo);
        string final = await host.TextAsync();

        await host.DisposeAsync();
        await using var again = await StartAsync();
        Assert.Equal(final, await again.TextAsync());
        var view = await again.Session.GetViewAsync();
        Assert.Equal((3, 0, 8L), (view.UndoCount, view.RedoCount, view.SequenceNr));
        await again.Session.UndoAsync(2);
        Assert.Equal(empty, await again.TextAsync());
    }

    [Fact]
    public async Task AGroupedModificationIsOneStepAndUndoesAsOne()
    {
        await using var host = await StartAsync();
        var s = host.Session;
        await s.ApplyAsync(VideoTrack("v"));
        string before = await host.TextAsync();
        var ack = await s.ApplyAsync("ripple insert", [FileClip("a", "v", 0), FileClip("b", "v", 10), new SessionCommand.MoveClip("b", 30), new SessionCommand.RenameTrack("v", "Main")]);
        Assert.Equal(2, ack.Step);
        Assert.Equal(2, (await s.GetViewAsync()).Model.Clips.Count);
        await s.UndoAsync();
        Assert.Equal(before, await host.TextAsync());
        await s.RedoAsync();
        var view = await s.GetViewAsync();
        Assert.Equal("Main", view.Model.Tracks["v"].Name);
        Assert.Equal(30, view.Model.Clips["b"].Position);

        // Removing a track removes its clips in the same step, and undo brings all of them back.
        string full = view.Model.ToText();
        await s.ApplyAsync(new SessionCommand.RemoveTrack("v"));
        Assert.Empty((await s.GetViewAsync()).Model.Clips);
        await s.UndoAsync();
        Assert.Equal(full, await host.TextAsync());
    }

    [Fact]
    public async Task InvalidCommandsGetANamedErrorAndChangeNothing()
    {
        await using var host = await StartAsync();
        var s = host.Session;
        await s.ApplyAsync("setup", [VideoTrack("v"), AudioTrack("a"), FileClip("c", "v", 0, 10), new SessionCommand.AddAudioSequence(0, "take", SampleFormat.Float32, 1000)]);
        var before = await s.GetViewAsync();

        async Task Rejected(SessionError error, Func<Task> act)
        {
            var e = await Assert.ThrowsAsync<SessionException>(act);
            Assert.Equal(error, e.Error);
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }

        await Rejected(SessionError.TrackExists, () => s.ApplyAsync(VideoTrack("v")));
        await Rejected(SessionError.UnknownTrack, () => s.ApplyAsync(FileClip("d", "nope", 0)));
        await Rejected(SessionError.ClipExists, () => s.ApplyAsync(FileClip("c", "v", 50)));
        await Rejected(SessionError.ClipOverlaps, () => s.ApplyAsync(FileClip("d", "v", 5)));
        await Rejected(SessionError.InvalidRange, () => s.ApplyAsync(new SessionCommand.TrimClip("c", 8, 3)));
        await Rejected(SessionError.InvalidRange, () => s.ApplyAsync(new SessionCommand.MoveClip("c", -1)));
        await Rejected(SessionError.UnknownClip, () => s.ApplyAsync(new SessionCommand.RemoveClip("zz")));
        await Rejected(SessionError.SourceMismatch, () => s.ApplyAsync(new SessionCommand.AddClip("x", "v", new ClipSource.Audio(0), 0, 10, 100)));
        await Rejected(SessionError.UnknownAudioSequence, () => s.ApplyAsync(new SessionCommand.EditAudio(7, new SequenceEdit.Cut(0, 1))));
        await Rejected(SessionError.InvalidAudioEdit, () => s.ApplyAsync(new SessionCommand.EditAudio(0, new SequenceEdit.Cut(900, 200))));
        await Rejected(SessionError.InvalidAudioEdit, () => s.ApplyAsync(new SessionCommand.EditAudio(0, new SequenceEdit.Gain(0, 10, float.NaN))));
        await Rejected(SessionError.AudioSequenceExists, () => s.ApplyAsync(new SessionCommand.AddAudioSequence(0, "again", SampleFormat.Int16, 5)));
        await Rejected(SessionError.EmptyGroup, () => s.ApplyAsync("nothing", []));
        await Rejected(SessionError.NothingToUndo, () => s.UndoAsync(2));
        await Rejected(SessionError.NothingToRedo, () => s.RedoAsync());
        await Rejected(SessionError.InvalidArgument, () => s.UndoAsync(0));
        // A group whose last command does not fit leaves out the ones before it too.
        await Rejected(SessionError.ClipOverlaps, () => s.ApplyAsync("half", [FileClip("e", "v", 100), new SessionCommand.MoveClip("e", 5)]));

        var after = await s.GetViewAsync();
        Assert.Equal(before.Model.ToText(), after.Model.ToText());
        Assert.Equal((before.SequenceNr, before.UndoCount), (after.SequenceNr, after.UndoCount));

        // Nothing of them reached the log either.
        await host.DisposeAsync();
        await using var again = await StartAsync();
        var replayed = await again.Session.GetViewAsync();
        Assert.Equal(before.Model.ToText(), replayed.Model.ToText());
        Assert.Equal(1, replayed.SequenceNr);
    }

    [Fact]
    public async Task ASnapshotAndTheEventsAfterItReplayToTheSameStateAsTheWholeLog()
    {
        const string everyFive = "lumiera.session.snapshot-every = 5";
        string expected;
        SessionHistory history;
        await using (var host = await StartAsync(everyFive))
        {
            var s = host.Session;
            await s.ApplyAsync(VideoTrack("v"));
            for (int i = 0; i < 17; i++) await s.ApplyAsync(FileClip($"c{i}", "v", i * 20L));
            await s.UndoAsync(3);
            await s.RedoAsync();
            await s.ApplyAsync(new SessionCommand.MoveClip("c0", 1000));
            expected = await host.TextAsync();
            history = await s.GetHistoryAsync();
        }
        await using (var fromSnapshot = await StartAsync(everyFive))
        {
            Assert.Equal(expected, await fromSnapshot.TextAsync());
            Assert.Equal(history, await fromSnapshot.Session.GetHistoryAsync(), HistoryComparer.Instance);
            await fromSnapshot.Session.UndoAsync(16);
            Assert.Equal("track v 'Video v' Video\n", await fromSnapshot.TextAsync());
        }
        await using var wholeLog = await StartAsync("lumiera.session.use-snapshots = off");
        var view = await wholeLog.Session.GetViewAsync();
        Assert.Equal("track v 'Video v' Video\n", view.Model.ToText());
        await wholeLog.Session.RedoAsync(16);
        Assert.Equal(expected, await wholeLog.TextAsync());
    }

    [Fact]
    public async Task AnUndoDepthForgetsTheOldestStepsTheSameWayOnReplay()
    {
        const string depth3 = "lumiera.session.undo-depth = 3";
        await using (var host = await StartAsync(depth3))
        {
            await host.Session.ApplyAsync(VideoTrack("v"));
            for (int i = 0; i < 6; i++) await host.Session.ApplyAsync(FileClip($"c{i}", "v", i * 20L));
            Assert.Equal(3, (await host.Session.GetViewAsync()).UndoCount);
            var e = await Assert.ThrowsAsync<SessionException>(() => host.Session.UndoAsync(4));
            Assert.Equal(SessionError.NothingToUndo, e.Error);
        }
        await using var again = await StartAsync(depth3);
        Assert.Equal(["AddClip", "AddClip", "AddClip"], (await again.Session.GetHistoryAsync()).Undo);
        await again.Session.UndoAsync(3);
        Assert.Equal(3, (await again.Session.GetViewAsync()).Model.Clips.Count);
    }

    [Fact]
    public async Task ALogThatUndoesMoreThanASmallerUndoDepthKeepsIsANamedErrorOnStart()
    {
        await using (var host = await StartAsync())
        {
            await host.Session.ApplyAsync(VideoTrack("v"));
            for (int i = 0; i < 4; i++) await host.Session.ApplyAsync(FileClip($"c{i}", "v", i * 20L));
            await host.Session.UndoAsync(4);
        }
        var e = await Assert.ThrowsAsync<SessionException>(async () => await StartAsync("lumiera.session.undo-depth = 2"));
        Assert.Equal(SessionError.LogInconsistent, e.Error);
        Assert.Contains("undo-depth", e.Message);

        // With the depth it was written with, it is the same session.
        await using var again = await StartAsync();
        Assert.Equal("track v 'Video v' Video\n", await again.TextAsync());
    }

    [Fact]
    public async Task AudioEditsAreLoggedAsTheSampleStoresEditValues()
    {
        SequenceEdit[] edits =
        [
            new SequenceEdit.Cut(100, 50), new SequenceEdit.Paste(0, 1, 10, 20), new SequenceEdit.InsertSilence(5, 7),
            new SequenceEdit.Silence(0, 3), new SequenceEdit.Gain(10, 30, 0.5f), new SequenceEdit.Fade(0, 64, 0f, 1f),
            new SequenceEdit.Trim(2, 500),
        ];
        await using (var host = await StartAsync())
        {
            var s = host.Session;
            await s.ApplyAsync("takes", [new SessionCommand.AddAudioSequence(0, "left", SampleFormat.Float32, 1000), new SessionCommand.AddAudioSequence(1, "right", SampleFormat.Float32, 0)]);
            await s.ApplyAsync(new SessionCommand.ExtendAudioSequence(1, 600));
            foreach (var e in edits) await s.ApplyAsync(new SessionCommand.EditAudio(0, e));
            await s.ApplyAsync(AudioTrack("a"));
            await s.ApplyAsync(new SessionCommand.AddClip("clip", "a", new ClipSource.Audio(0), 0, 500, 0));
            var e2 = await Assert.ThrowsAsync<SessionException>(() => s.ApplyAsync(new SessionCommand.RemoveAudioSequence(0)));
            Assert.Equal(SessionError.AudioSequenceInUse, e2.Error);
        }
        await using var again = await StartAsync();
        var left = (await again.Session.GetViewAsync()).Model.AudioSequences[0];
        Assert.Equal(edits, left.Edits);
        Assert.Equal(500, left.Length);
        await again.Session.UndoAsync(3);
        left = (await again.Session.GetViewAsync()).Model.AudioSequences[0];
        // Undone: the clip, the track and the trim.
        Assert.Equal(edits[..6], left.Edits);
        Assert.Equal(1000 - 50 + 20 + 7, left.Length);
    }

    /// <summary>
    /// Random steps (moves, trims, groups of both), undos and redos of several steps, and commands that do not fit,
    /// applied both to the session and to <see cref="UndoModel"/>: after every one they agree on the clips and the
    /// undo and redo counts, and a restart rebuilds the same. Each case decodes its operations from integers, so
    /// FsCheck shrinks a failure to a short list.
    /// </summary>
    [Property(MaxTest = 8)]
    public void UndoAndRedoAgreeWithAPlainModelAcrossARestart(int[] codes)
    {
        string id = $"{Id}-p{Interlocked.Increment(ref s_sessions)}";
        var model = new UndoModel();
        var host = SessionHost.StartAsync(Backend, id).GetAwaiter().GetResult();
        try
        {
            var s = host.Session;
            s.ApplyAsync(VideoTrack("v")).GetAwaiter().GetResult();
            model.Push(model.Clips);
            var setup = Enumerable.Range(0, 3).Select(i => FileClip($"c{i}", "v", i * UndoModel.Spacing)).ToArray();
            s.ApplyAsync("setup", setup).GetAwaiter().GetResult();
            model.Push(Enumerable.Range(0, 3).ToImmutableDictionary(i => $"c{i}", i => ((long)i * UndoModel.Spacing, 10L)));
            foreach (int code in codes.Take(30))
            {
                var r = new Random(code);
                int kind = r.Next(4);
                bool fits;
                Task<SessionAck> sent;
                if (kind == 0)
                {
                    int steps = 1 + r.Next(3);
                    fits = model.Undo(steps);
                    sent = s.UndoAsync(steps);
                }
                else if (kind == 1)
                {
                    int steps = 1 + r.Next(3);
                    fits = model.Redo(steps);
                    sent = s.RedoAsync(steps);
                }
                else
                {
                    var changes = Enumerable.Range(0, kind == 3 ? 2 : 1)
                        .Select(_ => r.Next(2) == 0
                            ? ($"c{r.Next(4)}", (long?)(r.Next(6) * UndoModel.Spacing), (long?)null)
                            : ($"c{r.Next(3)}", null, 1 + r.Next(15)))
                        .ToArray();
                    fits = model.Step(changes);
                    sent = s.ApplyAsync("step", changes.Select(UndoModel.Command).ToArray());
                }
                var error = Record.ExceptionAsync(() => sent).GetAwaiter().GetResult();
                Assert.True(fits == error is null, $"the model says {(fits ? "fits" : "does not fit")}, the session said {error?.Message ?? "done"}");
                AssertAgree(model, s.GetViewAsync().GetAwaiter().GetResult());
            }
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
            host = SessionHost.StartAsync(Backend, id).GetAwaiter().GetResult();
            AssertAgree(model, host.Session.GetViewAsync().GetAwaiter().GetResult());
        }
        finally
        {
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static void AssertAgree(UndoModel model, SessionView view)
    {
        Assert.Equal(model.Clips.OrderBy(c => c.Key).Select(c => (c.Key, c.Value.Position, c.Value.Length)),
            view.Model.Clips.Values.Select(c => (c.Id, c.Position, c.Duration)));
        Assert.Equal((model.UndoCount, model.RedoCount), (view.UndoCount, view.RedoCount));
    }

    private sealed class HistoryComparer : IEqualityComparer<SessionHistory>
    {
        public static readonly HistoryComparer Instance = new();

        public bool Equals(SessionHistory? x, SessionHistory? y) => x!.Undo.SequenceEqual(y!.Undo) && x.Redo.SequenceEqual(y.Redo);

        public int GetHashCode(SessionHistory obj) => obj.Undo.Count;
    }
}

public sealed class SqliteSessionSpec : SessionSpecs
{
    public SqliteSessionSpec() : base(new SqliteBackend()) { }
}
