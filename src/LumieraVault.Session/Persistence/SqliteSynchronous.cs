using System.Data.Common;
using LinqToDB.Interceptors;

namespace LumieraVault.Session.Persistence;

/// <summary>How hard SQLite pushes each journal write to the disk (<c>lumiera.session.sqlite.synchronous</c>).</summary>
public enum SqliteSynchronous
{
    /// <summary>
    /// <c>PRAGMA synchronous = NORMAL</c> (the default): in write-ahead-log mode a commit is in the log file before it
    /// is acknowledged, so a process crash or kill loses nothing acknowledged; the log is fsynced only at checkpoints,
    /// so an OS crash or power loss may lose the newest acknowledged modifications (never damages the database).
    /// </summary>
    Normal,

    /// <summary><c>PRAGMA synchronous = FULL</c>: every commit is fsynced before it is acknowledged; survives power loss, costs a disk flush per write.</summary>
    Full,
}

/// <summary>
/// Sets the synchronous level on every connection linq2db opens for the journal, the snapshot store and the read
/// journal: the PRAGMA belongs to a connection, and Akka.Persistence.Sql opens (and pools) connections itself.
/// </summary>
internal sealed class SqliteSynchronousInterceptor(SqliteSynchronous level) : IConnectionInterceptor
{
    private long _applied;

    public SqliteSynchronous Level { get; } = level;

    /// <summary>Connections the level was set on so far.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    private string Pragma => Level == SqliteSynchronous.Full ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;";

    public void ConnectionOpening(ConnectionEventData eventData, DbConnection connection) { }

    public Task ConnectionOpeningAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    public void ConnectionOpened(ConnectionEventData eventData, DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
        Interlocked.Increment(ref _applied);
    }

    public async Task ConnectionOpenedAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = Pragma;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        Interlocked.Increment(ref _applied);
    }
}
