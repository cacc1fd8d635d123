using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using LumieraVault.Audio.Editing;
using LumieraVault.Session.Hosting;
using Xunit;

namespace LumieraVault.Session.Tests;

/// <summary>The log's schema and the configuration, apart from any database.</summary>
public sealed class SessionLogSchemaSpec
{
    /// <summary>Every kind of edit the sample store has is one the log can hold: a new kind fails here until it has a schema.</summary>
    [Fact]
    public void EveryKindOfAudioEditHasASchemaInTheLog()
    {
        var kinds = typeof(SequenceEdit).GetNestedTypes().Where(t => t.IsSubclassOf(typeof(SequenceEdit))).ToList();
        Assert.NotEmpty(kinds);
        foreach (var kind in kinds)
        {
            var parameters = kind.GetConstructors().Single(c => c.GetParameters().Length > 0 && c.GetParameters()[0].ParameterType != kind).GetParameters();
            var values = parameters.Select((p, i) => p.ParameterType == typeof(float) ? (object)(i + 0.25f) : p.ParameterType == typeof(int) ? i + 1 : (object)(long)(i + 3)).ToArray();
            var edit = (SequenceEdit)Activator.CreateInstance(kind, values)!;
            var buffer = new MemoryStream();
            using (var w = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) Persistence.SessionCodec.WriteEdit(w, edit);
            buffer.Position = 0;
            using var r = new BinaryReader(buffer);
            Assert.Equal(edit, Persistence.SessionCodec.ReadEdit(r));
        }
    }

    [Fact]
    public async Task APostgreSqlServerThatDoesNotAnswerIsANamedErrorOnStart()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var config = SessionConfig.ForPostgreSql($"Host=127.0.0.1;Port={port};Username=nobody;Database=none;Timeout=2", Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = OFF\nlumiera.session.start-timeout = 60s"));
        using var system = ActorSystem.Create("pg-down", config);
        var e = await Assert.ThrowsAsync<SessionException>(() => EditorSession.StartAsync(system));
        Assert.Equal(SessionError.DatabaseUnavailable, e.Error);
    }

    [Fact]
    public void ASqliteSessionWithoutAFileIsRefusedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => SessionConfig.Complete(Akka.Configuration.ConfigurationFactory.ParseString("lumiera.session.database = sqlite")));
        Assert.Contains("lumiera.session.sqlite.path", e.Message);
    }
}
