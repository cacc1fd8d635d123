using System.Globalization;
using Akka.Configuration;
using Akka.Persistence.Sql;
using LinqToDB;

namespace LumieraVault.Session.Hosting;

/// <summary>
/// Builds the configuration an actor system needs to hold a session: the <c>lumiera.session</c> settings, the
/// Akka.Persistence.Sql journal and snapshot store on the database they name, and the binding of the session's
/// events to <see cref="Persistence.SessionSerializer"/>. Pass the result to <c>ActorSystem.Create</c>; what the
/// caller's configuration says wins over what is built here.
/// </summary>
public static class SessionConfig
{
    /// <summary>The file name suffix of a session database beside a project file.</summary>
    public const string DatabaseSuffix = ".session.db";

    /// <summary>The session database that belongs beside <paramref name="projectFile"/>: <c>&lt;project&gt;.session.db</c>.</summary>
    public static string DatabaseBeside(string projectFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(projectFile);
        return Path.GetFullPath(projectFile) + DatabaseSuffix;
    }

    /// <summary>The configuration of a session kept in the SQLite file beside <paramref name="projectFile"/>.</summary>
    public static Config ForProject(string projectFile, Config? overrides = null) => ForSqlite(DatabaseBeside(projectFile), overrides);

    /// <summary>The configuration of a session kept in the SQLite file <paramref name="databaseFile"/>.</summary>
    public static Config ForSqlite(string databaseFile, Config? overrides = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(databaseFile);
        return Complete(Overrides(overrides).WithFallback(ConfigurationFactory.ParseString(
            $"lumiera.session {{\n database = sqlite\n sqlite.path = {Quote(Path.GetFullPath(databaseFile))}\n}}")));
    }

    /// <summary>The configuration of a session kept in the PostgreSQL database of <paramref name="connectionString"/>.</summary>
    public static Config ForPostgreSql(string connectionString, Config? overrides = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        return Complete(Overrides(overrides).WithFallback(ConfigurationFactory.ParseString(
            $"lumiera.session {{\n database = postgresql\n postgresql.connection-string = {Quote(connectionString)}\n}}")));
    }

    /// <summary>
    /// Completes a host's configuration (e.g. hocon/session.conf): adds the persistence plugins for the database
    /// that <c>lumiera.session</c> names, the serializer bindings and the reference defaults.
    /// </summary>
    public static Config Complete(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var settings = SessionSettings.From(config);
        var (connection, provider) = settings.Database == SessionDatabase.Sqlite
            ? ($"Data Source={settings.SqlitePath};Mode=ReadWriteCreate;Pooling=True", ProviderName.SQLiteMS)
            : (settings.PostgreSqlConnectionString, ProviderName.PostgreSQL15);
        // SQLite has one writer at a time: several writers of the journal would only wait for each other.
        int parallelism = settings.Database == SessionDatabase.Sqlite ? 1 : 2;
        string batch = settings.JournalBatchSize.ToString(CultureInfo.InvariantCulture);
        var persistence = ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                max-message-batch-size = {{batch}}
                sql {
                  connection-string = {{Quote(connection)}}
                  provider-name = {{Quote(provider)}}
                  auto-initialize = on
                  parallelism = {{parallelism}}
                  batch-size = {{batch}}
                  buffer-size = {{Math.Max(5000, settings.JournalBatchSize * 4)}}
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  connection-string = {{Quote(connection)}}
                  provider-name = {{Quote(provider)}}
                  auto-initialize = on
                }
              }
              query.journal.sql {
                connection-string = {{Quote(connection)}}
                provider-name = {{Quote(provider)}}
              }
            }
            akka.actor {
              serializers.lumiera-session = "LumieraVault.Session.Persistence.SessionSerializer, LumieraVault.Session"
              serialization-bindings {
                "LumieraVault.Session.History.SessionEvent, LumieraVault.Session" = lumiera-session
                "LumieraVault.Session.History.SessionSnapshot, LumieraVault.Session" = lumiera-session
              }
            }
            """);
        return config.WithFallback(persistence).WithFallback(SessionSettings.Reference).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    private static Config Overrides(Config? overrides) => overrides ?? Config.Empty;

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
