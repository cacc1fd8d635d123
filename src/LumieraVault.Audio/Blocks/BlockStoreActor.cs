using Akka.Actor;
using Akka.Event;
using LumieraVault.Audio.Persistence;
using LumieraVault.Native;
using static LumieraVault.Audio.Blocks.BlockStoreProtocol;

namespace LumieraVault.Audio.Blocks;

/// <summary>
/// Saves and closes the store, one request at a time, so that two saves never interleave: makes the written
/// blocks and the new manifest durable (<see cref="BlockAllocator.SyncAll"/>), then renames the manifest into
/// place and syncs the folder. Writers do not come
/// here: they take groups from the <see cref="BlockAllocator"/> and write blocks on their own threads.
/// </summary>
internal sealed class BlockStoreActor : ReceiveActor
{
    private readonly Vault _vault;
    private readonly string _folder;
    private readonly BlockTable _blocks;
    private readonly BlockAllocator _allocator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _folderNameDurable;

    /// <param name="vault">The vault that maps the groups for readers.</param>
    /// <param name="folder">The store's folder.</param>
    /// <param name="blocks">The store's groups.</param>
    /// <param name="allocator">The store's writers' groups and descriptors.</param>
    /// <param name="folderNameDurable">False when the store's folder was just made: the first save syncs its parent too.</param>
    public BlockStoreActor(Vault vault, string folder, BlockTable blocks, BlockAllocator allocator, bool folderNameDurable)
    {
        _folderNameDurable = folderNameDurable;
        _vault = vault;
        _folder = folder;
        _blocks = blocks;
        _allocator = allocator;
        ReceiveAsync<Save>(OnSave);
        ReceiveAsync<Close>(OnClose);
    }

    public static Props Props(Vault vault, string folder, BlockTable blocks, BlockAllocator allocator, bool folderNameDurable)
        => Akka.Actor.Props.Create(() => new BlockStoreActor(vault, folder, blocks, allocator, folderNameDurable));

    public static string GroupPath(string folder, int number) => BlockAllocator.GroupPath(folder, number);

    public static string ManifestPath(string folder) => Path.Combine(folder, "store.manifest");

    private async Task OnSave(Save m)
    {
        try
        {
            string path = ManifestPath(_folder);
            string temp = path + ".tmp";
            // Blocking calls: off the actor's dispatcher thread. The new manifest goes to a temporary file first and
            // is synced with the group files and the block folder in one batch: it counts only once renamed, and the
            // rename comes after everything it names is durable.
            await Task.Run(() =>
            {
                using var manifest = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None);
                RandomAccess.Write(manifest, m.Manifest.Span, 0);
                _allocator.SyncAll(also: manifest);
                File.Move(temp, path, overwrite: true);
                // The rename (and, after a store's first save, the names of its folder and block folder) made durable.
                FileSync.SyncFolder(_folder, strict: true);
                if (!_folderNameDurable)
                {
                    FileSync.SyncFolder(Path.GetDirectoryName(_folder) ?? _folder, strict: true);
                    _folderNameDurable = true;
                }
            });
            m.Reply.TrySetResult(true);
        }
        catch (Exception e)
        {
            _log.Warning("LumieraVault.Audio: saving the store in '{0}' failed: {1}", _folder, e.Message);
            m.Reply.TrySetException(e as AudioException ?? new AudioException(AudioError.IoError, $"Could not save the store in '{_folder}': {e.Message}", e));
        }
    }

    private async Task OnClose(Close m)
    {
        _allocator.Dispose();
        foreach (var g in _blocks.All)
        {
            if (g.OpenedReadFile is not { } opening) continue;
            try { await _vault.CloseAsync(await opening); }
            catch (Exception e) when (e is VaultException or AudioException) { }
        }
        m.Reply.TrySetResult(true);
        Context.Stop(Self);
    }
}
