using Microsoft.Data.Sqlite;

namespace LumieraVault.Session.Persistence;

/// <summary>
/// Checks a session's SQLite file before the journal touches it, and holds it for the session's life. The
/// journal's own start would make a damaged file look like a database error at the first write, and its
/// table initialization could write into a file that is not ours; so a file that is not a SQLite database,
/// fails SQLite's quick check, cannot be written, or is held by another program is reported here by name and
/// left exactly as it was. A lock file beside the database (<c>&lt;db&gt;.lock</c>, an advisory lock) keeps a
/// second session, in this process or another, from writing the same log.
/// </summary>
internal sealed class SqliteGuard : IDisposable
{
    private static readonly byte[] s_header = "SQLite format 3\0"u8.ToArray();
    private readonly FileStream _lock;

    private SqliteGuard(FileStream lockFile) => _lock = lockFile;

    public static SqliteGuard Open(string path, TimeSpan lockTimeout)
    {
        string folder = Path.GetDirectoryName(path) ?? "/";
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SessionException(SessionError.DatabaseReadOnly, $"Cannot make the folder of the session database '{path}': {e.Message}", e);
        }
        // The owner's write bit is honoured even where the process could write anyway (as root): a file or
        // folder the user marked read-only is not written.
        CheckWritable(folder, "folder of the session database", path);
        if (File.Exists(path)) CheckWritable(path, "session database", path);

        var lockFile = TakeLock(path);
        try
        {
            CheckHeader(path);
            CheckWithSqlite(path, lockTimeout);
            return new SqliteGuard(lockFile);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _lock.Dispose();
        // The journal's pooled connections would keep the file open after the session stopped.
        SqliteConnection.ClearAllPools();
    }

    /// <summary>Maps a SQLite failure to the session's named errors.</summary>
    public static SessionException? Classify(Exception e, string what)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is SessionException s) return s;
            if (x is SqliteException q)
            {
                var error = q.SqliteErrorCode switch
                {
                    5 or 6 => SessionError.DatabaseLocked,        // SQLITE_BUSY, SQLITE_LOCKED
                    8 => SessionError.DatabaseReadOnly,           // SQLITE_READONLY
                    11 or 26 => SessionError.DatabaseDamaged,     // SQLITE_CORRUPT, SQLITE_NOTADB
                    _ => SessionError.DatabaseUnavailable,
                };
                string advice = error switch
                {
                    SessionError.DatabaseLocked => "another program holds it; close that program or wait",
                    SessionError.DatabaseReadOnly => "it cannot be written; check its permissions and its folder's",
                    SessionError.DatabaseDamaged => "it is not a SQLite database or is damaged; it was left as it is (restore a backup, or move it away to start a new session)",
                    _ => "SQLite could not use it",
                };
                return new SessionException(error, $"{what}: {advice} (SQLite: {q.Message})", e);
            }
        }
        return null;
    }

    private static void CheckWritable(string path, string what, string database)
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserWrite) == 0)
            throw new SessionException(SessionError.DatabaseReadOnly, $"The {what} '{path}' is read-only, so the session in '{database}' cannot be logged: make it writable (chmod u+w) or open a copy.");
    }

    private static FileStream TakeLock(string path)
    {
        string lockPath = path + ".lock";
        try
        {
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new SessionException(SessionError.DatabaseReadOnly, $"Cannot make the lock file '{lockPath}' of the session database: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new SessionException(SessionError.DatabaseLocked, $"The session database '{path}' is open in another session (its lock file '{lockPath}' is held): close that session first.", e);
        }
    }

    private static void CheckHeader(string path)
    {
        if (!File.Exists(path)) return;
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (file.Length == 0) return;
        var header = new byte[s_header.Length];
        int read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read < header.Length || !header.AsSpan().SequenceEqual(s_header))
            throw new SessionException(SessionError.DatabaseDamaged,
                $"The session database '{path}' is not a SQLite database (its first bytes are not the SQLite header); it was left as it is. Restore a backup, or move it away to start a new session.");
    }

    private static void CheckWithSqlite(string path, TimeSpan lockTimeout)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(lockTimeout.TotalSeconds)),
        };
        try
        {
            using var connection = new SqliteConnection(builder.ConnectionString);
            connection.Open();
            string check = Scalar(connection, "PRAGMA quick_check;");
            if (!string.Equals(check, "ok", StringComparison.OrdinalIgnoreCase))
                throw new SessionException(SessionError.DatabaseDamaged,
                    $"The session database '{path}' is damaged (SQLite's quick check says: {check}); it was left as it is. Restore a backup, or move it away to start a new session.");
            // Write-ahead logging: a commit appends to the log instead of rewriting pages, and readers never wait for the writer.
            Scalar(connection, "PRAGMA journal_mode=WAL;");
            // Take and drop the write lock, so that a database another program holds is reported now, by name.
            Scalar(connection, "BEGIN IMMEDIATE; ROLLBACK;");
        }
        catch (Exception e) when (e is not SessionException && Classify(e, $"The session database '{path}' cannot be used") is { } named)
        {
            throw named;
        }
    }

    private static string Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}
