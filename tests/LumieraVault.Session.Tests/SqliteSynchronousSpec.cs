using Akka.TestKit.Xunit2;
using LinqToDB.Data;
using LumieraVault.Session.Hosting;
using LumieraVault.Session.Persistence;
using Microsoft.Data.Sqlite;
using Xunit;
using static LumieraVault.Session.Tests.Timeline;

namespace LumieraVault.Session.Tests;

/// <summary>
/// lumiera.session.sqlite.synchronous reaches the connections Akka.Persistence.Sql opens itself, and a system made
/// without the session's setup says so instead of running slower in silence.
/// </summary>
public sealed class SqliteSynchronousSpec : TestKit, IAsyncLifetime
{
    private readonly SqliteBackend _backend;

    public SqliteSynchronousSpec() : this(new SqliteBackend()) { }

    // The TestKit's own system is made from HOCON alone, as a host that skips the setup would.
    private SqliteSynchronousSpec(SqliteBackend backend) : base(backend.Config("akka.loglevel = WARNING"), "sqlite-synchronous") => _backend = backend;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _backend.Dispose();
        return Task.CompletedTask;
    }

    private static long ReadSynchronous(DataConnection connection) => connection.Execute<long>("PRAGMA synchronous;");

    [Theory]
    [InlineData("", SqliteSynchronous.Normal, 1L)]
    [InlineData("lumiera.session.sqlite.synchronous = full", SqliteSynchronous.Full, 2L)]
    public async Task TheJournalsConnectionsRunWithTheConfiguredSynchronousLevel(string overrides, SqliteSynchronous level, long pragma)
    {
        await using var host = await SessionHost.StartAsync(_backend, "session", overrides);
        await host.Session.ApplyAsync(VideoTrack("v"));
        await host.Session.ApplyAsync(FileClip("c", "v", 0));
        await host.Session.UndoAsync();

        var sqlite = SessionConfig.SqliteOptionsOf(host.System);
        Assert.NotNull(sqlite);
        Assert.Equal(level, sqlite.Interceptor.Level);
        Assert.Equal(level, SessionConfig.SqliteSynchronousOf(host.System));
        // Only the journal, the snapshot store and the read journal open connections with these options.
        long byJournal = sqlite.Interceptor.Applied;
        Assert.True(byJournal > 0, "The journal wrote without opening a connection through the interceptor");

        using var connection = new DataConnection(sqlite.Options);
        Assert.Equal(pragma, ReadSynchronous(connection));
        Assert.Equal(byJournal + 1, sqlite.Interceptor.Applied);
    }

    [Fact]
    public async Task ASessionOnASystemMadeWithoutTheSetupKeepsFullAndWarnsOnce()
    {
        await EventFilter.Warning(contains: "was not created with SessionConfig.SetupFor").ExpectOneAsync(async () =>
        {
            var first = await EditorSession.StartAsync(Sys, "first");
            await first.ApplyAsync(VideoTrack("v"));
            await first.DisposeAsync();
            var second = await EditorSession.StartAsync(Sys, "second");
            await second.ApplyAsync(VideoTrack("v"));
            await second.DisposeAsync();
        });
        Assert.Null(SessionConfig.SqliteOptionsOf(Sys));
        Assert.Equal(SqliteSynchronous.Full, SessionConfig.SqliteSynchronousOf(Sys));

        // SQLite's own default, which such a system's connections keep.
        using var plain = new SqliteConnection($"Data Source={_backend.DatabasePath};Pooling=False");
        plain.Open();
        using var command = plain.CreateCommand();
        command.CommandText = "PRAGMA synchronous;";
        Assert.Equal(2L, (long)command.ExecuteScalar()!);
    }

    [Fact]
    public void AnUnknownSynchronousLevelIsRefusedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => SessionConfig.SetupForSqlite(_backend.DatabasePath, Akka.Configuration.ConfigurationFactory.ParseString("lumiera.session.sqlite.synchronous = off")));
        Assert.Contains("lumiera.session.sqlite.synchronous", e.Message);
    }
}
