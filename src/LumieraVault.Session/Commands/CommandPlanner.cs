using LumieraVault.Audio.Editing;
using LumieraVault.Session.Model;
using static LumieraVault.Session.Commands.SessionCommand;

namespace LumieraVault.Session.Commands;

/// <summary>
/// Checks commands against a model and turns them into the changes that the log keeps. Each command is checked
/// against the model the commands before it in the same group made; the first that does not fit throws, and the
/// caller keeps its model, so a failed group changes nothing.
/// </summary>
internal static class CommandPlanner
{
    public static (Change[] Changes, SessionModel After) Plan(SessionModel model, IReadOnlyList<SessionCommand> commands)
    {
        if (commands.Count == 0) throw Fail(SessionError.EmptyGroup, "A grouped modification needs at least one command.");
        var changes = new List<Change>(commands.Count);
        foreach (var command in commands)
        {
            ArgumentNullException.ThrowIfNull(command);
            foreach (var change in PlanOne(model, command))
            {
                model = change.ApplyTo(model);
                changes.Add(change);
            }
        }
        return (changes.ToArray(), model);
    }

    private static IEnumerable<Change> PlanOne(SessionModel m, SessionCommand command)
    {
        switch (command)
        {
            case AddTrack a:
                CheckId(a.Id, "track");
                if (m.Tracks.ContainsKey(a.Id)) throw Fail(SessionError.TrackExists, $"The session has a track '{a.Id}' already.");
                return [new Change.TrackAdded(new Track(a.Id, a.Name ?? "", a.Kind))];
            case RenameTrack r:
            {
                var t = TrackOf(m, r.Id);
                return [new Change.TrackRenamed(t.Id, t.Name, r.Name ?? "")];
            }
            case RemoveTrack r:
            {
                var t = TrackOf(m, r.Id);
                return [.. m.ClipsOn(t.Id).Select(c => (Change)new Change.ClipRemoved(c)), new Change.TrackRemoved(t)];
            }
            case AddClip a:
            {
                CheckId(a.Id, "clip");
                if (m.Clips.ContainsKey(a.Id)) throw Fail(SessionError.ClipExists, $"The session has a clip '{a.Id}' already.");
                ArgumentNullException.ThrowIfNull(a.Source);
                var clip = new Clip(a.Id, a.Track, a.Source, a.In, a.Out, a.Position);
                CheckPlace(m, clip, TrackOf(m, a.Track));
                return [new Change.ClipAdded(clip)];
            }
            case MoveClip mv:
            {
                var c = ClipOf(m, mv.Id);
                var moved = c with { Track = mv.Track ?? c.Track, Position = mv.Position };
                CheckPlace(m, moved, TrackOf(m, moved.Track));
                return [new Change.ClipMoved(c.Id, c.Track, c.Position, moved.Track, moved.Position)];
            }
            case TrimClip tr:
            {
                var c = ClipOf(m, tr.Id);
                var trimmed = c with { In = tr.In, Out = tr.Out };
                CheckPlace(m, trimmed, TrackOf(m, c.Track));
                return [new Change.ClipTrimmed(c.Id, c.In, c.Out, tr.In, tr.Out)];
            }
            case RemoveClip r:
                return [new Change.ClipRemoved(ClipOf(m, r.Id))];
            case AddAudioSequence a:
                if (a.Id < 0) throw Fail(SessionError.InvalidArgument, $"Audio sequence ids are 0 or more, not {a.Id}.");
                if (a.Length < 0) throw Fail(SessionError.InvalidArgument, $"Audio sequence #{a.Id} cannot have {a.Length} samples.");
                if (!Enum.IsDefined(a.Format)) throw Fail(SessionError.InvalidArgument, $"Audio sequence #{a.Id} has an unknown sample format {a.Format}.");
                if (m.AudioSequences.ContainsKey(a.Id)) throw Fail(SessionError.AudioSequenceExists, $"The session knows audio sequence #{a.Id} already.");
                return [new Change.AudioAdded(new AudioSequence(a.Id, a.Name ?? "", a.Format, a.Length, ChangeList.NoEdits))];
            case ExtendAudioSequence x:
            {
                var s = AudioOf(m, x.Id);
                if (x.Samples < 0 || s.Length > long.MaxValue - x.Samples)
                    throw Fail(SessionError.InvalidArgument, $"Audio sequence #{x.Id} cannot grow by {x.Samples} samples.");
                return [new Change.AudioLengthSet(s.Id, s.Length, s.Length + x.Samples)];
            }
            case EditAudio e:
            {
                var s = AudioOf(m, e.Sequence);
                ArgumentNullException.ThrowIfNull(e.Edit);
                return [new Change.AudioEdited(s.Id, e.Edit, s.Length, LengthAfter(m, s, e.Edit), false)];
            }
            case RemoveAudioSequence r:
            {
                var s = AudioOf(m, r.Id);
                if (s.Edits.Count > 0 || m.Clips.Values.Any(c => c.Source is ClipSource.Audio a && a.Sequence == s.Id))
                    throw Fail(SessionError.AudioSequenceInUse, $"Audio sequence #{s.Id} has edits or clips that use it; only an unused one can be removed.");
                return [new Change.AudioRemoved(s)];
            }
            default:
                throw Fail(SessionError.InvalidArgument, $"Unknown command {command.GetType().Name}.");
        }
    }

    /// <summary>The length a sequence has after <paramref name="edit"/>, by the sample store's own rules.</summary>
    private static long LengthAfter(SessionModel m, AudioSequence s, SequenceEdit edit)
    {
        switch (edit)
        {
            case SequenceEdit.Cut c:
                CheckAudioRange(s, c.Start, c.Length, s.Length);
                return s.Length - c.Length;
            case SequenceEdit.Trim t:
                CheckAudioRange(s, t.Start, t.Length, s.Length);
                return t.Length;
            case SequenceEdit.InsertSilence i:
                CheckAudioRange(s, i.At, 0, s.Length);
                CheckAudioRange(s, 0, i.Length, long.MaxValue - s.Length);
                return s.Length + i.Length;
            case SequenceEdit.Silence z:
                CheckAudioRange(s, z.Start, z.Length, s.Length);
                return s.Length;
            case SequenceEdit.Gain g:
                CheckAudioRange(s, g.Start, g.Length, s.Length);
                CheckFinite(s, g.Factor);
                return s.Length;
            case SequenceEdit.Fade f:
                CheckAudioRange(s, f.Start, f.Length, s.Length);
                CheckFinite(s, f.From);
                CheckFinite(s, f.To);
                return s.Length;
            case SequenceEdit.Paste p:
            {
                CheckAudioRange(s, p.At, 0, s.Length);
                if (!m.AudioSequences.TryGetValue(p.Source, out var source))
                    throw Fail(SessionError.InvalidAudioEdit, $"The paste into #{s.Id} takes from audio sequence #{p.Source}, which the session does not know.");
                if (source.Format != s.Format)
                    throw Fail(SessionError.InvalidAudioEdit, $"Cannot paste {source.Format} samples of #{source.Id} into {s.Format} sequence #{s.Id}.");
                CheckAudioRange(source, p.SourceStart, p.Length, source.Length);
                CheckAudioRange(s, 0, p.Length, long.MaxValue - s.Length);
                return s.Length + p.Length;
            }
            default:
                throw Fail(SessionError.InvalidAudioEdit, $"Unknown audio edit {edit.GetType().Name}.");
        }
    }

    private static void CheckAudioRange(AudioSequence s, long start, long length, long limit)
    {
        if (start < 0 || length < 0 || start > limit || length > limit - start)
            throw Fail(SessionError.InvalidAudioEdit, $"The range of {length} samples from {start} lies outside audio sequence #{s.Id} ({s.Length} samples).");
    }

    private static void CheckFinite(AudioSequence s, float value)
    {
        if (!float.IsFinite(value)) throw Fail(SessionError.InvalidAudioEdit, $"An edit of audio sequence #{s.Id} needs finite factors, not {value}.");
    }

    private static void CheckPlace(SessionModel m, Clip clip, Track track)
    {
        if (clip.In < 0 || clip.Out <= clip.In || clip.Position < 0 || clip.Duration > long.MaxValue - clip.Position)
            throw Fail(SessionError.InvalidRange, $"Clip '{clip.Id}' needs 0 <= in < out and a position of 0 or more; it has in {clip.In}, out {clip.Out}, position {clip.Position}.");
        switch (clip.Source)
        {
            case ClipSource.File f when string.IsNullOrEmpty(f.Path):
                throw Fail(SessionError.InvalidArgument, $"Clip '{clip.Id}' names no file.");
            case ClipSource.Audio a:
                if (track.Kind != TrackKind.Audio)
                    throw Fail(SessionError.SourceMismatch, $"Clip '{clip.Id}' plays audio sequence #{a.Sequence}; it belongs on an audio track, not on {track.Kind} track '{track.Id}'.");
                if (!m.AudioSequences.ContainsKey(a.Sequence))
                    throw Fail(SessionError.UnknownAudioSequence, $"Clip '{clip.Id}' plays audio sequence #{a.Sequence}, which the session does not know.");
                break;
        }
        if (m.Overlapping(clip) is { } other)
            throw Fail(SessionError.ClipOverlaps, $"Clip '{clip.Id}' at {clip.Position}..{clip.End} would cover clip '{other.Id}' at {other.Position}..{other.End} on track '{clip.Track}'.");
    }

    private static void CheckId(string id, string what)
    {
        if (string.IsNullOrEmpty(id)) throw Fail(SessionError.InvalidArgument, $"A {what} needs an id.");
    }

    private static Track TrackOf(SessionModel m, string id)
        => id is not null && m.Tracks.TryGetValue(id, out var t) ? t : throw Fail(SessionError.UnknownTrack, $"The session has no track '{id}'.");

    private static Clip ClipOf(SessionModel m, string id)
        => id is not null && m.Clips.TryGetValue(id, out var c) ? c : throw Fail(SessionError.UnknownClip, $"The session has no clip '{id}'.");

    private static AudioSequence AudioOf(SessionModel m, int id)
        => m.AudioSequences.TryGetValue(id, out var s) ? s : throw Fail(SessionError.UnknownAudioSequence, $"The session knows no audio sequence #{id}.");

    private static SessionException Fail(SessionError error, string message) => new(error, message);
}
