using System.Buffers.Binary;
using System.Collections.Concurrent;
using Akka.Actor;
using LumieraVault.Mapping;
using LumieraVault.Native;

namespace LumieraVault.Files;

/// <summary>
/// Hears from the kernel (inotify) when a file with mapped windows is modified, truncated, removed or renamed,
/// and asks its actor to look at once, instead of waiting for the next periodic check. This narrows the time in
/// which a truncation by another program can meet a reader of an already-mapped page (SIGBUS) to the time the
/// actor takes to retire the windows; it cannot close it, which is why the buffered strategy exists.
/// One inotify descriptor and one background thread per vault; watches cost no file descriptors.
/// </summary>
internal sealed class ChangeWatcher : IDisposable
{
    private const uint Mask = Libc.InModify | Libc.InAttrib | Libc.InMoveSelf | Libc.InDeleteSelf;

    private readonly int _fd;
    private readonly int _wake;
    private readonly ConcurrentDictionary<int, ConcurrentDictionary<IActorRef, byte>> _byWatch = new();
    private readonly ConcurrentDictionary<IActorRef, int> _watchOf = new();
    private readonly Thread? _thread;
    private volatile bool _stopping;

    private ChangeWatcher(int fd, int wake)
    {
        _fd = fd;
        _wake = wake;
        _thread = new Thread(Run) { IsBackground = true, Name = "lumiera-vault-change-watcher" };
        _thread.Start();
    }

    /// <summary>A watcher, or null when the kernel refuses one (the periodic check then does the work alone).</summary>
    public static ChangeWatcher? TryCreate(out string? why)
    {
        int fd = Libc.InotifyInit1(Libc.InNonblock | Libc.InCloexec);
        if (fd < 0)
        {
            why = Libc.Describe(Libc.LastError);
            return null;
        }
        int wake = Libc.Eventfd(0, Libc.EfdCloexec);
        if (wake < 0)
        {
            why = Libc.Describe(Libc.LastError);
            Libc.Close(fd);
            return null;
        }
        why = null;
        return new ChangeWatcher(fd, wake);
    }

    /// <summary>Watches <paramref name="path"/> for <paramref name="fileActor"/>; false if the kernel refused (out of watches).</summary>
    public bool Watch(string path, IActorRef fileActor, out string? why)
    {
        // File actors run on many threads, and the kernel gives one watch per inode (a file open for reading and for
        // writing shares it): adding and removing must not interleave, or one actor's removal drops the other's watch.
        lock (_byWatch)
        {
            int wd = Libc.InotifyAddWatch(_fd, path, Mask);
            if (wd < 0)
            {
                why = Libc.Describe(Libc.LastError);
                return false;
            }
            _byWatch.GetOrAdd(wd, _ => new ConcurrentDictionary<IActorRef, byte>())[fileActor] = 0;
            _watchOf[fileActor] = wd;
            why = null;
            return true;
        }
    }

    public void Unwatch(IActorRef fileActor)
    {
        lock (_byWatch)
        {
            if (!_watchOf.TryRemove(fileActor, out int wd) || !_byWatch.TryGetValue(wd, out var actors)) return;
            actors.TryRemove(fileActor, out _);
            if (actors.IsEmpty && _byWatch.TryRemove(wd, out _)) Libc.InotifyRmWatch(_fd, wd);
        }
    }

    private unsafe void Run()
    {
        const int size = 64 * 1024;
        byte* buffer = stackalloc byte[size];
        var polls = stackalloc Libc.PollFd[2];
        polls[0] = new Libc.PollFd { Fd = _fd, Events = Libc.PollIn };
        polls[1] = new Libc.PollFd { Fd = _wake, Events = Libc.PollIn };
        while (!_stopping)
        {
            // Dispose rings the eventfd, so the thread never outlives the vault by a poll timeout.
            int ready = Libc.Poll(polls, 2, -1);
            if (ready <= 0 || (polls[0].Revents & Libc.PollIn) == 0) continue;
            nint read = Libc.Read(_fd, buffer, size);
            if (read <= 0) continue;
            var events = new ReadOnlySpan<byte>(buffer, (int)read);
            while (events.Length >= 16)
            {
                int wd = BinaryPrimitives.ReadInt32LittleEndian(events);
                uint mask = BinaryPrimitives.ReadUInt32LittleEndian(events[4..]);
                int nameLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(events[12..]);
                events = events[Math.Min(events.Length, 16 + nameLength)..];
                if ((mask & Libc.InIgnored) != 0)
                {
                    _byWatch.TryRemove(wd, out _);
                    continue;
                }
                if (!_byWatch.TryGetValue(wd, out var actors)) continue;
                foreach (var actor in actors.Keys) actor.Tell(FileMapProtocol.CheckForChange.Instance);
            }
        }
        Libc.Close(_fd);
        Libc.Close(_wake);
    }

    /// <summary>Stops the thread and closes both descriptors before returning. Safe to call more than once.</summary>
    public unsafe void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        ulong one = 1;
        Libc.Write(_wake, (byte*)&one, 8);
        if (_thread is not null && Thread.CurrentThread != _thread) _thread.Join(TimeSpan.FromSeconds(5));
    }
}
