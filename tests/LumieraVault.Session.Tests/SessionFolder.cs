using Microsoft.Data.Sqlite;

namespace LumieraVault.Session.Tests;

/// <summary>A temp folder for one spec's session database, removed on dispose.</summary>
public sealed class SessionFolder : IDisposable
{
    public SessionFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), "lumiera-session-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>The database of a project file named <paramref name="project"/> in the folder.</summary>
    public string Database(string project = "film.lvp") => Hosting.SessionConfig.DatabaseBeside(Path.Combine(Root, project));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var f in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)) File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Directory.Delete(Root, recursive: true);
    }
}
