namespace LumieraVault.Session;

/// <summary>What was wrong with a request to the session, or with its database.</summary>
public enum SessionError
{
    /// <summary>An argument that is not valid in itself (an empty id, a negative step count).</summary>
    InvalidArgument,
    /// <summary>No track has the id given.</summary>
    UnknownTrack,
    /// <summary>A track with that id exists already.</summary>
    TrackExists,
    /// <summary>No clip has the id given.</summary>
    UnknownClip,
    /// <summary>A clip with that id exists already.</summary>
    ClipExists,
    /// <summary>A clip would cover part of another clip on the same track.</summary>
    ClipOverlaps,
    /// <summary>In and out points or a position that do not make a clip (out before in, a negative time).</summary>
    InvalidRange,
    /// <summary>A clip's source does not fit its track (a video file on an audio track is fine; an audio sequence on a video track is not).</summary>
    SourceMismatch,
    /// <summary>No audio sequence has the id given.</summary>
    UnknownAudioSequence,
    /// <summary>An audio sequence with that id exists already.</summary>
    AudioSequenceExists,
    /// <summary>Clips still refer to the audio sequence to be removed.</summary>
    AudioSequenceInUse,
    /// <summary>An audio edit that does not fit the sequence (a range past its end, another format to paste).</summary>
    InvalidAudioEdit,
    /// <summary>A grouped modification with no change in it.</summary>
    EmptyGroup,
    /// <summary>There are fewer steps to undo than asked for.</summary>
    NothingToUndo,
    /// <summary>There are fewer undone steps to redo than asked for.</summary>
    NothingToRedo,
    /// <summary>The database file is not a database, or is damaged; it was left as it is.</summary>
    DatabaseDamaged,
    /// <summary>Another program (or another session) holds the database.</summary>
    DatabaseLocked,
    /// <summary>The database (or its folder) cannot be written.</summary>
    DatabaseReadOnly,
    /// <summary>The database cannot be reached (a server that does not answer, a connection refused).</summary>
    DatabaseUnavailable,
    /// <summary>The log holds an event that does not apply to the session it rebuilds: written by another program or version.</summary>
    LogInconsistent,
    /// <summary>The journal did not take an event; the session stopped and nothing after the last acknowledged step is kept.</summary>
    PersistFailed,
    /// <summary>The session is stopped.</summary>
    SessionStopped,
}

/// <summary>
/// A failed request to the session. A command that fails this way changed nothing: the model, its history and
/// the log are as they were.
/// </summary>
public sealed class SessionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SessionException(SessionError error, string message, Exception? inner = null) : base(message, inner) => Error = error;

    /// <summary>What was wrong.</summary>
    public SessionError Error { get; }
}
