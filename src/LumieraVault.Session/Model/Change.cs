using System.Collections.Immutable;
using LumieraVault.Audio.Editing;

namespace LumieraVault.Session.Model;

/// <summary>
/// One change of the model inside a step, as it is logged. A change carries what was there before as well as
/// what is there after, so it is its own undo: <see cref="Inverse"/> swaps them. <see cref="ApplyTo"/> checks
/// that the model is in the state the change expects, so a log that does not fit the session it rebuilds is
/// reported instead of applied half.
/// </summary>
internal abstract record Change
{
    public abstract SessionModel ApplyTo(SessionModel model);

    public abstract Change Inverse();

    public sealed record TrackAdded(Track Track) : Change
    {
        public override SessionModel ApplyTo(SessionModel m)
        {
            Expect(!m.Tracks.ContainsKey(Track.Id), this);
            return m.With(tracks: m.Tracks.Add(Track.Id, Track));
        }

        public override Change Inverse() => new TrackRemoved(Track);
    }

    public sealed record TrackRemoved(Track Track) : Change
    {
        public override SessionModel ApplyTo(SessionModel m)
        {
            Expect(m.Tracks.TryGetValue(Track.Id, out var t) && t == Track, this);
            return m.With(tracks: m.Tracks.Remove(Track.Id));
        }

        public override Change Inverse() => new TrackAdded(Track);
    }

    public sealed record TrackRenamed(string Id, string From, string To) : Change
    {
        public override SessionModel ApplyTo(SessionModel m)
        {
            Expect(m.Tracks.TryGetValue(Id, out var t) && t.Name == From, this);
            return m.With(tracks: m.Tracks.SetItem(Id, t! with { Name = To }));
        }

        public override Change Inverse() => new TrackRenamed(Id, To, From);
    }

    public sealed record ClipAdded(Clip Clip) : Change
    {
        public override SessionModel ApplyTo(SessionModel m)
        {
            Expect(!m.Clips.ContainsKey(Clip.Id) && m.Tracks.ContainsKey(Clip.Track), this);
            return m.WithClip(Clip);
        }

        public override Change Inverse() => new ClipRemoved(Clip);
    }

    public sealed record ClipRemoved(Clip Clip) : Change
    {
        public override SessionModel ApplyTo(SessionModel m)
        {
            Expect(m.Clips.TryGetValue(Clip.Id, out var c) && c == Clip, this);
            return m.WithoutClip(Clip);
        }

        public override Change Inverse() => new ClipAdded(Clip);
    }

    public sealed record ClipMoved(string Id, string FromTrack, long FromPosition, string ToTrack, long ToPosition) : Change
    {
        public override SessionModel ApplyTo(SessionModel m)
        {
            Expect(m.Clips.TryGetValue(Id, out var c) && c.Track == FromTrack && c.Position == FromPosition && m.Tracks.ContainsKey(ToTrack), this);
            return m.WithClipReplaced(c!, c! with { Track = ToTrack, Position = ToPosition });
        }

        public override Change Inverse() => new ClipMoved(Id, ToTrack, ToPosition, FromTrack, FromPosition);
    }

    public sealed record ClipTrimmed(string Id, long FromIn, long FromOut, long ToIn, long ToOut) : Change
    {
        public override SessionModel ApplyTo(SessionModel m)
        {
            Expect(m.Clips.TryGetValue(Id, out var c) && c.In == FromIn && c.Out == FromOut, this);
            return m.WithClipReplaced(c!, c! with { In = ToIn, Out = ToOut });
        }

        public override Change Inverse() => new ClipTrimmed(Id, ToIn, ToOut, FromIn, FromOut);
    }

    public sealed record AudioAdded(AudioSequence Sequence) : Change
    {
        public override SessionModel ApplyTo(SessionModel m)
        {
            Expect(!m.AudioSequences.ContainsKey(Sequence.Id), this);
            return m.With(audio: m.AudioSequences.Add(Sequence.Id, Sequence));
        }

        public override Change Inverse() => new AudioRemoved(Sequence);
    }

    // Only a sequence without edits is removed (the planner refuses the others), so the record needs no edit list.
    public sealed record AudioRemoved(AudioSequence Sequence) : Change
    {
        public override SessionModel ApplyTo(SessionModel m)
        {
            Expect(m.AudioSequences.TryGetValue(Sequence.Id, out var a) && a.Length == Sequence.Length && a.Edits.Count == Sequence.Edits.Count, this);
            return m.With(audio: m.AudioSequences.Remove(Sequence.Id));
        }

        public override Change Inverse() => new AudioAdded(Sequence);
    }

    public sealed record AudioLengthSet(int Sequence, long From, long To) : Change
    {
        public override SessionModel ApplyTo(SessionModel m)
        {
            Expect(m.AudioSequences.TryGetValue(Sequence, out var a) && a.Length == From, this);
            return m.With(audio: m.AudioSequences.SetItem(Sequence, a! with { Length = To }));
        }

        public override Change Inverse() => new AudioLengthSet(Sequence, To, From);
    }

    /// <summary>An edit appended to a sequence's edits (<see cref="Reverted"/> false) or taken off their end (true).</summary>
    public sealed record AudioEdited(int Sequence, SequenceEdit Edit, long LengthBefore, long LengthAfter, bool Reverted) : Change
    {
        public override SessionModel ApplyTo(SessionModel m)
        {
            if (!Reverted)
            {
                Expect(m.AudioSequences.TryGetValue(Sequence, out var a) && a.Length == LengthBefore, this);
                return m.With(audio: m.AudioSequences.SetItem(Sequence, a! with { Length = LengthAfter, Edits = a.Edits.Add(Edit) }));
            }
            Expect(m.AudioSequences.TryGetValue(Sequence, out var b) && b.Length == LengthAfter && b.Edits.Count > 0 && b.Edits[^1] == Edit, this);
            return m.With(audio: m.AudioSequences.SetItem(Sequence, b! with { Length = LengthBefore, Edits = b.Edits.RemoveAt(b.Edits.Count - 1) }));
        }

        public override Change Inverse() => this with { Reverted = !Reverted };
    }

    private static void Expect(bool fits, Change change)
    {
        if (!fits)
            throw new SessionException(SessionError.LogInconsistent, $"The logged change '{change}' does not fit the session it is applied to.");
    }
}

internal static class ChangeList
{
    public static SessionModel Do(SessionModel model, Change[] changes)
    {
        foreach (var c in changes) model = c.ApplyTo(model);
        return model;
    }

    public static SessionModel Undo(SessionModel model, Change[] changes)
    {
        for (int i = changes.Length - 1; i >= 0; i--) model = changes[i].Inverse().ApplyTo(model);
        return model;
    }

    public static ImmutableList<SequenceEdit> NoEdits => ImmutableList<SequenceEdit>.Empty;
}
