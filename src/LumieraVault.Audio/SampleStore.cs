using Akka.Actor;
using LumieraVault.Audio.Blocks;
using LumieraVault.Audio.Hosting;
using LumieraVault.Audio.Persistence;
using LumieraVault.Audio.Walking;
using LumieraVault.Files;
using LumieraVault.Native;

namespace LumieraVault.Audio;

/// <summary>
/// The page-tabled sample store in one folder: block-group files of 2 KiB blocks that the vault maps, the
/// sequences (channels) whose indexes point into them, and a manifest that lets the store reopen after a restart.
/// Open it with <see cref="OpenAsync"/>; make sequences with <see cref="CreateSequence"/>, fill them with
/// <see cref="SampleSequence.AppendAsync(ReadOnlyMemory{float}, CancellationToken)"/>, edit them with
/// <see cref="SampleSequence.Apply"/>, play and draw them with a <see cref="SampleWalker"/>.
/// <see cref="SaveAsync"/> makes the blocks durable and writes the manifest (atomically); disposing saves too.
/// </summary>
public sealed class SampleStore : IAsyncDisposable
{
    private static int s_instances;
    private readonly object _gate = new();
    private readonly IActorRef _actor;
    private volatile SampleSequence[] _sequences = [];
    private volatile bool _closed;
    private volatile bool _terminated;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<TaskCompletionSource<bool>, byte> _pendingSaves = new();

    /// <summary>The store's claim on its folder (an exclusive lock on <c>store.lock</c>) while it is open.</summary>
    private readonly FolderClaim _claim;

    private SampleStore(ActorSystem system, string folder, AudioSettings settings, BlockTable blocks, FolderClaim claim, bool folderMade)
    {
        _claim = claim;
        Folder = folder;
        Settings = settings;
        Blocks = blocks;
        Vault = Vault.Get(system);
        Allocator = new BlockAllocator(Vault, folder, blocks);
        _actor = system.ActorOf(BlockStoreActor.Props(Vault, folder, blocks, Allocator, folderNameDurable: !folderMade), $"lumiera-audio-store-{Interlocked.Increment(ref s_instances)}");
        system.WhenTerminated.ContinueWith(_ => OnSystemTerminated(), TaskScheduler.Default);
    }

    /// <summary>The store actor is gone with its system: whatever waits for it hears so instead of waiting forever.</summary>
    private void OnSystemTerminated()
    {
        _terminated = true;
        _closed = true;
        var stopped = new AudioException(AudioError.StoreClosed, $"The store in '{Folder}' is closed: its actor system terminated.");
        foreach (var save in _pendingSaves.Keys) save.TrySetException(stopped);
        Allocator.Dispose();
        _claim.Release();
    }

    private Task<T> Track<T>(System.Collections.Concurrent.ConcurrentDictionary<TaskCompletionSource<T>, byte> pending, TaskCompletionSource<T> reply, object message)
    {
        pending.TryAdd(reply, 0);
        reply.Task.ContinueWith(_ => pending.TryRemove(reply, out byte _), TaskScheduler.Default);
        // Registered first, checked after: a termination in between fails the reply one way or the other.
        if (_terminated) reply.TrySetException(new AudioException(AudioError.StoreClosed, $"The store in '{Folder}' is closed: its actor system terminated."));
        _actor.Tell(message);
        return reply.Task;
    }

    /// <summary>The folder of the store's files.</summary>
    public string Folder { get; }

    /// <summary>The settings in force.</summary>
    public AudioSettings Settings { get; }

    /// <summary>The sequences, in the order they were made (a sequence's <see cref="SampleSequence.Id"/> is its place here).</summary>
    public IReadOnlyList<SampleSequence> Sequences => _sequences.Where(s => !s.IsRemoved).ToArray();

    internal IReadOnlyList<SampleSequence> AllSequences => _sequences;

    /// <summary>Block-group files the store has.</summary>
    public int BlockGroupCount => Blocks.Count;

    internal BlockTable Blocks { get; }

    internal Vault Vault { get; }

    internal BlockAllocator Allocator { get; }

    /// <summary>
    /// Opens the store in <paramref name="folder"/> (made if missing), reading its manifest if it has one and
    /// registering its block-group files with the vault of <paramref name="system"/>. The settings come from the
    /// <c>lumiera.audio</c> section of the system's configuration unless <paramref name="settings"/> gives them.
    /// </summary>
    public static async Task<SampleStore> OpenAsync(ActorSystem system, string folder, AudioSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        settings = (settings ?? AudioSettings.From(system.Settings.Config)).Validated();
        string full = Path.GetFullPath(folder);
        bool folderMade;
        try
        {
            folderMade = !Directory.Exists(full);
            Directory.CreateDirectory(Path.Combine(full, "blocks"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AudioException(AudioError.IoError, $"Cannot make the store folder '{full}': {e.Message}", e);
        }
        var claim = Claim(system, full);
        try
        {
            return await OpenOwnedAsync(system, full, settings, claim, folderMade);
        }
        catch
        {
            claim.Release();
            throw;
        }
    }

    /// <summary>
    /// Takes the store's folder (an exclusive lock on its <c>store.lock</c>), so that a second opening of the same store,
    /// which would take the first one's unsaved block groups for orphans, is refused by name instead.
    /// </summary>
    private static FolderClaim Claim(ActorSystem system, string folder)
    {
        try
        {
            // A store whose system ended unclosed has its own continuation for the rest (its allocator, its saves).
            return FolderClaim.TryTake(folder, "store.lock", system, static () => { })
                ?? throw new AudioException(AudioError.StoreInUse, $"The store in '{folder}' is open already (in this process or another); close it there first.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AudioException(AudioError.IoError, $"Cannot take the store folder '{folder}': {e.Message}", e);
        }
    }

    private static async Task<SampleStore> OpenOwnedAsync(ActorSystem system, string full, AudioSettings settings, FolderClaim claim, bool folderMade)
    {
        var manifest = await Manifest.ReadAsync(BlockStoreActor.ManifestPath(full));
        var vault = Vault.Get(system);
        var blocks = new BlockTable();
        if (manifest is not null)
        {
            foreach (var g in manifest.Groups)
            {
                string path = BlockStoreActor.GroupPath(full, g.Number);
                VaultFile file;
                try
                {
                    file = await vault.OpenAsync(path, FileOpenMode.Read, FrameLayout.Fixed(AudioLayout.BlockBytes), FileUse.AudioBlocks);
                }
                catch (VaultException e)
                {
                    throw new AudioException(AudioError.CorruptManifest, $"The manifest of '{full}' names block group {g.Number}, but its file cannot be opened: {e.Message}", e);
                }
                var group = new BlockGroup(g.Number, g.Format, path, vault, file, g.Sealed);
                g.Fine.CopyTo(group.Fine, 0);
                blocks.Add(group);
            }
        }
        DeleteOrphans(full, manifest);
        var store = new SampleStore(system, full, settings, blocks, claim, folderMade);
        manifest?.RestoreSequences(store);
        return store;
    }

    /// <summary>
    /// Deletes block-group files the manifest does not name: groups made after the last save by a run that ended
    /// without saving (a crash part-way through an import, say). Nothing can name their blocks, and a new group
    /// would otherwise be made over one of them.
    /// </summary>
    private static void DeleteOrphans(string folder, Manifest? manifest)
    {
        var named = manifest?.Groups.Select(g => g.Number).ToHashSet() ?? [];
        try
        {
            foreach (string path in Directory.EnumerateFiles(Path.Combine(folder, "blocks"), "g*.blocks"))
            {
                string name = Path.GetFileNameWithoutExtension(path);
                if (int.TryParse(name.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int number)
                    && path == BlockStoreActor.GroupPath(folder, number) && !named.Contains(number))
                    File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AudioException(AudioError.IoError, $"Cannot tidy the block groups of '{folder}': {e.Message}", e);
        }
    }

    /// <summary>
    /// Makes an empty sequence; names are unique in a store. <paramref name="sampleRate"/> is kept with it (in the
    /// manifest too) for those who play or export it; the store itself counts samples, not time.
    /// </summary>
    public SampleSequence CreateSequence(string name, SampleFormat format = SampleFormat.Float32, int sampleRate = 48_000)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        format.Check();
        if (sampleRate <= 0) throw new AudioException(AudioError.InvalidArgument, $"A sample rate must be positive (was {sampleRate}).");
        ThrowIfClosed();
        lock (_gate)
        {
            if (_sequences.Any(s => s.Name == name && !s.IsRemoved))
                throw new AudioException(AudioError.SequenceExists, $"The store in '{Folder}' has a sequence named '{name}' already.");
            var sequence = new SampleSequence(this, _sequences.Length, name, format, sampleRate);
            _sequences = [.. _sequences, sequence];
            return sequence;
        }
    }

    /// <summary>The sequence with id <paramref name="id"/>.</summary>
    public SampleSequence GetSequence(int id)
    {
        var all = _sequences;
        if ((uint)id >= (uint)all.Length || all[id].IsRemoved) throw new AudioException(AudioError.UnknownSequence, $"The store in '{Folder}' has no sequence #{id}.");
        return all[id];
    }

    /// <summary>The sequence named <paramref name="name"/>.</summary>
    public SampleSequence GetSequence(string name)
        => _sequences.FirstOrDefault(s => s.Name == name && !s.IsRemoved) ?? throw new AudioException(AudioError.UnknownSequence, $"The store in '{Folder}' has no sequence named '{name}'.");

    /// <summary>
    /// Removes a sequence that no other sequence uses (by a paste, now or in its undo history): what a failed
    /// import does to leave nothing half-made. Samples it staged but did not seal yet are dropped, never written.
    /// The block groups made for its unfinished append go with it, files and all, unless another sequence's base
    /// index names one of their blocks or a reader has opened one; its id is not given out again. Blocks it sealed
    /// in other groups stay there, unused (a sealed block is never written again).
    /// </summary>
    public async Task RemoveSequenceAsync(SampleSequence sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ThrowIfClosed();
        if (!ReferenceEquals(sequence.Store, this) || sequence.IsRemoved)
            throw new AudioException(AudioError.UnknownSequence, $"'{sequence.Name}' is not a sequence of the store in '{Folder}'.");
        var user = _sequences.FirstOrDefault(s => !ReferenceEquals(s, sequence) && !s.IsRemoved && s.Uses(sequence.Take));
        if (user is not null)
            throw new AudioException(AudioError.InvalidArgument, $"'{sequence.Name}' cannot be removed: '{user.Name}' uses its samples (undo that paste, or remove '{user.Name}', first).");
        var (made, held) = await sequence.DropAppendAsync();
        sequence.MarkRemoved();
        var discarded = Allocator.Discard(made.Length > 0 ? Unused(made) : []);
        if (held is not null && !discarded.Contains(held.Group.Number)) Allocator.Return(held);
    }

    /// <summary>The groups of <paramref name="numbers"/> that no base index of a sequence names a block of.</summary>
    private HashSet<int> Unused(int[] numbers)
    {
        var groups = new HashSet<int>(numbers);
        foreach (var other in _sequences)
        {
            if (other.IsRemoved) continue;
            var take = other.Take;
            long count = take.Count;
            for (long e = 0; e < count && groups.Count > 0; e++)
            {
                int entry = take[e];
                if (entry >= 0) groups.Remove(entry >> AudioLayout.GroupShift);
            }
        }
        return groups;
    }

    /// <summary>A walker to render and summarize sequences of this store on the caller's thread. Dispose it to unpin its groups.</summary>
    public SampleWalker CreateWalker()
    {
        ThrowIfClosed();
        return new SampleWalker(this);
    }

    /// <summary>
    /// Makes every sealed block durable and then writes the manifest (to a temporary file, renamed over the old one),
    /// so that a crash leaves either the old store or the new one; when the task completes, the new one is on the
    /// disk (folder included). Samples of a partial block are not in it.
    /// </summary>
    public Task SaveAsync()
    {
        ThrowIfClosed();
        return SaveCoreAsync();
    }

    private async Task SaveCoreAsync()
    {
        var bytes = Manifest.Write(this);
        // The manifest ends with its checksum: the same bytes as the last one saved mean nothing changed since, and the
        // save (a rewrite and fsyncs of megabytes for a long sequence) is skipped: a close right after a save costs nothing.
        ulong checksum = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes.Span[^8..]);
        long order;
        lock (_gate)
        {
            if (_saved is { } last && last.Checksum == checksum && last.Length == bytes.Length) return;
            order = ++_saveOrder;
        }
        var reply = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        (ulong, int)? outcome = null;
        try
        {
            await Track(_pendingSaves, reply, new BlockStoreProtocol.Save(bytes, reply));
            outcome = (checksum, bytes.Length);
        }
        finally
        {
            lock (_gate)
            {
                // Saves run in the order they were asked for: only the latest one asked describes the file on disk. One that
                // failed leaves it unknown (it may have failed after the rename), so the next save writes whatever it has.
                if (order > _savedOrder) (_savedOrder, _saved) = (order, outcome);
            }
        }
    }

    private long _saveOrder;
    private long _savedOrder;

    /// <summary>The checksum and length of the manifest last saved by this store (none until its first save).</summary>
    private (ulong Checksum, int Length)? _saved;

    /// <summary>Finishes every append, saves, and closes the store's files. Dispose the walkers first.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_closed) return;
        foreach (var s in _sequences)
        {
            if (!s.IsRemoved) await s.FinishAppendAsync();
        }
        await SaveCoreAsync();
        _closed = true;
        var reply = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await Track(_pendingSaves, reply, new BlockStoreProtocol.Close(reply));
        }
        finally
        {
            _claim.Release();
        }
    }

    /// <summary>A block group for a writer, on the writer's thread (see <see cref="BlockAllocator.Lease"/>).</summary>
    internal GroupLease Lease(SampleFormat format)
    {
        if (_terminated) throw new AudioException(AudioError.StoreClosed, $"The store in '{Folder}' is closed: its actor system terminated.");
        ThrowIfClosed();
        return Allocator.Lease(format);
    }

    internal void ReturnLease(GroupLease lease) => Allocator.Return(lease);

    /// <summary>
    /// Tells the store that <paramref name="sequences"/> appends of <paramref name="samples"/> samples each of
    /// <paramref name="format"/> are coming (an import), so that it makes their group files ahead of need
    /// (<see cref="BlockAllocator.Expect"/>); disposing the result ends that and deletes the files not used.
    /// </summary>
    internal ExpectedGroups ExpectAppends(SampleFormat format, long samples, int sequences)
    {
        long perGroup = (long)format.SamplesPerBlock() * AudioLayout.BlocksPerGroup;
        long groups = (samples + perGroup - 1) / perGroup * sequences;
        Allocator.Expect((int)Math.Min(groups, int.MaxValue));
        return new ExpectedGroups(Allocator);
    }

    /// <summary>The scope of <see cref="ExpectAppends"/>.</summary>
    internal readonly struct ExpectedGroups(BlockAllocator allocator) : IDisposable
    {
        public void Dispose() => allocator.EndExpect();
    }

    internal void ThrowIfClosed()
    {
        if (_closed) throw new AudioException(AudioError.StoreClosed, $"The store in '{Folder}' is closed.");
    }

    internal SampleSequence Restore(int id, string name, SampleFormat format, int sampleRate)
    {
        lock (_gate)
        {
            if (id != _sequences.Length) throw new AudioException(AudioError.CorruptManifest, $"The manifest of '{Folder}' lists sequence #{id} out of order.");
            var sequence = new SampleSequence(this, id, name, format, sampleRate);
            _sequences = [.. _sequences, sequence];
            return sequence;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"sample store '{Folder}' ({_sequences.Length} sequences, {Blocks.Count} block groups)";
}
