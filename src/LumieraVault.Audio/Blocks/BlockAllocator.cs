using LumieraVault.Native;
using Microsoft.Win32.SafeHandles;

namespace LumieraVault.Audio.Blocks;

/// <summary>
/// Gives out block groups to writers, one writer per group at a time, on the writer's own thread: a group is
/// a new file of 1 MiB (made sparse with one <c>ftruncate</c>; the blocks' writes fill it) or a partly filled
/// group a writer gave back. Keeps the write descriptors until a save has made their blocks durable
/// (<see cref="SyncAll"/>). A lock guards the few fields; a writer takes it once per 512 blocks.
/// </summary>
internal sealed class BlockAllocator : IDisposable
{
    private readonly object _gate = new();
    private readonly string _folder;
    private readonly BlockTable _blocks;
    private readonly Vault _vault;
    private readonly Dictionary<SampleFormat, Queue<BlockGroup>> _spare = new();
    private readonly Dictionary<int, SafeFileHandle> _handles = new();
    private readonly HashSet<int> _lent = new();
    private bool _closed;
    private bool _namesMade;
    private int _nextNumber;

    // Group files made ahead of need while an import runs (see Expect): empty 1 MiB files of no format yet, numbered,
    // open for writing, in no table until a writer leases one. The maker thread holds _makeGate while it makes one
    // (taken before _gate, never after), so whoever drains them waits for the one being made, and none is left behind.
    private readonly object _makeGate = new();
    private readonly Queue<(int Number, string Path, SafeFileHandle Handle)> _ready = new();
    private readonly Queue<SafeFileHandle> _writebacks = new();
    private int _expected;
    private int _expecting;
    private bool _makeFailed;
    private Thread? _maker;

    /// <summary>Group files made ahead at most: enough to stay ahead of two writers, few enough to drain quickly.</summary>
    internal const int MakeAheadLimit = 64;

    public BlockAllocator(Vault vault, string folder, BlockTable blocks)
    {
        _vault = vault;
        _folder = folder;
        _blocks = blocks;
        _nextNumber = blocks.Count;
        foreach (var g in blocks.All)
        {
            if (g.Sealed < AudioLayout.BlocksPerGroup) Spare(g.Format).Enqueue(g);
        }
    }

    public static string GroupPath(string folder, int number) => Path.Combine(folder, "blocks", $"g{number:D7}.blocks");

    private Queue<BlockGroup> Spare(SampleFormat format)
    {
        if (!_spare.TryGetValue(format, out var queue)) _spare[format] = queue = new Queue<BlockGroup>();
        return queue;
    }

    /// <summary>A group with free slots of <paramref name="format"/>, lent to the caller until <see cref="Return"/>.</summary>
    /// <exception cref="AudioException"><see cref="AudioError.IoError"/> when the group file cannot be made or opened; <see cref="AudioError.StoreClosed"/> after <see cref="Dispose"/>.</exception>
    public GroupLease Lease(SampleFormat format)
    {
        lock (_gate)
        {
            if (_closed) throw new AudioException(AudioError.StoreClosed, $"The store in '{_folder}' is closed.");
            var spare = Spare(format);
            try
            {
                if (spare.Count > 0)
                {
                    var group = spare.Peek();
                    if (!_handles.TryGetValue(group.Number, out var handle))
                        handle = File.OpenHandle(group.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
                    _handles[group.Number] = handle;
                    spare.Dequeue();
                    _lent.Add(group.Number);
                    return new GroupLease(group, handle, isNew: false);
                }
                int number;
                string path;
                SafeFileHandle created;
                if (_ready.TryDequeue(out var ready))
                {
                    (number, path, created) = ready;
                }
                else
                {
                    number = _nextNumber;
                    path = GroupPath(_folder, number);
                    created = MakeFile(path);
                    _nextNumber = number + 1;
                }
                if (_expected > 0)
                {
                    _expected--;
                    Monitor.PulseAll(_gate);
                }
                _namesMade = true;
                var made = new BlockGroup(number, format, path, _vault, null, 0);
                _blocks.Add(made);
                _handles[number] = created;
                _lent.Add(number);
                return new GroupLease(made, created, isNew: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new AudioException(AudioError.IoError, $"Could not make room for {format} blocks in '{_folder}': {e.Message}", e);
            }
        }
    }

    /// <summary>
    /// A writer is done with a lease; a group with free slots goes to the next writer of its format, and a full one's
    /// write-back to the disk is started (<see cref="FileSync.StartWriteback"/>, on the writer's thread).
    /// </summary>
    public void Return(GroupLease lease)
    {
        bool full;
        lock (_gate)
        {
            if (!_lent.Remove(lease.Group.Number)) return;
            if (_closed) return;
            full = lease.Group.Sealed >= AudioLayout.BlocksPerGroup;
            if (!full) Spare(lease.Group.Format).Enqueue(lease.Group);
        }
        // No write comes to a full group again: the disk can start on it now, while the writer goes on with the
        // next, so that a save after a long append finds most of it written (it still fsyncs every group).
        if (!full) return;
        lock (_gate)
        {
            // While an import runs, the maker thread starts it, off the writer's way.
            if (_maker is not null && !_closed)
            {
                _writebacks.Enqueue(lease.Handle);
                Monitor.PulseAll(_gate);
                return;
            }
        }
        FileSync.StartWriteback(lease.Handle);
    }

    /// <summary>A new group file of 1 MiB, as a hole: its readonly twin maps it whole, and the writes fill it.</summary>
    private static SafeFileHandle MakeFile(string path)
    {
        var created = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            RandomAccess.SetLength(created, AudioLayout.GroupBytes);
            return created;
        }
        catch
        {
            created.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>
    /// Says that writers are about to lease <paramref name="groups"/> new groups (an import that knows its length):
    /// until <see cref="EndExpect"/>, a thread of the allocator's makes their files ahead of need (up to
    /// <see cref="MakeAheadLimit"/> at a time) and starts the write-back of full groups, so that the writers find a
    /// file ready instead of making it (a file system's inode allocation can take a millisecond or more) and do
    /// not wait in the lock while the other makes one.
    /// </summary>
    public void Expect(int groups)
    {
        lock (_gate)
        {
            if (_closed) return;
            if (_expecting == 0) _makeFailed = false;
            _expecting++;
            _expected += Math.Max(0, groups);
            if (_maker is null)
            {
                _maker = new Thread(MakeAhead, 256 * 1024) { IsBackground = true, Name = "lumiera-audio-groups" };
                _maker.Start();
            }
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Ends an <see cref="Expect"/>: after the last, the files made ahead and not leased are deleted (no name is left
    /// that the store does not list) and their numbers given out again; the maker thread ends.
    /// </summary>
    public void EndExpect()
    {
        lock (_gate)
        {
            if (_expecting > 0) _expecting--;
            if (_expecting > 0) return;
            _expected = 0;
            Monitor.PulseAll(_gate);
        }
        DrainReady();
    }

    /// <summary>Deletes the files made ahead and not leased, once the one being made (if any) is made.</summary>
    private void DrainReady()
    {
        List<(int Number, string Path, SafeFileHandle Handle)> drained;
        lock (_makeGate)
        {
            lock (_gate)
            {
                if (_ready.Count == 0) return;
                drained = [.. _ready];
                _ready.Clear();
                // Every number at or above the table's count is one of these (leases take theirs in the lock).
                _nextNumber = _blocks.Count;
            }
            foreach (var (_, path, handle) in drained)
            {
                handle.Dispose();
                try
                {
                    File.Delete(path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Left behind: the next open deletes it, as it is in no manifest.
                }
            }
        }
    }

    /// <summary>The maker thread: starts write-backs handed to it and makes group files ahead while an import expects them.</summary>
    private void MakeAhead()
    {
        var writebacks = new List<SafeFileHandle>();
        while (true)
        {
            bool make, exit;
            lock (_gate)
            {
                while (!_closed && _expecting > 0 && _writebacks.Count == 0 && !WantsFile()) Monitor.Wait(_gate);
                // A write-back handed over is started even when the thread ends (closed, or nothing expected any more).
                writebacks.AddRange(_writebacks);
                _writebacks.Clear();
                make = !_closed && WantsFile();
                exit = _closed || _expecting == 0;
                if (exit) _maker = null;
            }
            foreach (var handle in writebacks) FileSync.StartWriteback(handle);
            writebacks.Clear();
            if (exit) return;
            if (make) MakeOne();
        }
    }

    private bool WantsFile() => _expecting > 0 && !_makeFailed && _ready.Count < Math.Min(_expected, MakeAheadLimit);

    private void MakeOne()
    {
        lock (_makeGate)
        {
            int number;
            lock (_gate)
            {
                if (_closed || !WantsFile()) return;
                number = _nextNumber++;
            }
            string path = GroupPath(_folder, number);
            SafeFileHandle made;
            try
            {
                made = MakeFile(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The writers make their own then, and report what fails to them.
                lock (_gate)
                {
                    _makeFailed = true;
                    if (_nextNumber == number + 1) _nextNumber = number;
                }
                return;
            }
            lock (_gate)
            {
                if (!_closed)
                {
                    _ready.Enqueue((number, path, made));
                    return;
                }
            }
            made.Dispose();
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left behind: the next open deletes it, as it is in no manifest.
            }
        }
    }

    /// <summary>
    /// Deletes groups whose blocks nothing uses (an abandoned import's), files and all, so that the store is as if
    /// they had never been made; a group a reader opened (its readonly twin may be mapped) stays. The caller owns
    /// them: full groups, or the one it still holds the lease of (which ends here).
    /// </summary>
    /// <returns>The groups discarded.</returns>
    public HashSet<int> Discard(IEnumerable<int> numbers)
    {
        var discarded = new HashSet<int>();
        lock (_gate)
        {
            if (_closed) return discarded;
            foreach (int number in numbers)
            {
                if (_blocks[number] is not { } group || group.OpenedReadFile is not null) continue;
                _lent.Remove(number);
                if (_handles.Remove(number, out var handle)) handle.Dispose();
                _blocks.Remove(number);
                discarded.Add(number);
                try
                {
                    File.Delete(group.Path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Left behind: the next open deletes it, as it is in no manifest.
                }
            }
            if (discarded.Count == 0) return discarded;
            foreach (var (format, queue) in _spare.ToList())
                _spare[format] = new Queue<BlockGroup>(queue.Where(g => !discarded.Contains(g.Number)));
        }
        return discarded;
    }

    /// <summary>
    /// Makes every block written so far durable: one <c>fsync</c> per group file written since the last call, and
    /// one of the block folder when a group file was made since (so that the new files' names are durable too);
    /// <paramref name="also"/> (the new manifest, say) is synced with them. The fsyncs run side by side, on up to
    /// <see cref="SyncThreads"/> threads, so that the file system commits its journal for many of them at once.
    /// Descriptors of full groups no writer holds are closed after; the others stay for the next writes.
    /// </summary>
    /// <exception cref="IOException">An fsync failed (the first failure is thrown, after all have been tried).</exception>
    /// <exception cref="AudioException"><see cref="AudioError.StoreClosed"/> after <see cref="Dispose"/>.</exception>
    public void SyncAll(SafeFileHandle? also = null)
    {
        List<(int Number, SafeFileHandle Handle)> open;
        bool names;
        lock (_gate)
        {
            // Closed, the descriptors are gone: nothing written since the last save can be made durable now.
            if (_closed) throw new AudioException(AudioError.StoreClosed, $"The store in '{_folder}' is closed.");
            open = _handles.Select(kv => (kv.Key, kv.Value)).ToList();
            names = _namesMade;
            _namesMade = false;
        }
        var syncs = new List<Action>(open.Count + 2);
        if (names) syncs.Add(() => FileSync.SyncFolder(Path.Combine(_folder, "blocks"), strict: true));
        if (also is not null) syncs.Add(() => RandomAccess.FlushToDisk(also));
        foreach (var (_, handle) in open)
        {
            syncs.Add(() =>
            {
                try
                {
                    RandomAccess.FlushToDisk(handle);
                }
                catch (ObjectDisposedException)
                {
                    // Discarded meanwhile (an abandoned import's group): nothing of it is to be kept.
                }
            });
        }
        try
        {
            RunSideBySide(syncs);
        }
        catch
        {
            if (names)
            {
                lock (_gate) _namesMade = true;
            }
            throw;
        }
        lock (_gate)
        {
            foreach (var (number, handle) in open)
            {
                if (_lent.Contains(number) || _blocks[number] is not { } g || g.Sealed < AudioLayout.BlocksPerGroup) continue;
                // Full and given back: no write comes again, so the next save need not sync it.
                if (_handles.Remove(number)) handle.Dispose();
            }
        }
    }

    /// <summary>
    /// Threads an fsync batch runs on at most. fsync blocks in the kernel and costs little CPU: one after the other,
    /// each waits for its own journal commit and disk flush; side by side, one commit and flush serve many.
    /// </summary>
    internal const int SyncThreads = 16;

    /// <summary>Runs blocking calls on the caller's thread and up to <see cref="SyncThreads"/> - 1 more; throws the first failure once all are done.</summary>
    private static void RunSideBySide(List<Action> calls)
    {
        int next = -1;
        Exception? failure = null;
        void Work()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls.Count)
            {
                try
                {
                    calls[i]();
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                }
            }
        }
        // Threads of their own, not the pool's: a pool of two cores would run these blocking calls two at a time.
        var helpers = new Thread[Math.Max(0, Math.Min(calls.Count, SyncThreads) - 1)];
        for (int t = 0; t < helpers.Length; t++)
        {
            helpers[t] = new Thread(Work, 256 * 1024) { IsBackground = true, Name = "lumiera-audio-sync" };
            helpers[t].Start();
        }
        Work();
        foreach (var t in helpers) t.Join();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>Closes every write descriptor; leases after this fail with <see cref="AudioError.StoreClosed"/>.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _closed = true;
            foreach (var handle in _handles.Values) handle.Dispose();
            _handles.Clear();
            _writebacks.Clear();
            Monitor.PulseAll(_gate);
        }
        DrainReady();
    }
}
