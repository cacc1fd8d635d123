using Akka.Configuration;
using LumieraVault.Session.Persistence;

namespace LumieraVault.Session.Hosting;

/// <summary>Which database holds the session's journal and snapshots.</summary>
public enum SessionDatabase
{
    /// <summary>A SQLite file (the default): <c>lumiera.session.sqlite.path</c>.</summary>
    Sqlite,
    /// <summary>A PostgreSQL server: <c>lumiera.session.postgresql.connection-string</c>.</summary>
    PostgreSql,
}

/// <summary>The session's settings, read from the <c>lumiera.session</c> section of the actor system's configuration.</summary>
public sealed record SessionSettings
{
    /// <summary>Which database holds the log.</summary>
    public required SessionDatabase Database { get; init; }

    /// <summary>The full path of the SQLite file (empty for PostgreSQL).</summary>
    public required string SqlitePath { get; init; }

    /// <summary>How long the SQLite start-up check waits for another program's lock.</summary>
    public required TimeSpan LockTimeout { get; init; }

    /// <summary>How hard SQLite pushes each journal write to the disk (ignored for PostgreSQL).</summary>
    public required SqliteSynchronous SqliteSynchronous { get; init; }

    /// <summary>The PostgreSQL connection string (empty for SQLite).</summary>
    public required string PostgreSqlConnectionString { get; init; }

    /// <summary>Events between snapshots; 0: none.</summary>
    public required int SnapshotEvery { get; init; }

    /// <summary>Whether start-up begins at the newest snapshot.</summary>
    public required bool UseSnapshots { get; init; }

    /// <summary>Steps kept for undo; 0: all.</summary>
    public required int UndoDepth { get; init; }

    /// <summary>How long a start may take.</summary>
    public required TimeSpan StartTimeout { get; init; }

    /// <summary>Most events in one journal transaction.</summary>
    public required int JournalBatchSize { get; init; }

    /// <summary>The database as a person would name it in a message (the file, or the PostgreSQL server and database).</summary>
    public string DatabaseName => Database == SessionDatabase.Sqlite ? $"'{SqlitePath}'" : "its PostgreSQL database";

    /// <summary>The embedded reference configuration with every default.</summary>
    public static Config Reference { get; } = LoadReference();

    /// <summary>Reads the settings from <paramref name="config"/>, falling back to the reference defaults.</summary>
    public static SessionSettings From(Config config)
    {
        var c = config.WithFallback(Reference).GetConfig("lumiera.session");
        string database = c.GetString("database", "sqlite");
        var settings = new SessionSettings
        {
            Database = database.ToLowerInvariant() switch
            {
                "sqlite" => SessionDatabase.Sqlite,
                "postgresql" or "postgres" => SessionDatabase.PostgreSql,
                _ => throw new ArgumentException($"lumiera.session.database is '{database}'; it must be sqlite or postgresql.", nameof(config)),
            },
            SqlitePath = c.GetString("sqlite.path", ""),
            LockTimeout = c.GetTimeSpan("sqlite.lock-timeout", TimeSpan.FromSeconds(2)),
            SqliteSynchronous = ParseSynchronous(c.GetString("sqlite.synchronous", "normal")),
            PostgreSqlConnectionString = c.GetString("postgresql.connection-string", ""),
            SnapshotEvery = c.GetInt("snapshot-every", 10000),
            UseSnapshots = c.GetBoolean("use-snapshots", true),
            UndoDepth = c.GetInt("undo-depth", 0),
            StartTimeout = c.GetTimeSpan("start-timeout", TimeSpan.FromSeconds(60)),
            JournalBatchSize = c.GetInt("journal-batch-size", 500),
        };
        if (settings.Database == SessionDatabase.Sqlite)
        {
            if (string.IsNullOrWhiteSpace(settings.SqlitePath))
                throw new ArgumentException("lumiera.session.sqlite.path is empty: name the session's database file (SessionConfig.ForProject puts it beside the project).", nameof(config));
            settings = settings with { SqlitePath = Path.GetFullPath(settings.SqlitePath) };
        }
        else if (string.IsNullOrWhiteSpace(settings.PostgreSqlConnectionString))
        {
            throw new ArgumentException("lumiera.session.postgresql.connection-string is empty: give the Npgsql connection string of the session's database.", nameof(config));
        }
        if (settings.SnapshotEvery < 0) throw new ArgumentOutOfRangeException(nameof(SnapshotEvery), settings.SnapshotEvery, "lumiera.session.snapshot-every cannot be negative.");
        if (settings.UndoDepth < 0) throw new ArgumentOutOfRangeException(nameof(UndoDepth), settings.UndoDepth, "lumiera.session.undo-depth cannot be negative.");
        if (settings.JournalBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(JournalBatchSize), settings.JournalBatchSize, "lumiera.session.journal-batch-size must be at least 1.");
        return settings;
    }

    private static SqliteSynchronous ParseSynchronous(string value) => value.ToLowerInvariant() switch
    {
        "normal" => SqliteSynchronous.Normal,
        "full" => SqliteSynchronous.Full,
        _ => throw new ArgumentException($"lumiera.session.sqlite.synchronous is '{value}'; it must be normal or full.", "config"),
    };

    private static Config LoadReference()
    {
        using var stream = typeof(SessionSettings).Assembly.GetManifestResourceStream("LumieraVault.Session.reference.conf")
            ?? throw new InvalidOperationException("The embedded reference.conf of LumieraVault.Session is missing.");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
