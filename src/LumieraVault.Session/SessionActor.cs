using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using LumieraVault.Session.Commands;
using LumieraVault.Session.Hosting;
using LumieraVault.Session.History;
using LumieraVault.Session.Persistence;

namespace LumieraVault.Session;

/// <summary>
/// The event-sourced session. A command is checked against the state, becomes an event, and is written with
/// <c>PersistAsync</c>: events that arrive while a write is in flight go to the journal together in the next
/// write, which is what makes thousands of acknowledged modifications per second possible. The event is applied
/// to the actor's working state when it is made, so the next command is checked against it; nobody sees it before
/// the journal has it: the acknowledgement is sent from the persist handler, and views are answered through
/// <c>DeferAsync</c> after every event before them is written. A failed write stops the actor (Akka.Persistence's
/// rule), and its working state goes with it; a restart rebuilds the state from the journal.
/// </summary>
internal sealed class SessionActor : UntypedPersistentActor
{
    private readonly SessionSettings _settings;
    private readonly TaskCompletionSource<bool> _started;
    private readonly Queue<TaskCompletionSource<SessionAck>> _inFlight = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private SessionState _state;
    private long _made; // the sequence number of the newest event made, written or not

    public SessionActor(string persistenceId, SessionSettings settings, TaskCompletionSource<bool> started)
    {
        PersistenceId = persistenceId;
        _settings = settings;
        _started = started;
        _state = new SessionState(settings.UndoDepth);
    }

    public override string PersistenceId { get; }

    public override Recovery Recovery => _settings.UseSnapshots ? Recovery.Default : new Recovery(SnapshotSelectionCriteria.None);

    public static Props Props(string persistenceId, SessionSettings settings, TaskCompletionSource<bool> started)
        => Akka.Actor.Props.Create(() => new SessionActor(persistenceId, settings, started));

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: SessionSnapshot snapshot }:
                _state = SessionState.Restore(snapshot, _settings.UndoDepth);
                break;
            case SessionEvent e:
                _state.Apply(e);
                break;
            case RecoveryCompleted:
                _made = LastSequenceNr;
                _log.Info("Session {0} recovered to event {1}: {2}, {3} step(s) to undo, {4} to redo", PersistenceId, LastSequenceNr, _state.Model, _state.UndoCount, _state.RedoCount);
                _started.TrySetResult(true);
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case SessionProtocol.Modify m:
                Modify(m);
                break;
            case SessionProtocol.Undo u:
                if (Check(() => _state.CheckUndo(u.Steps), u.Reply))
                {
                    _state.Undo(u.Steps);
                    Write(new SessionEvent.Undone(u.Steps), u.Reply);
                }
                break;
            case SessionProtocol.Redo r:
                if (Check(() => _state.CheckRedo(r.Steps), r.Reply))
                {
                    _state.Redo(r.Steps);
                    Write(new SessionEvent.Redone(r.Steps), r.Reply);
                }
                break;
            case SessionProtocol.GetView v:
                var view = new SessionView(_state.Model, _made, _state.UndoCount, _state.RedoCount, _state.UndoLabels(1).FirstOrDefault(), _state.RedoLabels(1).FirstOrDefault());
                DeferAsync(view, x => v.Reply.TrySetResult(x));
                break;
            case SessionProtocol.GetHistory h:
                var history = new SessionHistory(_state.UndoLabels(int.MaxValue), _state.RedoLabels(int.MaxValue));
                DeferAsync(history, x => h.Reply.TrySetResult(x));
                break;
            case SaveSnapshotSuccess s:
                // Older snapshots are never read again: the newest is where every start begins.
                DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
                break;
            case SaveSnapshotFailure f:
                _log.Warning(f.Cause, "Session {0}: the snapshot at event {1} was not saved; start-up replays from the one before", PersistenceId, f.Metadata.SequenceNr);
                break;
            case DeleteSnapshotsSuccess:
                break;
            case DeleteSnapshotsFailure f:
                _log.Warning(f.Cause, "Session {0}: old snapshots were not deleted", PersistenceId);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Modify(SessionProtocol.Modify m)
    {
        Model.Change[]? changes = null;
        Model.SessionModel? after = null;
        if (!Check(() => (changes, after) = CommandPlanner.Plan(_state.Model, m.Commands), m.Reply)) return;
        var step = new Step(_state.NextStep, m.Label, changes!);
        _state.Commit(step, after!);
        Write(new SessionEvent.StepDone(step), m.Reply);
    }

    private static bool Check(Action check, TaskCompletionSource<SessionAck> reply)
    {
        try
        {
            check();
            return true;
        }
        catch (SessionException e)
        {
            reply.TrySetException(e);
            return false;
        }
    }

    private void Write(SessionEvent e, TaskCompletionSource<SessionAck> reply)
    {
        long seq = ++_made;
        var ack = new SessionAck(seq, _state.UndoCount > 0 ? _state.NewestStep : 0, _state.UndoCount, _state.RedoCount);
        // Captured now, with the state that includes exactly this event; saved once the event is written.
        var snapshot = _settings.SnapshotEvery > 0 && seq % _settings.SnapshotEvery == 0 ? _state.Capture() : null;
        _inFlight.Enqueue(reply);
        PersistAsync(e, _ =>
        {
            _inFlight.Dequeue().TrySetResult(ack);
            if (snapshot is not null) SnapshotStore.Tell(new SaveSnapshot(new SnapshotMetadata(PersistenceId, seq, DateTime.UtcNow), snapshot), Self);
        });
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        string what = $"Session '{PersistenceId}' could not be read from {_settings.DatabaseName}";
        var named = Classify(reason, what);
        _started.TrySetException(named.Message.StartsWith(what, StringComparison.Ordinal) ? named : new SessionException(named.Error, $"{what}: {named.Message}", reason));
        base.OnRecoveryFailure(reason, message);
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        FailInFlight(Classify(cause, $"Session '{PersistenceId}': the journal did not take event {sequenceNr}; the session stopped") is { Error: not SessionError.LogInconsistent } e
            ? new SessionException(SessionError.PersistFailed, e.Message, cause)
            : new SessionException(SessionError.PersistFailed, $"Session '{PersistenceId}': the journal did not take event {sequenceNr}; the session stopped: {cause.Message}", cause));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // The working state has the event already: the actor cannot go on without it, so it stops like on a failure.
        FailInFlight(new SessionException(SessionError.PersistFailed, $"Session '{PersistenceId}': the journal rejected event {sequenceNr} ({cause.Message}); the session stopped", cause));
        base.OnPersistRejected(cause, @event, sequenceNr);
        Context.Stop(Self);
    }

    protected override void PostStop()
    {
        FailInFlight(new SessionException(SessionError.SessionStopped, $"Session '{PersistenceId}' stopped before the journal had this modification."));
        _started.TrySetException(new SessionException(SessionError.SessionStopped, $"Session '{PersistenceId}' stopped while starting."));
        base.PostStop();
    }

    private void FailInFlight(SessionException e)
    {
        while (_inFlight.Count > 0) _inFlight.Dequeue().TrySetException(e);
    }

    internal static SessionException Classify(Exception reason, string what)
    {
        if (SqliteGuard.Classify(reason, what) is { } named) return named;
        for (var x = reason; x is not null; x = x.InnerException)
        {
            if (x is Npgsql.PostgresException pg)
                return new SessionException(SessionError.DatabaseUnavailable, $"{what}: PostgreSQL refused it ({pg.SqlState}: {pg.MessageText})", reason);
            if (x is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
                return new SessionException(SessionError.DatabaseUnavailable, $"{what}: the database server cannot be reached ({x.Message})", reason);
        }
        return new SessionException(SessionError.DatabaseUnavailable, $"{what}: {reason.Message}", reason);
    }
}
