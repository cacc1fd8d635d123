using System.Diagnostics;
using Akka.Actor;
using LumieraVault.Audio;
using LumieraVault.Audio.Editing;
using LumieraVault.Session;
using LumieraVault.Session.Commands;
using LumieraVault.Session.Model;
using Microsoft.Extensions.Logging;

namespace LumieraVault.Samples.Session;

/// <summary>
/// What the sample does in its two runs of the editor: the first builds a small timeline, edits, undoes and
/// redoes, streams a burst of modifications; the second starts again from the same file, shows the state and
/// prints the log. Each returns the session as text, so that the host can check both are the same.
/// </summary>
public sealed class SessionDemo(bool quick)
{
    private const int SampleRate = 48_000;

    public async Task<string> BuildAsync(ActorSystem system, ILogger log)
    {
        await using var session = await EditorSession.StartAsync(system, "demo");
        log.LogInformation("Session started; the log is {Events} events long", (await session.GetViewAsync()).SequenceNr);

        await session.ApplyAsync("tracks",
        [
            new SessionCommand.AddTrack("V1", "Picture", TrackKind.Video),
            new SessionCommand.AddTrack("A1", "Narration", TrackKind.Audio),
            new SessionCommand.AddAudioSequence(0, "narration take 1", SampleFormat.Float32, 12L * SampleRate),
        ]);
        await session.ApplyAsync(new SessionCommand.AddClip("intro", "V1", new ClipSource.File("media/intro.mov"), 0, 120, 0), "place intro");
        await session.ApplyAsync(new SessionCommand.AddClip("main", "V1", new ClipSource.File("media/main.mov"), 48, 600, 120), "place main");
        await session.ApplyAsync(new SessionCommand.AddClip("voice", "A1", new ClipSource.Audio(0), 0, 10L * SampleRate, 0), "place voice");
        await session.ApplyAsync(new SessionCommand.EditAudio(0, new SequenceEdit.Cut(2L * SampleRate, SampleRate / 2)), "cut a breath");
        await session.ApplyAsync(new SessionCommand.EditAudio(0, new SequenceEdit.Fade(0, SampleRate, 0f, 1f)), "fade in");
        await session.ApplyAsync("tighten", [new SessionCommand.TrimClip("intro", 0, 96), new SessionCommand.MoveClip("main", 96)]);
        await ShowAsync(session, log, "Built");

        await session.UndoAsync(2);
        await ShowAsync(session, log, "Undone 2 steps (tighten, fade in)");
        await session.RedoAsync();
        await ShowAsync(session, log, "Redone 1 step");
        await session.ApplyAsync(new SessionCommand.RenameTrack("V1", "Picture (final)"), "rename");
        var history = await session.GetHistoryAsync();
        log.LogInformation("A new step after the undo: nothing to redo any more ({Redo}); undo would take back {Undo}", history.Redo.Count, string.Join(", ", history.Undo.Take(3)));

        // A stream of modifications as an editor makes them while the user drags: many in flight, each acknowledged once logged.
        int burst = quick ? 2_000 : 20_000;
        var clock = Stopwatch.StartNew();
        var inFlight = new Queue<Task<SessionAck>>();
        for (int i = 0; i < burst; i++)
        {
            inFlight.Enqueue(session.ApplyAsync(new SessionCommand.MoveClip("voice", 10 + i % 100), "drag voice"));
            if (inFlight.Count >= 500) await inFlight.Dequeue();
        }
        while (inFlight.Count > 0) await inFlight.Dequeue();
        log.LogInformation("{Burst} drag moves logged and acknowledged in {Ms:F0} ms ({Rate:F0}/s)", burst, clock.Elapsed.TotalMilliseconds, burst / clock.Elapsed.TotalSeconds);
        await session.UndoAsync();

        return await ShowAsync(session, log, "Before stopping");
    }

    public async Task<string> ReopenAsync(ActorSystem system, ILogger log)
    {
        var clock = Stopwatch.StartNew();
        await using var session = await EditorSession.StartAsync(system, "demo");
        log.LogInformation("Session started again from its file in {Ms:F0} ms", clock.Elapsed.TotalMilliseconds);
        string state = await ShowAsync(session, log, "After the restart");

        var entries = await session.ReadLogAsync(most: 12);
        log.LogInformation("The first {Count} events of the log:\n{Log}", entries.Count, string.Join("\n", entries));
        var view = await session.GetViewAsync();
        var tail = await session.ReadLogAsync(view.SequenceNr - 2);
        log.LogInformation("... and the last ones:\n{Log}", string.Join("\n", tail));
        return state;
    }

    private static async Task<string> ShowAsync(EditorSession session, ILogger log, string what)
    {
        var view = await session.GetViewAsync();
        log.LogInformation("{What} (event {Seq}, {Undo} steps to undo, {Redo} to redo, next undo: {Next}):\n{Model}",
            what, view.SequenceNr, view.UndoCount, view.RedoCount, view.NextUndo ?? "-", view.Model.ToText().TrimEnd());
        return view.Model.ToText();
    }
}
