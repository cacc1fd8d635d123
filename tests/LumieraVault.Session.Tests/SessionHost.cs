using Akka.Actor;
using LumieraVault.Session.Commands;
using LumieraVault.Session.Model;

namespace LumieraVault.Session.Tests;

/// <summary>An actor system with one started session, torn down together: one run of the editor.</summary>
public sealed class SessionHost : IAsyncDisposable
{
    private SessionHost(ActorSystem system, EditorSession session)
    {
        System = system;
        Session = session;
    }

    public ActorSystem System { get; }

    public EditorSession Session { get; }

    public static async Task<SessionHost> StartAsync(SessionBackend backend, string id, string overrides = "")
    {
        var system = backend.NewSystem(overrides);
        try
        {
            return new SessionHost(system, await EditorSession.StartAsync(system, id));
        }
        catch
        {
            await system.Terminate();
            throw;
        }
    }

    public async Task<string> TextAsync() => (await Session.GetViewAsync()).Model.ToText();

    public async ValueTask DisposeAsync()
    {
        await Session.DisposeAsync();
        await System.Terminate();
    }
}

/// <summary>Commands the specs build timelines from.</summary>
public static class Timeline
{
    public static SessionCommand VideoTrack(string id) => new SessionCommand.AddTrack(id, "Video " + id, TrackKind.Video);

    public static SessionCommand AudioTrack(string id) => new SessionCommand.AddTrack(id, "Audio " + id, TrackKind.Audio);

    public static SessionCommand FileClip(string id, string track, long position, long length = 10)
        => new SessionCommand.AddClip(id, track, new ClipSource.File($"/media/{id}.mov"), 0, length, position);
}
