using Akka.Actor;
using LumieraVault.Session.Hosting;

namespace LumieraVault.Session.Tests;

/// <summary>
/// The child process of the crash spec: streams modifications into a session (many in flight) and prints
/// "ack N" for each one the session acknowledged, until it is killed. Bounded so that it ends by itself if
/// nobody kills it.
/// </summary>
public static class BurstWriter
{
    public const int Limit = 200_000;

    public static int Run(string[] args)
    {
        string database = args[0], id = args[1];
        using var system = ActorSystem.Create("burst", SessionConfig.SetupForSqlite(database, Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = WARNING")));
        var session = EditorSession.StartAsync(system, id).GetAwaiter().GetResult();
        session.ApplyAsync(Timeline.VideoTrack("v")).GetAwaiter().GetResult();
        // The spec checks that the burst runs with the default level, set on the journal's own connections.
        var sqlite = SessionConfig.SqliteOptionsOf(system);
        Console.Out.WriteLine($"started {sqlite?.Interceptor.Level} {sqlite?.Interceptor.Applied ?? 0}");
        Console.Out.Flush();
        var inFlight = new Queue<(int N, Task<SessionAck> Ack)>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        for (int n = 0; n < Limit && DateTime.UtcNow < deadline; n++)
        {
            inFlight.Enqueue((n, session.ApplyAsync(Timeline.FileClip($"c{n}", "v", n * 10L))));
            if (inFlight.Count >= 64) Report(inFlight.Dequeue());
        }
        while (inFlight.Count > 0) Report(inFlight.Dequeue());
        return 0;
    }

    private static void Report((int N, Task<SessionAck> Ack) item)
    {
        item.Ack.GetAwaiter().GetResult();
        Console.Out.WriteLine($"ack {item.N}");
        Console.Out.Flush();
    }
}
