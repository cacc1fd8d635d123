using Npgsql;

namespace LumieraVault.Session.Persistence;

/// <summary>
/// Connects to the session's PostgreSQL database once before the journal does: a server that is down or refuses
/// the login is then a named error at once, instead of a recovery that waits for the start timeout.
/// </summary>
internal static class PostgreSqlCheck
{
    public static async Task RunAsync(string connectionString, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            throw SessionActor.Classify(e, "The session's PostgreSQL database cannot be used");
        }
    }
}
