using System.IO.Hashing;
using Akka.Actor;
using Akka.Event;
using LumieraVault.Files;
using LumieraVault.Frames;
using LumieraVault.Native;

namespace LumieraVault.Rendering.Cache;

/// <summary>
/// Rendered frames on disk, by <see cref="FrameKey"/>: frames are written through readwrite vault frames into
/// append-only segment files and read back as readonly frames of those files, mapped by the vault like any other.
/// An index log on disk (see <see cref="IndexLog"/>) lets rendered frames survive a restart. A frame is cached only
/// once its bytes are flushed and its index record is durable; its checksum is verified the first time it is served
/// after the cache opens and whenever the vault reports its file changed, and a frame that does not match is dropped
/// and reported not cached, never served. The segment files together stay under <see cref="RenderCacheOptions.MaxBytes"/>
/// by evicting the least recently used segments; a segment with a frame held by anyone is never evicted.
/// Thread-safe. The index is owned by this object: it changes only under one short lock, never held across a flush, an
/// append to the log or an await (the vault's open, started under it, checks a path and sends a message).
/// </summary>
public sealed class RenderCache : IAsyncDisposable
{
    // Frames start on a cache line, so renderers writing with vector instructions see aligned memory.
    private const int Alignment = 64;
    private const string IndexFileName = "index.log";
    private const string LockFileName = "lock";

    private readonly Vault _vault;
    private readonly RenderCacheOptions _options;
    private readonly string _folder;
    private readonly ILoggingAdapter _log;
    private readonly FolderClaim _claim;
    private readonly RenderCacheMetrics _metrics;

    // The index and the segment table, guarded by _gate.
    private readonly object _gate = new();
    private readonly Dictionary<FrameKey, CacheEntry> _index = new();
    private readonly Dictionary<uint, Segment> _segments = new();
    private Segment? _active;
    private uint _nextId;
    private long _clock;
    private long _diskBytes;
    private long _bytes;

    // The index log: one writer at a time, asynchronously (a commit waits for its record to be durable).
    private readonly SemaphoreSlim _logGate = new(1, 1);
    private readonly List<PendingCommit> _commitQueue = new();
    private IndexLog? _indexLog;

    private long _hits, _misses, _evictions, _damaged, _commits;
    private int _disposed;

    private RenderCache(ActorSystem system, RenderCacheOptions options, string folder, FolderClaim claim)
    {
        _vault = Vault.Get(system);
        _options = options;
        _folder = folder;
        _claim = claim;
        _log = Logging.GetLogger(system, typeof(RenderCache));
        _metrics = new RenderCacheMetrics(system.Name, () => Statistics);
    }

    /// <summary>The folder the cache uses (full path).</summary>
    public string Folder => _folder;

    /// <summary>
    /// Opens the render cache in <paramref name="options"/>' folder (made if missing) for the vault of <paramref name="system"/>:
    /// reads the index log (ignoring a torn or garbage tail), drops entries whose segment file is missing or too short,
    /// removes segment files no entry refers to, and rewrites the log with the live entries. Fails with a
    /// <see cref="VaultException"/>: <see cref="VaultError.InvalidArgument"/> for unusable options, <see cref="VaultError.NotAFile"/>
    /// when the folder is a file, <see cref="VaultError.AccessDenied"/>, <see cref="VaultError.FileInUse"/> when another
    /// render cache (in this process or another) has the folder open, <see cref="VaultError.IoError"/> otherwise.
    /// </summary>
    public static Task<RenderCache> OpenAsync(ActorSystem system, RenderCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            options.Validate();
            string folder;
            try
            {
                folder = Path.GetFullPath(options.Folder);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
            {
                throw new VaultException(VaultError.InvalidArgument, $"Not a usable render cache folder: '{options.Folder}' ({e.Message}).", e) { Path = options.Folder };
            }
            if (File.Exists(folder))
                throw new VaultException(VaultError.NotAFile, $"The render cache folder '{folder}' is a file; name a folder.") { Path = folder };
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw VaultErrors.FromIo(e, folder);
            }
            // One render cache per folder, in this process or another; its files are released with the claim (the cache
            // disposed, or its actor system ended).
            RenderCache? cache = null;
            FolderClaim claim;
            try
            {
                claim = FolderClaim.TryTake(folder, LockFileName, system, () => cache?.ReleaseOwnFiles()) ?? throw InUse(folder, null);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw VaultErrors.FromIo(e, folder);
            }
            cache = new RenderCache(system, options, folder, claim);
            try
            {
                cache.Load();
            }
            catch (Exception e)
            {
                cache.ReleaseFiles();
                throw VaultErrors.FromIo(e, Path.Combine(folder, IndexFileName));
            }
            return Task.FromResult(cache);
        }
        catch (VaultException e)
        {
            return Task.FromException<RenderCache>(e);
        }
    }

    /// <summary>
    /// The cached frame of <paramref name="key"/> as a readonly frame (dispose it when done), or null when it is not
    /// cached. A frame whose bytes no longer match their checksum, or whose file was truncated or removed, is dropped
    /// from the index, counted as damaged and answered null, so that it is rendered again.
    /// </summary>
    public async ValueTask<Frame?> TryGetAsync(FrameKey key, FrameHints hints = default)
    {
        ThrowIfDisposed();
        CacheEntry? entry;
        Task<VaultFile> fileTask;
        lock (_gate)
        {
            if (!_index.TryGetValue(key, out entry))
            {
                _misses++;
                return null;
            }
            entry.Segment.Readers++;
            entry.Segment.LastUse = ++_clock;
            fileTask = FileOfLocked(entry.Segment);
        }
        var segment = entry.Segment;
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                if (attempt > 0) fileTask = FileOf(segment);
                Frame frame;
                try
                {
                    var file = await fileTask.ConfigureAwait(false);
                    frame = await _vault.GetFrameAtAsync(file, entry.Offset, entry.Length, hints).ConfigureAwait(false);
                    if (file.ChangedReason is { } why)
                    {
                        // The vault marks a file changed before it retires the file's windows: a hit in between is not served.
                        frame.Dispose();
                        throw VaultErrors.Changed(file.Path, why);
                    }
                }
                catch (VaultException e) when (e.Error == VaultError.FileChanged && attempt == 0)
                {
                    Reopen(segment, fileTask);
                    continue;
                }
                catch (VaultException e) when (e.Error is VaultError.FileChanged or VaultError.OutOfRange or VaultError.FileNotFound or VaultError.NotAFile)
                {
                    await DropDamagedAsync(entry, e.Message).ConfigureAwait(false);
                    return null;
                }
                if (!entry.Verified)
                {
                    if (XxHash3.HashToUInt64(frame.Span) != entry.Checksum)
                    {
                        frame.Dispose();
                        await DropDamagedAsync(entry, $"its bytes do not match their checksum ({Segment.FileName(segment.Id)} @{entry.Offset}+{entry.Length})").ConfigureAwait(false);
                        return null;
                    }
                    entry.Verified = true;
                }
                Interlocked.Increment(ref _hits);
                return frame;
            }
        }
        finally
        {
            lock (_gate) segment.Readers--;
        }
    }

    /// <summary>
    /// Room for the frame of <paramref name="key"/>, <paramref name="length"/> bytes: a readwrite frame to render into.
    /// Evicts least recently used segments when the cache would grow past its size limit. Fails with
    /// <see cref="VaultError.InvalidArgument"/> for a length that is not positive or larger than a segment,
    /// <see cref="VaultError.BudgetExhausted"/> when every segment that would have to go holds frames in use, and the
    /// vault's errors (<see cref="VaultError.DiskFull"/>, say) when the room cannot be mapped.
    /// </summary>
    public async ValueTask<RenderSlot> ReserveAsync(FrameKey key, int length, FrameHints hints = default)
    {
        ThrowIfDisposed();
        if (length <= 0 || length > _options.SegmentBytes)
            throw new VaultException(VaultError.InvalidArgument,
                $"A rendered frame needs a length between 1 and the segment size {_options.SegmentBytes} (was {length}); raise lumiera.vault.render-cache.segment-bytes for larger frames.");
        try
        {
            return await ReserveOnceAsync(key, length, hints).ConfigureAwait(false);
        }
        catch (VaultException e) when (e.Error == VaultError.FileChanged)
        {
            // The active segment changed under the vault and is sealed now: the next room is in a new segment.
            return await ReserveOnceAsync(key, length, hints).ConfigureAwait(false);
        }
    }

    private async Task<RenderSlot> ReserveOnceAsync(FrameKey key, int length, FrameHints hints)
    {
        long room = AlignUp(length);
        Segment segment;
        long offset;
        List<Segment> evicted;
        bool fits;
        lock (_gate)
        {
            fits = MakeRoom(room, out evicted);
            if (fits)
            {
                if (_active is null || _active.Sealed || _active.Gone || _active.End + length > _options.SegmentBytes)
                {
                    if (_active is not null) _active.Sealed = true;
                    _active = NewSegment();
                }
                segment = _active;
                offset = segment.End;
                segment.End += room;
                _diskBytes += room;
                segment.Slots++;
                segment.LastUse = ++_clock;
            }
            else
            {
                segment = null!;
                offset = 0;
            }
        }
        await DeleteAsync(evicted).ConfigureAwait(false);
        if (!fits)
            throw new VaultException(VaultError.BudgetExhausted,
                $"The render cache in '{_folder}' is full ({_options.MaxBytes} bytes) and every segment that could make room holds frames in use or renders in progress; dispose frames sooner or raise lumiera.vault.render-cache.max-bytes.") { Path = _folder };
        var fileTask = FileOf(segment);
        try
        {
            var file = await fileTask.ConfigureAwait(false);
            var frame = await _vault.GetFrameAtAsync(file, offset, length, hints, FrameAccess.ReadWrite).ConfigureAwait(false);
            return new RenderSlot(this, key, length, frame, segment, offset, room, hints);
        }
        catch (Exception e)
        {
            bool changed = e is VaultException { Error: VaultError.FileChanged };
            lock (_gate)
            {
                // A segment whose file cannot be opened, or that changed under the vault, takes no more frames.
                if (changed || fileTask.IsFaulted || fileTask.IsCanceled) segment.Sealed = true;
            }
            if (changed) Reopen(segment, fileTask);
            GiveBack(segment, offset, room);
            throw;
        }
    }

    /// <summary>
    /// Makes the rendered bytes of <paramref name="slot"/> a cached frame: checksums them, flushes them to disk, then
    /// appends the index record and makes it durable, and only then lets lookups find the frame. Returns a readonly
    /// frame of the same bytes (dispose it when done); the slot's readwrite frame is disposed. A second commit or abandon
    /// of a slot fails with <see cref="VaultError.InvalidArgument"/>. When the key was committed before, the newer frame wins.
    /// </summary>
    public async ValueTask<Frame> CommitAsync(RenderSlot slot)
    {
        Claim(slot);
        var segment = slot.Segment;
        Frame result = default;
        bool indexed = false;
        try
        {
            ThrowIfDisposed();
            if (!slot.Frame.IsValid)
                throw new VaultException(VaultError.InvalidArgument, $"The readwrite frame of the {slot} was disposed before the commit; the cache disposes it. The slot is abandoned.");
            var file = slot.Frame.File;
            ulong checksum = XxHash3.HashToUInt64(slot.Frame.Span);
            await _vault.FlushAsync(file).ConfigureAwait(false);
            if (!segment.NameDurable)
            {
                // fsync of a new file does not make its name durable: without this, a crash could lose a segment the log names.
                Native.FileSync.SyncFolder(_folder, strict: false);
                segment.NameDurable = true;
            }
            // The writer's pin keeps the window mapped, so this is the fast path; the frame keeps it mapped after the writer goes.
            result = await _vault.GetFrameAtAsync(file, slot.Offset, slot.Length).ConfigureAwait(false);
            slot.Frame.Dispose();
            var entry = new CacheEntry(slot.Key, segment, slot.Offset, slot.Length, checksum) { Verified = true };
            var logged = await LogCommitAsync(entry).ConfigureAwait(false);
            indexed = logged.Written;
            if (!indexed)
            {
                var failure = logged.Failure!;
                // Every commit of a failed batch throws its own exception: one object thrown on many threads would mix their traces.
                throw failure is VaultException v ? new VaultException(v.Error, v.Message, v) { Path = v.Path } : VaultErrors.FromIo(failure, Path.Combine(_folder, IndexFileName));
            }
            return result;
        }
        catch (Exception e)
        {
            if (result.IsValid) result.Dispose();
            slot.Frame.Dispose();
            if (!indexed) GiveBack(segment, slot.Offset, slot.Room, reuse: !slot.Shared);
            if (e is VaultException) throw;
            throw VaultErrors.FromIo(e, Path.Combine(_folder, IndexFileName));
        }
    }

    /// <summary>
    /// A readonly frame of the rendered bytes of <paramref name="slot"/> before its commit (dispose it when done), for
    /// whoever waits for the render: it need not wait for the commit's fsyncs. Lookups find the frame only once it is
    /// committed. The bytes stay valid whatever the commit does: a slot shared and then not committed never gives its
    /// room back for another frame.
    /// </summary>
    public ValueTask<Frame> ShareAsync(RenderSlot slot)
    {
        ThrowIfDisposed();
        if (!slot.Frame.IsValid)
            throw new VaultException(VaultError.InvalidArgument, $"The readwrite frame of the {slot} was disposed (committed or abandoned); there is nothing to share.");
        slot.Shared = true;
        // The writer's pin keeps the window mapped, so this is the fast path.
        return _vault.GetFrameAtAsync(slot.Frame.File, slot.Offset, slot.Length);
    }

    /// <summary>A render that failed: its readwrite frame is disposed and its room given back; nothing is indexed.</summary>
    public void Abandon(RenderSlot slot)
    {
        Claim(slot);
        slot.Frame.Dispose();
        GiveBack(slot.Segment, slot.Offset, slot.Room);
    }

    /// <summary>A snapshot of the cache's contents and counters.</summary>
    public RenderCacheStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                return new RenderCacheStatistics(_index.Count, _bytes, _diskBytes, _segments.Count, Interlocked.Read(ref _hits), _misses,
                    _evictions, _damaged, Interlocked.Read(ref _commits));
            }
        }
    }

    /// <summary>Closes the cache's files in the vault and gives the folder free for another render cache. Frames handed out stay valid until disposed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        List<Task<VaultFile>> files;
        lock (_gate) files = _segments.Values.Select(s => s.File).OfType<Task<VaultFile>>().ToList();
        foreach (var task in files)
        {
            try
            {
                await _vault.CloseAsync(await task.ConfigureAwait(false)).ConfigureAwait(false);
            }
            catch (VaultException)
            {
                // The file could not be opened, or the vault stopped: nothing left to close.
            }
        }
        ReleaseFiles();
    }

    private static VaultException InUse(string folder, Exception? inner) => new(VaultError.FileInUse,
        $"The render cache folder '{folder}' is in use by another render cache (in this or another process); dispose that one first or use another folder.", inner) { Path = folder };

    /// <summary>Closes the index log and gives the folder up (once; also when the actor system ends).</summary>
    private void ReleaseFiles() => _claim.Release();

    /// <summary>What the claim's release does for this cache: no more use, the index log closed.</summary>
    private void ReleaseOwnFiles()
    {
        Interlocked.Exchange(ref _disposed, 1);
        // Appends hold the log gate for a write and an fsync at most: wait for the one in progress.
        _logGate.Wait();
        try
        {
            _indexLog?.Dispose();
        }
        finally
        {
            _logGate.Release();
        }
        _metrics.Dispose();
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
            throw new VaultException(VaultError.VaultStopped, $"The render cache in '{_folder}' was disposed (or its actor system shut down); open it again.") { Path = _folder };
    }

    private void Claim(RenderSlot slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        if (!ReferenceEquals(slot.Owner, this))
            throw new VaultException(VaultError.InvalidArgument, $"The {slot} belongs to another render cache.");
        if (!slot.TryClose())
            throw new VaultException(VaultError.InvalidArgument, $"The {slot} was committed or abandoned already; reserve a new one.");
    }

    private static long AlignUp(long n) => (n + Alignment - 1) & ~(long)(Alignment - 1);

    /// <summary>The vault descriptor of the segment's file: segments made in this run are writable, the others are read.</summary>
    private Task<VaultFile> FileOf(Segment segment)
    {
        lock (_gate) return FileOfLocked(segment);
    }

    private Task<VaultFile> FileOfLocked(Segment segment)
        => segment.File ??= _vault.OpenAsync(segment.Path, FileOpenMode.Read, FrameLayout.Bytes(), FileUse.RenderCache, ReadStrategy.Mapped);

    /// <summary>
    /// The vault says the segment's file changed (shrank or was replaced): its descriptor serves nothing more. Open the
    /// file again, and check every frame of it again before serving it. Lookups that saw the same failure reopen once.
    /// </summary>
    private void Reopen(Segment segment, Task<VaultFile> changed)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(segment.File, changed)) return;
            segment.Sealed = true;
            // Frames of the old descriptor that callers still hold keep the segment from eviction.
            if (changed.IsCompletedSuccessfully) segment.Retired.Add(changed.Result);
            foreach (var key in segment.Keys) _index[key].Verified = false;
            segment.File = ReopenCore(segment.Path, changed);
        }
    }

    private async Task<VaultFile> ReopenCore(string path, Task<VaultFile> changed)
    {
        try
        {
            // The vault keeps one descriptor per file: the changed one must be closed before the path gives a new one.
            await _vault.CloseAsync(await changed.ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (VaultException)
        {
        }
        return await _vault.OpenAsync(path, FileOpenMode.Read, FrameLayout.Bytes(), FileUse.RenderCache, ReadStrategy.Mapped).ConfigureAwait(false);
    }

    private Segment NewSegment()
    {
        uint id = _nextId++;
        var segment = new Segment(id, Path.Combine(_folder, Segment.FileName(id)), 0);
        // Recreate: a leftover file of that name (whose removal failed once) holds nothing the index refers to.
        segment.File = _vault.OpenAsync(segment.Path, FileOpenMode.Recreate, FrameLayout.Bytes(), FileUse.RenderCache, ReadStrategy.Mapped);
        _segments.Add(segment.Id, segment);
        return segment;
    }

    private void GiveBack(Segment segment, long offset, long room, bool reuse = true)
    {
        lock (_gate)
        {
            segment.Slots--;
            // Only the last room of a segment can be taken back: the bytes before it belong to other frames.
            if (reuse && !segment.Gone && segment.End == offset + room)
            {
                segment.End = offset;
                _diskBytes -= room;
            }
        }
    }

    /// <summary>Under the gate: indexes a committed frame; a frame committed before for the same key is superseded.</summary>
    private void Insert(CacheEntry entry)
    {
        if (_index.Remove(entry.Key, out var old)) Unlink(old);
        _index.Add(entry.Key, entry);
        entry.Segment.Keys.Add(entry.Key);
        _bytes += entry.Length;
        entry.Segment.LastUse = ++_clock;
    }

    private void Unlink(CacheEntry entry)
    {
        entry.Segment.Keys.Remove(entry.Key);
        _bytes -= entry.Length;
    }

    /// <summary>
    /// Under the gate: evicts least recently used segments until <paramref name="room"/> more bytes fit under the limit.
    /// A segment with renders in progress, lookups in flight or frames pinned is skipped. False if it cannot make room.
    /// </summary>
    private bool MakeRoom(long room, out List<Segment> evicted)
    {
        evicted = new List<Segment>();
        while (_diskBytes + room > _options.MaxBytes)
        {
            Segment? victim = null;
            long victimAge = long.MaxValue;
            foreach (var s in _segments.Values)
            {
                if (s.Slots > 0 || s.Readers > 0 || s.HasPinnedFrames) continue;
                // A segment that holds no live frame is only dead bytes: it goes first.
                long age = s.Keys.Count == 0 ? long.MinValue : s.LastUse;
                if (age < victimAge)
                {
                    victim = s;
                    victimAge = age;
                }
            }
            if (victim is null) return false;
            _segments.Remove(victim.Id);
            victim.Gone = true;
            victim.Sealed = true;
            if (ReferenceEquals(_active, victim)) _active = null;
            _diskBytes -= victim.End;
            _evictions += victim.Keys.Count;
            foreach (var key in victim.Keys)
            {
                _bytes -= _index[key].Length;
                _index.Remove(key);
            }
            victim.Keys.Clear();
            evicted.Add(victim);
        }
        return true;
    }

    /// <summary>Removes evicted segments: their drop is logged, their files closed in the vault and deleted.</summary>
    private async Task DeleteAsync(List<Segment> evicted)
    {
        if (evicted.Count == 0) return;
        await AppendAsync(evicted.Select(s => new IndexRecord(IndexRecordKind.DropSegment, s.Id, default, 0, 0, 0)).ToArray()).ConfigureAwait(false);
        foreach (var segment in evicted)
        {
            if (segment.File is { } task)
            {
                try
                {
                    await _vault.CloseAsync(await task.ConfigureAwait(false)).ConfigureAwait(false);
                }
                catch (VaultException)
                {
                    // Never opened (or the vault stopped): nothing to close.
                }
            }
            try
            {
                File.Delete(segment.Path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log.Warning("Render cache: cannot remove the evicted {0}: {1}; it is removed when the cache opens next", segment.Path, e.Message);
            }
        }
    }

    private async Task DropDamagedAsync(CacheEntry entry, string why)
    {
        bool removed;
        lock (_gate)
        {
            _misses++;
            removed = _index.TryGetValue(entry.Key, out var current) && ReferenceEquals(current, entry);
            if (removed)
            {
                _index.Remove(entry.Key);
                Unlink(entry);
                _damaged++;
            }
        }
        if (!removed) return;
        _log.Warning("Render cache: the frame {0} is damaged ({1}); it is dropped and will be rendered again", entry.Key, why);
        // Not made durable on its own: if the record is lost, the next open checks the frame again and drops it again.
        await AppendAsync([new IndexRecord(IndexRecordKind.Remove, entry.Segment.Id, entry.Key, entry.Offset, entry.Length, entry.Checksum)]).ConfigureAwait(false);
    }

    /// <summary>A commit waiting for its index record to be durable. Commits that wait together share one append and one fsync.</summary>
    private sealed class PendingCommit(CacheEntry entry)
    {
        public readonly CacheEntry Entry = entry;
        public bool Written;
        public Exception? Failure;
    }

    /// <summary>
    /// Appends the entry's record durably and indexes it (group commit): whoever holds the log gate writes every record
    /// queued so far with one fsync and indexes them all, so that a commit that queued meanwhile finds its work done.
    /// </summary>
    private async Task<PendingCommit> LogCommitAsync(CacheEntry entry)
    {
        var mine = new PendingCommit(entry);
        lock (_commitQueue) _commitQueue.Add(mine);
        await _logGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (mine.Written || mine.Failure is not null) return mine;
            PendingCommit[] batch;
            lock (_commitQueue)
            {
                batch = _commitQueue.ToArray();
                _commitQueue.Clear();
            }
            try
            {
                ThrowIfDisposed();
                _indexLog!.Append(batch.Select(p => p.Entry.ToRecord()).ToArray(), durable: true);
                lock (_gate)
                {
                    foreach (var p in batch)
                    {
                        Insert(p.Entry);
                        p.Entry.Segment.Slots--;
                        p.Written = true;
                    }
                }
                Interlocked.Add(ref _commits, batch.Length);
                CompactIfLong();
            }
            catch (Exception e)
            {
                foreach (var p in batch)
                {
                    if (!p.Written) p.Failure = e;
                }
            }
            return mine;
        }
        finally
        {
            _logGate.Release();
        }
    }

    private async Task AppendAsync(IndexRecord[] records)
    {
        await _logGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _disposed) != 0) return;
            _indexLog!.Append(records, durable: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning("Render cache: cannot append to the index in {0}: {1}", _folder, e.Message);
        }
        finally
        {
            _logGate.Release();
        }
    }

    /// <summary>Under the log gate: rewrites the log with the live entries once superseded records outnumber the allowance.</summary>
    private void CompactIfLong()
    {
        (CacheEntry Entry, long LastUse)[] live;
        lock (_gate)
        {
            if (_indexLog!.Records <= _index.Count + _options.CompactAfterRecords) return;
            live = Snapshot();
        }
        try
        {
            _indexLog.Compact(InRecencyOrder(live));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning("Render cache: cannot compact the index in {0}: {1}; it goes on growing", _folder, e.Message);
        }
    }

    /// <summary>Under the gate: the live entries with their segments' last use, copied so that sorting them can wait until the gate is free.</summary>
    private (CacheEntry Entry, long LastUse)[] Snapshot() => _index.Values.Select(e => (e, e.Segment.LastUse)).ToArray();

    /// <summary>The entries as Put records, least recently used first: the order the next open reads recency from.</summary>
    private static IndexRecord[] InRecencyOrder((CacheEntry Entry, long LastUse)[] live)
        => live.OrderBy(p => p.LastUse).ThenBy(p => p.Entry.Segment.Id).ThenBy(p => p.Entry.Offset).Select(p => p.Entry.ToRecord()).ToArray();

    /// <summary>Reads the index log and the folder, repairs what does not agree, and rewrites the log.</summary>
    private void Load()
    {
        var indexPath = Path.Combine(_folder, IndexFileName);
        var records = IndexLog.Read(indexPath, out long ignored);
        if (ignored > 0)
            _log.Warning("Render cache: ignored {0} bytes at the end of {1} (a torn or damaged tail); frames indexed there are rendered again", ignored, indexPath);

        var files = new Dictionary<uint, long>();
        foreach (var path in Directory.EnumerateFiles(_folder, "segment-*.lvc"))
        {
            if (Segment.TryParseId(Path.GetFileName(path), out uint id)) files[id] = new FileInfo(path).Length;
        }

        var live = new Dictionary<FrameKey, (IndexRecord Record, long At)>();
        uint maxId = 0;
        for (int i = 0; i < records.Count; i++)
        {
            var r = records[i];
            maxId = Math.Max(maxId, r.Segment);
            switch (r.Kind)
            {
                case IndexRecordKind.Put:
                    live[r.Key] = (r, i);
                    break;
                case IndexRecordKind.Remove:
                    // Only the frame it names: a newer commit of the key may have been logged ahead of it.
                    if (live.TryGetValue(r.Key, out var put) && put.Record.Segment == r.Segment && put.Record.Offset == r.Offset) live.Remove(r.Key);
                    break;
                case IndexRecordKind.DropSegment:
                    foreach (var key in live.Where(p => p.Value.Record.Segment == r.Segment).Select(p => p.Key).ToList()) live.Remove(key);
                    break;
            }
        }

        foreach (var (key, (r, at)) in live.OrderBy(p => p.Value.At))
        {
            if (!files.TryGetValue(r.Segment, out long size) || r.Offset < 0 || r.Length <= 0 || r.Offset > size - r.Length)
            {
                _damaged++;
                _log.Warning("Render cache: the frame {0} lies past the end of {1} (missing or truncated); it is dropped", key, Segment.FileName(r.Segment));
                continue;
            }
            if (!_segments.TryGetValue(r.Segment, out var segment))
            {
                segment = new Segment(r.Segment, Path.Combine(_folder, Segment.FileName(r.Segment)), AlignUp(size)) { Sealed = true };
                _segments.Add(segment.Id, segment);
                _diskBytes += segment.End;
            }
            var entry = new CacheEntry(key, segment, r.Offset, r.Length, r.Checksum);
            _index.Add(key, entry);
            segment.Keys.Add(key);
            segment.LastUse = at;
            _bytes += r.Length;
        }

        foreach (var id in files.Keys)
        {
            maxId = Math.Max(maxId, id);
            if (_segments.ContainsKey(id)) continue;
            var orphan = Path.Combine(_folder, Segment.FileName(id));
            try
            {
                File.Delete(orphan);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log.Warning("Render cache: cannot remove {0}, which no entry refers to: {1}", orphan, e.Message);
            }
        }
        _nextId = maxId + 1;
        _clock = records.Count;
        _indexLog = IndexLog.Rewrite(indexPath, InRecencyOrder(Snapshot()));
    }
}
