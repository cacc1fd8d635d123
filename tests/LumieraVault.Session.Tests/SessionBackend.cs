using Akka.Actor;
using Akka.Configuration;
using LumieraVault.Session.Hosting;

namespace LumieraVault.Session.Tests;

/// <summary>Where a spec's session lives: a SQLite file in a temp folder, or a database of the throw-away PostgreSQL server.</summary>
public abstract class SessionBackend : IDisposable
{
    private static int s_systems;

    public abstract string Name { get; }

    /// <summary>The full configuration of a session system, with <paramref name="overrides"/> (HOCON) on top.</summary>
    public abstract Config Config(string overrides = "");

    /// <summary>A new actor system on the backend's database: a "restart" of the editor.</summary>
    public ActorSystem NewSystem(string overrides = "")
        => ActorSystem.Create($"session-{Name}-{Interlocked.Increment(ref s_systems)}", SessionConfig.CompleteSetup(Config(overrides).WithFallback("akka.loglevel = WARNING")));

    public virtual void Dispose() { }

    protected static Config Parse(string hocon) => ConfigurationFactory.ParseString(hocon);
}

public sealed class SqliteBackend : SessionBackend
{
    public SessionFolder Folder { get; } = new();

    public override string Name => "sqlite";

    public string DatabasePath => Folder.Database();

    public override Config Config(string overrides = "") => SessionConfig.ForSqlite(DatabasePath, Parse(overrides));

    public override void Dispose() => Folder.Dispose();
}
