using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace LumieraVault.Session.Model;

/// <summary>
/// The editor's session as the log rebuilds it: tracks, the clips on them and the audio sequences with their
/// edits. Immutable: every modification makes a new model that shares what did not change, so a reader holds a
/// consistent picture while the session goes on.
/// </summary>
public sealed class SessionModel
{
    /// <summary>A session with nothing in it.</summary>
    public static readonly SessionModel Empty = new(
        ImmutableSortedDictionary.Create<string, Track>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, Clip>(StringComparer.Ordinal),
        ImmutableSortedDictionary<int, AudioSequence>.Empty);

    // The clips ordered by track and position, so that the overlap check and ClipsOn look at neighbours only.
    private readonly ImmutableSortedSet<Clip> _byPlace;

    internal SessionModel(
        ImmutableSortedDictionary<string, Track> tracks,
        ImmutableSortedDictionary<string, Clip> clips,
        ImmutableSortedDictionary<int, AudioSequence> audio)
        : this(tracks, clips, audio, ImmutableSortedSet.CreateRange(ClipPlace.Instance, clips.Values))
    {
    }

    private SessionModel(
        ImmutableSortedDictionary<string, Track> tracks,
        ImmutableSortedDictionary<string, Clip> clips,
        ImmutableSortedDictionary<int, AudioSequence> audio,
        ImmutableSortedSet<Clip> byPlace)
    {
        Tracks = tracks;
        Clips = clips;
        AudioSequences = audio;
        _byPlace = byPlace;
    }

    /// <summary>The tracks by id.</summary>
    public ImmutableSortedDictionary<string, Track> Tracks { get; }

    /// <summary>The clips by id.</summary>
    public ImmutableSortedDictionary<string, Clip> Clips { get; }

    /// <summary>The audio sequences by their id in the sample store.</summary>
    public ImmutableSortedDictionary<int, AudioSequence> AudioSequences { get; }

    /// <summary>The clips on <paramref name="track"/>, by position.</summary>
    public IEnumerable<Clip> ClipsOn(string track)
    {
        for (int i = ~_byPlace.IndexOf(Probe(track, long.MinValue)); i < _byPlace.Count && _byPlace[i].Track == track; i++)
            yield return _byPlace[i];
    }

    /// <summary>A clip other than <paramref name="clip"/> itself that covers part of its place, if any.</summary>
    internal Clip? Overlapping(Clip clip)
    {
        int at = ~_byPlace.IndexOf(Probe(clip.Track, clip.Position));
        for (int i = at - 1; i >= 0 && i >= at - 2; i--)
        {
            var before = _byPlace[i];
            if (before.Id == clip.Id) continue;
            if (before.Track == clip.Track && before.End > clip.Position) return before;
            break;
        }
        for (int i = at; i < _byPlace.Count && i <= at + 1; i++)
        {
            var after = _byPlace[i];
            if (after.Id == clip.Id) continue;
            if (after.Track == clip.Track && after.Position < clip.End) return after;
            break;
        }
        return null;
    }

    internal SessionModel With(ImmutableSortedDictionary<string, Track>? tracks = null, ImmutableSortedDictionary<int, AudioSequence>? audio = null)
        => new(tracks ?? Tracks, Clips, audio ?? AudioSequences, _byPlace);

    internal SessionModel WithClip(Clip clip) => new(Tracks, Clips.Add(clip.Id, clip), AudioSequences, _byPlace.Add(clip));

    internal SessionModel WithoutClip(Clip clip) => new(Tracks, Clips.Remove(clip.Id), AudioSequences, _byPlace.Remove(clip));

    internal SessionModel WithClipReplaced(Clip old, Clip clip) => new(Tracks, Clips.SetItem(clip.Id, clip), AudioSequences, _byPlace.Remove(old).Add(clip));

    // The empty id sorts before every clip at the same place.
    private static Clip Probe(string track, long position) => new("", track, ClipSource.None, 0, 0, position);

    private sealed class ClipPlace : IComparer<Clip>
    {
        public static readonly ClipPlace Instance = new();

        public int Compare(Clip? x, Clip? y)
        {
            int c = string.CompareOrdinal(x!.Track, y!.Track);
            if (c == 0) c = x.Position.CompareTo(y.Position);
            return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
        }
    }

    /// <summary>
    /// The whole model as text, one line per track, clip and sequence, in a fixed order: two models are the same
    /// exactly when their texts are.
    /// </summary>
    public string ToText()
    {
        var text = new StringBuilder();
        foreach (var t in Tracks.Values)
        {
            text.Append(CultureInfo.InvariantCulture, $"track {t.Id} '{t.Name}' {t.Kind}\n");
            foreach (var c in ClipsOn(t.Id))
                text.Append(CultureInfo.InvariantCulture, $"  clip {c.Id} at {c.Position}..{c.End}: {c.Source} [{c.In}, {c.Out})\n");
        }
        foreach (var a in AudioSequences.Values)
        {
            text.Append(CultureInfo.InvariantCulture, $"audio #{a.Id} '{a.Name}' {a.Format}, {a.Length} samples, {a.Edits.Count} edits\n");
            foreach (var e in a.Edits) text.Append(CultureInfo.InvariantCulture, $"  {e}\n");
        }
        return text.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => $"session ({Tracks.Count} tracks, {Clips.Count} clips, {AudioSequences.Count} audio sequences)";
}
