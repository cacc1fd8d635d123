using Akka.Actor;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using LumieraVault.Session.History;
using LumieraVault.Session.Commands;
using LumieraVault.Session.Hosting;
using LumieraVault.Session.Persistence;

namespace LumieraVault.Session;

/// <summary>
/// The editor's handle on a logged session: thread-safe, every method answers with a task. Start it with
/// <see cref="StartAsync"/> on an actor system configured by <see cref="SessionConfig"/>; it checks the database
/// (a SQLite file must be a sound, writable database that no other session holds), then replays the log from
/// the newest snapshot. A modification's task completes when the journal has it; one that does not fit the
/// session fails with a <see cref="SessionException"/> and changes nothing. Dispose it to stop the session
/// after every modification sent before is written.
/// </summary>
public sealed class EditorSession : IAsyncDisposable
{
    private readonly IActorRef _actor;
    private readonly Task _stopped;
    private readonly SqliteGuard? _guard;
    private int _disposed;

    private readonly ActorSystem _system;

    private EditorSession(ActorSystem system, string id, SessionSettings settings, IActorRef actor, Task stopped, SqliteGuard? guard)
    {
        _system = system;
        Id = id;
        Settings = settings;
        _actor = actor;
        _stopped = stopped;
        _guard = guard;
    }

    /// <summary>The session's persistence id: its name in the journal.</summary>
    public string Id { get; }

    /// <summary>The settings in force.</summary>
    public SessionSettings Settings { get; }

    /// <summary>
    /// Starts session <paramref name="id"/> of the database that <paramref name="system"/>'s configuration names
    /// and waits until its state is rebuilt. Fails with <see cref="SessionError.DatabaseDamaged"/>,
    /// <see cref="SessionError.DatabaseLocked"/>, <see cref="SessionError.DatabaseReadOnly"/>,
    /// <see cref="SessionError.DatabaseUnavailable"/> or <see cref="SessionError.LogInconsistent"/>, leaving the
    /// database as it was.
    /// </summary>
    public static async Task<EditorSession> StartAsync(ActorSystem system, string id = "session", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentException.ThrowIfNullOrEmpty(id);
        var settings = SessionSettings.From(system.Settings.Config);
        if (settings.Database == SessionDatabase.PostgreSql) await PostgreSqlCheck.RunAsync(settings.PostgreSqlConnectionString, cancellationToken).ConfigureAwait(false);
        if (settings.Database == SessionDatabase.Sqlite) WarnIfSynchronousIsNotInForce(system, settings);
        var guard = settings.Database == SessionDatabase.Sqlite ? SqliteGuard.Open(settings.SqlitePath, settings.LockTimeout) : null;
        try
        {
            var started = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            IActorRef actor;
            try
            {
                actor = system.ActorOf(SessionActor.Props(id, settings, started), "lumiera-session-" + Uri.EscapeDataString(id));
            }
            catch (InvalidActorNameException e)
            {
                throw new SessionException(SessionError.DatabaseLocked, $"Session '{id}' is open already in this actor system.", e);
            }
            var stopped = actor.WatchAsync(CancellationToken.None);
            try
            {
                await started.Task.WaitAsync(settings.StartTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                system.Stop(actor);
                throw new SessionException(SessionError.DatabaseUnavailable, $"Session '{id}' did not start within {settings.StartTimeout} (lumiera.session.start-timeout): the database did not answer in time.", e);
            }
            catch
            {
                system.Stop(actor);
                throw;
            }
            return new EditorSession(system, id, settings, actor, stopped, guard);
        }
        catch
        {
            guard?.Dispose();
            throw;
        }
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ActorSystem, object> s_warned = new();

    private static void WarnIfSynchronousIsNotInForce(ActorSystem system, SessionSettings settings)
    {
        var actual = SessionConfig.SqliteSynchronousOf(system);
        if (actual == settings.SqliteSynchronous || !s_warned.TryAdd(system, settings)) return;
        system.Log.Warning(
            "lumiera.session.sqlite.synchronous is {0}, but actor system '{1}' was not created with SessionConfig.SetupFor.../CompleteSetup: its SQLite connections keep SQLite's default, {2} (an fsync per journal write, slower undo and edits). Create the system with the setup to get {0}.",
            settings.SqliteSynchronous.ToString().ToUpperInvariant(), system.Name, actual.ToString().ToUpperInvariant());
    }

    /// <summary>Applies one command as one step labelled <paramref name="label"/> (or the command's name).</summary>
    public Task<SessionAck> ApplyAsync(SessionCommand command, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        return ApplyAsync(label ?? command.GetType().Name, [command]);
    }

    /// <summary>Applies <paramref name="commands"/> as one step: all of them or, if one does not fit, none. Undo takes them back together.</summary>
    public Task<SessionAck> ApplyAsync(string label, IReadOnlyList<SessionCommand> commands)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(commands);
        var reply = NewReply<SessionAck>();
        return Send(new SessionProtocol.Modify(label, commands, reply), reply);
    }

    /// <summary>Undoes the newest <paramref name="steps"/> steps, as one event in the log.</summary>
    public Task<SessionAck> UndoAsync(int steps = 1)
    {
        var reply = NewReply<SessionAck>();
        return Send(new SessionProtocol.Undo(steps, reply), reply);
    }

    /// <summary>Does the last <paramref name="steps"/> undone steps again, as one event in the log.</summary>
    public Task<SessionAck> RedoAsync(int steps = 1)
    {
        var reply = NewReply<SessionAck>();
        return Send(new SessionProtocol.Redo(steps, reply), reply);
    }

    /// <summary>The session after every modification sent before this call (all of them written).</summary>
    public Task<SessionView> GetViewAsync()
    {
        var reply = NewReply<SessionView>();
        return Send(new SessionProtocol.GetView(reply), reply);
    }

    /// <summary>The labels of the steps that can be undone and redone.</summary>
    public Task<SessionHistory> GetHistoryAsync()
    {
        var reply = NewReply<SessionHistory>();
        return Send(new SessionProtocol.GetHistory(reply), reply);
    }

    /// <summary>
    /// The session's journal as it is in the database, oldest first, one line per event (steps with their changes,
    /// undos, redos), at most <paramref name="most"/> of them from <paramref name="fromSequenceNr"/> on.
    /// </summary>
    public async Task<IReadOnlyList<LogEntry>> ReadLogAsync(long fromSequenceNr = 1, int most = 1000)
    {
        var journal = PersistenceQuery.Get(_system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var events = await journal.CurrentEventsByPersistenceId(Id, fromSequenceNr, long.MaxValue)
            .Take(most)
            .RunWith(Sink.Seq<EventEnvelope>(), _system.Materializer())
            .ConfigureAwait(false);
        return events.Select(e => new LogEntry(e.SequenceNr, e.Event is SessionEvent se ? se.Describe() : e.Event.ToString() ?? "")).ToArray();
    }

    /// <summary>Waits until every modification sent before is written, stops the session and lets go of its database.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            if (!_stopped.IsCompleted) await GetViewAsync().ConfigureAwait(false);
        }
        catch (SessionException)
        {
            // Stopped already: nothing is left to wait for.
        }
        _actor.Tell(PoisonPill.Instance);
        await _stopped.ConfigureAwait(false);
        _guard?.Dispose();
    }

    private static TaskCompletionSource<T> NewReply<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task<T> Send<T>(object message, TaskCompletionSource<T> reply)
    {
        if (_stopped.IsCompleted || Volatile.Read(ref _disposed) != 0)
            throw new SessionException(SessionError.SessionStopped, $"Session '{Id}' is stopped.");
        _actor.Tell(message);
        var first = await Task.WhenAny(reply.Task, _stopped).ConfigureAwait(false);
        if (first != reply.Task && !reply.Task.IsCompleted)
            throw new SessionException(SessionError.SessionStopped, $"Session '{Id}' stopped before it answered.");
        return await reply.Task.ConfigureAwait(false);
    }
}
