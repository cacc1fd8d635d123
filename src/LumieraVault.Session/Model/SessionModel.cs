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

    internal SessionModel(
        ImmutableSortedDictionary<string, Track> tracks,
        ImmutableSortedDictionary<string, Clip> clips,
        ImmutableSortedDictionary<int, AudioSequence> audio)
    {
        Tracks = tracks;
        Clips = clips;
        AudioSequences = audio;
    }

    /// <summary>The tracks by id.</summary>
    public ImmutableSortedDictionary<string, Track> Tracks { get; }

    /// <summary>The clips by id.</summary>
    public ImmutableSortedDictionary<string, Clip> Clips { get; }

    /// <summary>The audio sequences by their id in the sample store.</summary>
    public ImmutableSortedDictionary<int, AudioSequence> AudioSequences { get; }

    /// <summary>The clips on <paramref name="track"/>, by position.</summary>
    public IEnumerable<Clip> ClipsOn(string track) => Clips.Values.Where(c => c.Track == track).OrderBy(c => c.Position);

    internal SessionModel With(
        ImmutableSortedDictionary<string, Track>? tracks = null,
        ImmutableSortedDictionary<string, Clip>? clips = null,
        ImmutableSortedDictionary<int, AudioSequence>? audio = null)
        => new(tracks ?? Tracks, clips ?? Clips, audio ?? AudioSequences);

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
