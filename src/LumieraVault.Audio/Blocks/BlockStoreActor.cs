using Akka.Actor;
using Akka.Event;
using static LumieraVault.Audio.Blocks.BlockStoreProtocol;

namespace LumieraVault.Audio.Blocks;

/// <summary>
/// Saves and closes the store, one request at a time, so that two saves never interleave: makes the written
/// blocks durable (<see cref="BlockAllocator.SyncAll"/>) and then replaces the manifest. Writers do not come
/// here: they take groups from the <see cref="BlockAllocator"/> and write blocks on their own threads.
/// </summary>
internal sealed class BlockStoreActor : ReceiveActor
{
    private readonly Vault _vault;
    private readonly string _folder;
    private readonly BlockTable _blocks;
    private readonly BlockAllocator _allocator;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public BlockStoreActor(Vault vault, string folder, BlockTable blocks, BlockAllocator allocator)
    {
        _vault = vault;
        _folder = folder;
        _blocks = blocks;
        _allocator = allocator;
        ReceiveAsync<Save>(OnSave);
        ReceiveAsync<Close>(OnClose);
    }

    public static Props Props(Vault vault, string folder, BlockTable blocks, BlockAllocator allocator)
        => Akka.Actor.Props.Create(() => new BlockStoreActor(vault, folder, blocks, allocator));

    public static string GroupPath(string folder, int number) => BlockAllocator.GroupPath(folder, number);

    public static string ManifestPath(string folder) => Path.Combine(folder, "store.manifest");

    private async Task OnSave(Save m)
    {
        try
        {
            // The fsyncs block: off the actor's dispatcher thread.
            await Task.Run(_allocator.SyncAll);
            string path = ManifestPath(_folder);
            string temp = path + ".tmp";
            await using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.None))
            {
                await fs.WriteAsync(m.Manifest);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
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
