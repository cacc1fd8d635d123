using System.Collections.Concurrent;
using Akka.Actor;

namespace LumieraVault.Native;

/// <summary>
/// One owner's exclusive claim on a folder (a render cache's, a sample store's), in this process and across processes: an
/// exclusive <c>flock</c> on a lock file in the folder (<see cref="FileShare.None"/>), held open while the owner lives. An
/// owner whose actor system ended without letting go is released at once when the next owner comes (the continuation
/// that would release it may not have run yet): its release action runs, then its lock file closes.
/// </summary>
internal sealed class FolderClaim
{
    // flock's answer when another open file description holds the lock; .NET passes the errno as the HResult.
    private const int EWouldBlock = 11;

    /// <summary>The claims of this process by folder (full path).</summary>
    private static readonly ConcurrentDictionary<string, FolderClaim> Claims = new();

    private readonly FileStream _lock;
    private readonly ActorSystem _system;
    private readonly Action _release;
    private int _released;

    private FolderClaim(string folder, FileStream lockFile, ActorSystem system, Action release)
    {
        Folder = folder;
        _lock = lockFile;
        _system = system;
        _release = release;
    }

    /// <summary>The folder claimed (full path).</summary>
    public string Folder { get; }

    /// <summary>
    /// Claims <paramref name="folder"/> (full path, existing) for an owner that lives in <paramref name="system"/>, through the lock
    /// file <paramref name="lockFileName"/>; <paramref name="release"/> is what the owner must do when it is let go without
    /// having released (its system ended). Null when another owner, in this process or another, holds the folder. Other
    /// failures to open the lock file throw as <see cref="FileStream"/> does.
    /// </summary>
    public static FolderClaim? TryTake(string folder, string lockFileName, ActorSystem system, Action release)
    {
        if (Claims.TryGetValue(folder, out var previous))
        {
            if (!previous._system.WhenTerminated.IsCompleted) return null;
            previous.Release();
        }
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(folder, lockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when ((e.HResult & 0xFFFF) == EWouldBlock)
        {
            return null;
        }
        var claim = new FolderClaim(folder, lockFile, system, release);
        Claims[folder] = claim;
        system.WhenTerminated.ContinueWith(static (_, c) => ((FolderClaim)c!).Release(), claim, TaskScheduler.Default);
        return claim;
    }

    /// <summary>Runs the owner's release action once, then gives the folder up. Safe to call more than once, from any thread.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        try
        {
            _release();
        }
        finally
        {
            Claims.TryRemove(new KeyValuePair<string, FolderClaim>(Folder, this));
            _lock.Dispose();
        }
    }
}
