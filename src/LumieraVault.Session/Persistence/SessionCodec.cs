using System.Collections.Immutable;
using LumieraVault.Audio;
using LumieraVault.Audio.Editing;
using LumieraVault.Session.History;
using LumieraVault.Session.Model;

namespace LumieraVault.Session.Persistence;

/// <summary>
/// The binary schema of the log: every record starts with a tag byte that names its type, numbers are 7-bit
/// varints (zig-zag for the signed ones), strings are UTF-8 with their length. A tag this version does not
/// know is a <see cref="SessionError.DatabaseDamaged"/> error, never a guess. Tags are never reused: a new kind
/// of change or edit gets a new tag.
/// </summary>
internal static class SessionCodec
{
    public const byte Version = 1;

    private static class ChangeTag
    {
        public const byte TrackAdded = 1, TrackRemoved = 2, TrackRenamed = 3, ClipAdded = 4, ClipRemoved = 5, ClipMoved = 6,
            ClipTrimmed = 7, AudioAdded = 8, AudioRemoved = 9, AudioLengthSet = 10, AudioEdited = 11;
    }

    private static class EditTag
    {
        public const byte Cut = 1, Paste = 2, InsertSilence = 3, Silence = 4, Gain = 5, Fade = 6, Trim = 7;
    }

    private static class SourceTag
    {
        public const byte File = 1, Audio = 2;
    }

    // ------------------------------------------------------------------ writing

    public static void WriteStep(BinaryWriter w, Step step)
    {
        w.Write7BitEncodedInt64(step.Number);
        w.Write(step.Label);
        w.Write7BitEncodedInt(step.Changes.Length);
        foreach (var c in step.Changes) WriteChange(w, c);
    }

    public static void WriteSnapshot(BinaryWriter w, SessionSnapshot s)
    {
        WriteModel(w, s.Model);
        w.Write7BitEncodedInt64(s.NextStep);
        w.Write7BitEncodedInt(s.Done.Length);
        foreach (var step in s.Done) WriteStep(w, step);
        w.Write7BitEncodedInt(s.Undone.Length);
        foreach (var step in s.Undone) WriteStep(w, step);
    }

    private static void WriteModel(BinaryWriter w, SessionModel m)
    {
        w.Write7BitEncodedInt(m.Tracks.Count);
        foreach (var t in m.Tracks.Values) WriteTrack(w, t);
        w.Write7BitEncodedInt(m.Clips.Count);
        foreach (var c in m.Clips.Values) WriteClip(w, c);
        w.Write7BitEncodedInt(m.AudioSequences.Count);
        foreach (var a in m.AudioSequences.Values)
        {
            WriteAudio(w, a);
            w.Write7BitEncodedInt(a.Edits.Count);
            foreach (var e in a.Edits) WriteEdit(w, e);
        }
    }

    private static void WriteChange(BinaryWriter w, Change change)
    {
        switch (change)
        {
            case Change.TrackAdded c: w.Write(ChangeTag.TrackAdded); WriteTrack(w, c.Track); break;
            case Change.TrackRemoved c: w.Write(ChangeTag.TrackRemoved); WriteTrack(w, c.Track); break;
            case Change.TrackRenamed c: w.Write(ChangeTag.TrackRenamed); w.Write(c.Id); w.Write(c.From); w.Write(c.To); break;
            case Change.ClipAdded c: w.Write(ChangeTag.ClipAdded); WriteClip(w, c.Clip); break;
            case Change.ClipRemoved c: w.Write(ChangeTag.ClipRemoved); WriteClip(w, c.Clip); break;
            case Change.ClipMoved c:
                w.Write(ChangeTag.ClipMoved); w.Write(c.Id); w.Write(c.FromTrack); Signed(w, c.FromPosition); w.Write(c.ToTrack); Signed(w, c.ToPosition);
                break;
            case Change.ClipTrimmed c:
                w.Write(ChangeTag.ClipTrimmed); w.Write(c.Id); Signed(w, c.FromIn); Signed(w, c.FromOut); Signed(w, c.ToIn); Signed(w, c.ToOut);
                break;
            case Change.AudioAdded c: w.Write(ChangeTag.AudioAdded); WriteAudio(w, c.Sequence); break;
            case Change.AudioRemoved c: w.Write(ChangeTag.AudioRemoved); WriteAudio(w, c.Sequence); break;
            case Change.AudioLengthSet c: w.Write(ChangeTag.AudioLengthSet); w.Write7BitEncodedInt(c.Sequence); Signed(w, c.From); Signed(w, c.To); break;
            case Change.AudioEdited c:
                w.Write(ChangeTag.AudioEdited); w.Write7BitEncodedInt(c.Sequence); WriteEdit(w, c.Edit);
                Signed(w, c.LengthBefore); Signed(w, c.LengthAfter); w.Write(c.Reverted);
                break;
            default: throw new ArgumentException($"The session log has no schema for {change.GetType().Name}.", nameof(change));
        }
    }

    private static void WriteTrack(BinaryWriter w, Track t)
    {
        w.Write(t.Id);
        w.Write(t.Name);
        w.Write((byte)t.Kind);
    }

    private static void WriteClip(BinaryWriter w, Clip c)
    {
        w.Write(c.Id);
        w.Write(c.Track);
        switch (c.Source)
        {
            case ClipSource.File f: w.Write(SourceTag.File); w.Write(f.Path); break;
            case ClipSource.Audio a: w.Write(SourceTag.Audio); w.Write7BitEncodedInt(a.Sequence); break;
            default: throw new ArgumentException($"The session log has no schema for {c.Source.GetType().Name}.", nameof(c));
        }
        Signed(w, c.In);
        Signed(w, c.Out);
        Signed(w, c.Position);
    }

    private static void WriteAudio(BinaryWriter w, AudioSequence a)
    {
        w.Write7BitEncodedInt(a.Id);
        w.Write(a.Name);
        w.Write((byte)a.Format);
        Signed(w, a.Length);
    }

    /// <summary>The sample store's edit values, field by field.</summary>
    public static void WriteEdit(BinaryWriter w, SequenceEdit edit)
    {
        switch (edit)
        {
            case SequenceEdit.Cut e: w.Write(EditTag.Cut); Signed(w, e.Start); Signed(w, e.Length); break;
            case SequenceEdit.Paste e: w.Write(EditTag.Paste); Signed(w, e.At); w.Write7BitEncodedInt(e.Source); Signed(w, e.SourceStart); Signed(w, e.Length); break;
            case SequenceEdit.InsertSilence e: w.Write(EditTag.InsertSilence); Signed(w, e.At); Signed(w, e.Length); break;
            case SequenceEdit.Silence e: w.Write(EditTag.Silence); Signed(w, e.Start); Signed(w, e.Length); break;
            case SequenceEdit.Gain e: w.Write(EditTag.Gain); Signed(w, e.Start); Signed(w, e.Length); w.Write(e.Factor); break;
            case SequenceEdit.Fade e: w.Write(EditTag.Fade); Signed(w, e.Start); Signed(w, e.Length); w.Write(e.From); w.Write(e.To); break;
            case SequenceEdit.Trim e: w.Write(EditTag.Trim); Signed(w, e.Start); Signed(w, e.Length); break;
            default: throw new ArgumentException($"The session log has no schema for audio edit {edit.GetType().Name}.", nameof(edit));
        }
    }

    private static void Signed(BinaryWriter w, long value) => w.Write7BitEncodedInt64((value << 1) ^ (value >> 63));

    // ------------------------------------------------------------------ reading

    public static Step ReadStep(BinaryReader r)
    {
        long number = r.Read7BitEncodedInt64();
        string label = r.ReadString();
        var changes = new Change[Count(r)];
        for (int i = 0; i < changes.Length; i++) changes[i] = ReadChange(r);
        return new Step(number, label, changes);
    }

    public static SessionSnapshot ReadSnapshot(BinaryReader r)
    {
        var model = ReadModel(r);
        long next = r.Read7BitEncodedInt64();
        var done = new Step[Count(r)];
        for (int i = 0; i < done.Length; i++) done[i] = ReadStep(r);
        var undone = new Step[Count(r)];
        for (int i = 0; i < undone.Length; i++) undone[i] = ReadStep(r);
        return new SessionSnapshot(model, next, done, undone);
    }

    private static SessionModel ReadModel(BinaryReader r)
    {
        var tracks = ImmutableSortedDictionary.CreateBuilder<string, Track>(StringComparer.Ordinal);
        for (int i = Count(r); i > 0; i--)
        {
            var t = ReadTrack(r);
            tracks.Add(t.Id, t);
        }
        var clips = ImmutableSortedDictionary.CreateBuilder<string, Clip>(StringComparer.Ordinal);
        for (int i = Count(r); i > 0; i--)
        {
            var c = ReadClip(r);
            clips.Add(c.Id, c);
        }
        var audio = ImmutableSortedDictionary.CreateBuilder<int, AudioSequence>();
        for (int i = Count(r); i > 0; i--)
        {
            var a = ReadAudio(r);
            var edits = ImmutableList.CreateBuilder<SequenceEdit>();
            for (int k = Count(r); k > 0; k--) edits.Add(ReadEdit(r));
            audio.Add(a.Id, a with { Edits = edits.ToImmutable() });
        }
        return new SessionModel(tracks.ToImmutable(), clips.ToImmutable(), audio.ToImmutable());
    }

    private static Change ReadChange(BinaryReader r)
    {
        byte tag = r.ReadByte();
        return tag switch
        {
            ChangeTag.TrackAdded => new Change.TrackAdded(ReadTrack(r)),
            ChangeTag.TrackRemoved => new Change.TrackRemoved(ReadTrack(r)),
            ChangeTag.TrackRenamed => new Change.TrackRenamed(r.ReadString(), r.ReadString(), r.ReadString()),
            ChangeTag.ClipAdded => new Change.ClipAdded(ReadClip(r)),
            ChangeTag.ClipRemoved => new Change.ClipRemoved(ReadClip(r)),
            ChangeTag.ClipMoved => new Change.ClipMoved(r.ReadString(), r.ReadString(), Signed(r), r.ReadString(), Signed(r)),
            ChangeTag.ClipTrimmed => new Change.ClipTrimmed(r.ReadString(), Signed(r), Signed(r), Signed(r), Signed(r)),
            ChangeTag.AudioAdded => new Change.AudioAdded(ReadAudio(r)),
            ChangeTag.AudioRemoved => new Change.AudioRemoved(ReadAudio(r)),
            ChangeTag.AudioLengthSet => new Change.AudioLengthSet(r.Read7BitEncodedInt(), Signed(r), Signed(r)),
            ChangeTag.AudioEdited => new Change.AudioEdited(r.Read7BitEncodedInt(), ReadEdit(r), Signed(r), Signed(r), r.ReadBoolean()),
            _ => throw Unknown("change", tag),
        };
    }

    private static Track ReadTrack(BinaryReader r)
    {
        string id = r.ReadString(), name = r.ReadString();
        byte kind = r.ReadByte();
        if (kind > (byte)TrackKind.Audio) throw Unknown("track kind", kind);
        return new Track(id, name, (TrackKind)kind);
    }

    private static Clip ReadClip(BinaryReader r)
    {
        string id = r.ReadString(), track = r.ReadString();
        byte tag = r.ReadByte();
        ClipSource source = tag switch
        {
            SourceTag.File => new ClipSource.File(r.ReadString()),
            SourceTag.Audio => new ClipSource.Audio(r.Read7BitEncodedInt()),
            _ => throw Unknown("clip source", tag),
        };
        return new Clip(id, track, source, Signed(r), Signed(r), Signed(r));
    }

    private static AudioSequence ReadAudio(BinaryReader r)
    {
        int id = r.Read7BitEncodedInt();
        string name = r.ReadString();
        byte format = r.ReadByte();
        if (!Enum.IsDefined((SampleFormat)format)) throw Unknown("sample format", format);
        return new AudioSequence(id, name, (SampleFormat)format, Signed(r), ChangeList.NoEdits);
    }

    public static SequenceEdit ReadEdit(BinaryReader r)
    {
        byte tag = r.ReadByte();
        return tag switch
        {
            EditTag.Cut => new SequenceEdit.Cut(Signed(r), Signed(r)),
            EditTag.Paste => new SequenceEdit.Paste(Signed(r), r.Read7BitEncodedInt(), Signed(r), Signed(r)),
            EditTag.InsertSilence => new SequenceEdit.InsertSilence(Signed(r), Signed(r)),
            EditTag.Silence => new SequenceEdit.Silence(Signed(r), Signed(r)),
            EditTag.Gain => new SequenceEdit.Gain(Signed(r), Signed(r), r.ReadSingle()),
            EditTag.Fade => new SequenceEdit.Fade(Signed(r), Signed(r), r.ReadSingle(), r.ReadSingle()),
            EditTag.Trim => new SequenceEdit.Trim(Signed(r), Signed(r)),
            _ => throw Unknown("audio edit", tag),
        };
    }

    private static long Signed(BinaryReader r)
    {
        ulong v = (ulong)r.Read7BitEncodedInt64();
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    private static int Count(BinaryReader r)
    {
        int n = r.Read7BitEncodedInt();
        if (n < 0) throw new SessionException(SessionError.DatabaseDamaged, $"The session log holds a negative count ({n}).");
        return n;
    }

    private static SessionException Unknown(string what, byte tag)
        => new(SessionError.DatabaseDamaged, $"The session log holds a {what} of tag {tag}, which this version does not know: the log is damaged or written by a newer version.");
}
