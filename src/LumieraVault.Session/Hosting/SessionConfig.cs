using System.Globalization;
using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using LinqToDB;
using LumieraVault.Session.Persistence;

namespace LumieraVault.Session.Hosting;

/// <summary>
/// Builds the configuration an actor system needs to hold a session: the <c>lumiera.session</c> settings, the
/// Akka.Persistence.Sql journal and snapshot store on the database they name, and the binding of the session's
/// events to <see cref="Persistence.SessionSerializer"/>. Pass the result to <c>ActorSystem.Create</c>; what the
/// caller's configuration says wins over what is built here. The <c>SetupFor...</c> methods also carry the SQLite
/// connection options (<c>lumiera.session.sqlite.synchronous</c>), which HOCON cannot: create the system with them.
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

    /// <summary>The actor system setup of a session kept in the SQLite file beside <paramref name="projectFile"/>.</summary>
    public static ActorSystemSetup SetupForProject(string projectFile, Config? overrides = null) => SetupOf(ForProject(projectFile, overrides));

    /// <summary>The actor system setup of a session kept in the SQLite file <paramref name="databaseFile"/>.</summary>
    public static ActorSystemSetup SetupForSqlite(string databaseFile, Config? overrides = null) => SetupOf(ForSqlite(databaseFile, overrides));

    /// <summary>The actor system setup of a session kept in the PostgreSQL database of <paramref name="connectionString"/>.</summary>
    public static ActorSystemSetup SetupForPostgreSql(string connectionString, Config? overrides = null) => SetupOf(ForPostgreSql(connectionString, overrides));

    /// <summary>
    /// Completes a host's configuration as <see cref="Complete"/> does and adds what HOCON cannot say: on SQLite, the
    /// connection options that set <c>PRAGMA synchronous</c> on every connection the journal, the snapshot store and
    /// the read journal open. Pass the result to <c>ActorSystem.Create(name, setup)</c>.
    /// </summary>
    public static ActorSystemSetup CompleteSetup(Config config) => SetupOf(Complete(config));

    /// <summary>
    /// The synchronous level the SQLite connections of <paramref name="system"/> run with: the configured one if the
    /// system was created with a <c>SetupFor...</c> setup, else SQLite's own default, FULL.
    /// </summary>
    public static SqliteSynchronous SqliteSynchronousOf(ActorSystem system) => SqliteOptionsOf(system)?.Interceptor.Level ?? SqliteSynchronous.Full;

    /// <summary>The SQLite connection options <paramref name="system"/> was created with, if it was created with a <c>SetupFor...</c> setup.</summary>
    internal static SqliteOptions? SqliteOptionsOf(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        var setup = system.Settings.Setup.Get<DataOptionsSetup>();
        return setup.HasValue && s_sqliteOptions.TryGetValue(setup.Value, out var options) ? options : null;
    }

    internal sealed record SqliteOptions(DataOptions Options, SqliteSynchronousInterceptor Interceptor);

    // DataOptionsSetup does not show its options: remember which ones this class made, to recognise them.
    private static readonly ConditionalWeakTable<DataOptionsSetup, SqliteOptions> s_sqliteOptions = new();

    /// <summary>
    /// The part of the setup that HOCON cannot carry, for hosts that build their system otherwise (Akka.Hosting:
    /// <c>builder.AddHocon(SessionConfig.Complete(config)).AddSetup(SessionConfig.ConnectionSetup(config))</c>):
    /// on SQLite, the connection options that set <c>PRAGMA synchronous</c>; null for PostgreSQL, which needs none.
    /// </summary>
    public static Setup? ConnectionSetup(Config config)
    {
        var settings = SessionSettings.From(Complete(config));
        if (settings.Database != SessionDatabase.Sqlite) return null;
        var (connection, provider) = ConnectionOf(settings);
        var interceptor = new SqliteSynchronousInterceptor(settings.SqliteSynchronous);
        var options = new DataOptions().UseConnectionString(provider, connection).UseInterceptor(interceptor);
        var setup = new DataOptionsSetup(options);
        s_sqliteOptions.Add(setup, new SqliteOptions(options, interceptor));
        return setup;
    }

    private static ActorSystemSetup SetupOf(Config complete)
    {
        var bootstrap = BootstrapSetup.Create().WithConfig(complete);
        return ConnectionSetup(complete) is { } connection ? ActorSystemSetup.Create(bootstrap, connection) : ActorSystemSetup.Create(bootstrap);
    }

    private static (string Connection, string Provider) ConnectionOf(SessionSettings settings) => settings.Database == SessionDatabase.Sqlite
        ? ($"Data Source={settings.SqlitePath};Mode=ReadWriteCreate;Pooling=True", ProviderName.SQLiteMS)
        : (settings.PostgreSqlConnectionString, ProviderName.PostgreSQL15);

    /// <summary>
    /// Completes a host's configuration (e.g. hocon/session.conf): adds the persistence plugins for the database
    /// that <c>lumiera.session</c> names, the serializer bindings and the reference defaults.
    /// </summary>
    public static Config Complete(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var settings = SessionSettings.From(config);
        var (connection, provider) = ConnectionOf(settings);
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
