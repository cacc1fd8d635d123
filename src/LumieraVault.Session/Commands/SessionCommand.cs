using LumieraVault.Audio;
using LumieraVault.Audio.Editing;
using LumieraVault.Session.Model;

namespace LumieraVault.Session.Commands;

/// <summary>
/// A modification the editor asks of the session. The session checks it against the model, logs it, applies it
/// and then acknowledges it; one that does not fit fails with a <see cref="SessionException"/> and changes nothing.
/// Several commands sent as one group are one step: they are checked together (each against the model the ones
/// before it made) and undone together.
/// </summary>
public abstract record SessionCommand
{
    private SessionCommand() { }

    /// <summary>Adds an empty track.</summary>
    public sealed record AddTrack(string Id, string Name, TrackKind Kind) : SessionCommand;

    /// <summary>Gives a track another name.</summary>
    public sealed record RenameTrack(string Id, string Name) : SessionCommand;

    /// <summary>Removes a track and, in the same step, the clips on it.</summary>
    public sealed record RemoveTrack(string Id) : SessionCommand;

    /// <summary>Places the part [<paramref name="In"/>, <paramref name="Out"/>) of a source at <paramref name="Position"/> of a track.</summary>
    public sealed record AddClip(string Id, string Track, ClipSource Source, long In, long Out, long Position) : SessionCommand;

    /// <summary>Moves a clip to <paramref name="Position"/>, on <paramref name="Track"/> if given (else on its own track).</summary>
    public sealed record MoveClip(string Id, long Position, string? Track = null) : SessionCommand;

    /// <summary>Gives a clip new in and out points; its position stays.</summary>
    public sealed record TrimClip(string Id, long In, long Out) : SessionCommand;

    /// <summary>Removes a clip.</summary>
    public sealed record RemoveClip(string Id) : SessionCommand;

    /// <summary>Makes a sequence of the sample store known to the session, with the samples it has now.</summary>
    public sealed record AddAudioSequence(int Id, string Name, SampleFormat Format, long Length) : SessionCommand;

    /// <summary>Records that <paramref name="Samples"/> samples were appended to a sequence (recorded or imported).</summary>
    public sealed record ExtendAudioSequence(int Id, long Samples) : SessionCommand;

    /// <summary>Records an edit of the sample store's sequence <paramref name="Sequence"/>, as the store's own edit value.</summary>
    public sealed record EditAudio(int Sequence, SequenceEdit Edit) : SessionCommand;

    /// <summary>Forgets an audio sequence that has no edits and that no clip uses.</summary>
    public sealed record RemoveAudioSequence(int Id) : SessionCommand;
}
