using LumieraVault.Session.Commands;
using LumieraVault.Session.Model;

namespace LumieraVault.Session;

/// <summary>What the session answers to a modification, undo or redo: it is in the journal.</summary>
/// <param name="SequenceNr">The event's number in the journal.</param>
/// <param name="Step">The number of the step done (for undo and redo: of the newest step left to undo, 0 if none).</param>
/// <param name="UndoCount">Steps that can be undone now.</param>
/// <param name="RedoCount">Undone steps that can be redone now.</param>
public sealed record SessionAck(long SequenceNr, long Step, int UndoCount, int RedoCount);

/// <summary>The session as of a moment in which every modification before it was in the journal.</summary>
/// <param name="Model">The model.</param>
/// <param name="SequenceNr">The journal's newest event.</param>
/// <param name="UndoCount">Steps that can be undone.</param>
/// <param name="RedoCount">Undone steps that can be redone.</param>
/// <param name="NextUndo">The label of the step an undo takes back, if any.</param>
/// <param name="NextRedo">The label of the step a redo does again, if any.</param>
public sealed record SessionView(SessionModel Model, long SequenceNr, int UndoCount, int RedoCount, string? NextUndo, string? NextRedo);

/// <summary>One event of the session's journal, as text.</summary>
public sealed record LogEntry(long SequenceNr, string Text)
{
    /// <inheritdoc />
    public override string ToString() => $"#{SequenceNr} {Text}";
}

/// <summary>The labels of the steps that can be undone (newest first) and redone (next first).</summary>
public sealed record SessionHistory(IReadOnlyList<string> Undo, IReadOnlyList<string> Redo);

/// <summary>Messages of the session actor; replies go to the task sources they carry, so no asker actor is made per request.</summary>
internal static class SessionProtocol
{
    public sealed record Modify(string Label, IReadOnlyList<SessionCommand> Commands, TaskCompletionSource<SessionAck> Reply);

    public sealed record Undo(int Steps, TaskCompletionSource<SessionAck> Reply);

    public sealed record Redo(int Steps, TaskCompletionSource<SessionAck> Reply);

    public sealed record GetView(TaskCompletionSource<SessionView> Reply);

    public sealed record GetHistory(TaskCompletionSource<SessionHistory> Reply);
}
