using Akka.Actor;
using Akka.Event;
using LumieraVault.Files;
using LumieraVault.Frames;
using static LumieraVault.Audio.Blocks.BlockStoreProtocol;

namespace LumieraVault.Audio.Blocks;

/// <summary>
/// Owns block allocation and the block-group files of one store: makes new groups (a readwrite descriptor to fill
/// the group, a readonly one for playback), lends groups to writers one at a time, keeps the partly filled groups
/// writers gave back, and writes the manifest after making the blocks it names durable. Handles one message at a
/// time, so two writers never get the same slot and a save never races an allocation.
/// </summary>
internal sealed class BlockStoreActor : ReceiveActor
{
    private readonly Vault _vault;
    private readonly string _folder;
    private readonly BlockTable _blocks;
    private readonly Dictionary<int, VaultFile> _writable = new();
    private readonly Dictionary<SampleFormat, Queue<BlockGroup>> _spare = new();
    private readonly HashSet<int> _lent = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public BlockStoreActor(Vault vault, string folder, BlockTable blocks)
    {
        _vault = vault;
        _folder = folder;
        _blocks = blocks;
        foreach (var g in blocks.All)
        {
            if (g.Sealed < AudioLayout.BlocksPerGroup) Spare(g.Format).Enqueue(g);
        }
        ReceiveAsync<LeaseGroup>(OnLease);
        Receive<ReturnLease>(OnReturn);
        ReceiveAsync<Save>(OnSave);
        ReceiveAsync<Close>(OnClose);
    }

    public static Props Props(Vault vault, string folder, BlockTable blocks) => Akka.Actor.Props.Create(() => new BlockStoreActor(vault, folder, blocks));

    public static string GroupPath(string folder, int number) => Path.Combine(folder, "blocks", $"g{number:D7}.blocks");

    public static string ManifestPath(string folder) => Path.Combine(folder, "store.manifest");

    private Queue<BlockGroup> Spare(SampleFormat format)
    {
        if (!_spare.TryGetValue(format, out var queue)) _spare[format] = queue = new Queue<BlockGroup>();
        return queue;
    }

    private async Task OnLease(LeaseGroup m)
    {
        try
        {
            var spare = Spare(m.Format);
            BlockGroup group;
            VaultFile file;
            if (spare.Count > 0)
            {
                group = spare.Dequeue();
                file = await WritableAsync(group.Path, group.Number);
            }
            else
            {
                int number = _blocks.Count;
                string path = GroupPath(_folder, number);
                file = await WritableAsync(path, number);
                // Reserving the whole group first makes the file 1 MiB, so its readonly twin maps it whole.
                using (await _vault.GetFrameAtAsync(file, 0, AudioLayout.GroupBytes, default, FrameAccess.ReadWrite)) { }
                var read = await _vault.OpenAsync(path, FileOpenMode.Read, FrameLayout.Fixed(AudioLayout.BlockBytes), FileUse.AudioBlocks);
                group = new BlockGroup(number, m.Format, path, read, 0);
                _blocks.Add(group);
            }
            var frame = await _vault.GetFrameAtAsync(file, 0, AudioLayout.GroupBytes, default, FrameAccess.ReadWrite);
            _lent.Add(group.Number);
            m.Reply.TrySetResult(new GroupLease(group, file, frame));
        }
        catch (Exception e)
        {
            m.Reply.TrySetException(e as AudioException ?? new AudioException(AudioError.IoError, $"Could not make room for {m.Format} blocks in '{_folder}': {e.Message}", e));
        }
    }

    private async Task<VaultFile> WritableAsync(string path, int number)
    {
        if (_writable.TryGetValue(number, out var file)) return file;
        file = await _vault.OpenAsync(path, FileOpenMode.Create, FrameLayout.Fixed(AudioLayout.BlockBytes), FileUse.AudioBlocks);
        _writable[number] = file;
        return file;
    }

    private void OnReturn(ReturnLease m)
    {
        var lease = m.Lease;
        lease.Frame.Dispose();
        _lent.Remove(lease.Group.Number);
        if (!lease.IsFull) Spare(lease.Group.Format).Enqueue(lease.Group);
        // A full group stays writable until the next save has flushed it; then only its readonly twin remains.
    }

    private async Task OnSave(Save m)
    {
        try
        {
            foreach (var (number, file) in _writable.ToList())
            {
                await _vault.FlushAsync(file);
                var group = _blocks[number];
                if (group is not null && group.Sealed >= AudioLayout.BlocksPerGroup && !_lent.Contains(number))
                {
                    await _vault.CloseAsync(file);
                    _writable.Remove(number);
                }
            }
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
        foreach (var g in _blocks.All)
        {
            try { await _vault.CloseAsync(g.ReadFile); }
            catch (VaultException) { }
        }
        foreach (var file in _writable.Values)
        {
            try { await _vault.CloseAsync(file); }
            catch (VaultException) { }
        }
        _writable.Clear();
        m.Reply.TrySetResult(true);
        Context.Stop(Self);
    }
}
