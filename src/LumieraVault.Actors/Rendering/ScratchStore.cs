using LumieraVault.Files;
using LumieraVault.Frames;

namespace LumieraVault.Rendering;

/// <summary>
/// The store used when no render cache folder is configured: one scratch file in the temp folder, written through
/// readwrite frames of the vault and read back as readonly ones, indexed in memory only. Nothing survives the
/// process and nothing is evicted (the file grows with every frame rendered; abandoned places are never reused),
/// so it suits tests, benchmarks and short sessions; a host that renders for long configures the render cache.
/// </summary>
internal sealed class ScratchStore : IRenderStore
{
    private const int Alignment = 64;

    private readonly Vault _vault;
    private readonly VaultFile _file;
    private readonly string _folder;
    // A plain dictionary under a lock: a concurrent one allocates a node per frame and locks per bucket stripe anyway;
    // the lock is held for one lookup or one put.
    private readonly Dictionary<FrameKey, (long Offset, int Length)> _index = new();
    private readonly Lock _indexLock = new();
    private readonly SemaphoreSlim _growing = new(1, 1);
    private long _end;
    private long _prepared;

    private ScratchStore(Vault vault, VaultFile file, string folder)
    {
        _vault = vault;
        _file = file;
        _folder = folder;
    }

    public static async Task<ScratchStore> OpenAsync(Vault vault, string root)
    {
        string folder = Path.Combine(root, "lumiera-render-scratch-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var file = await vault.OpenAsync(Path.Combine(folder, "frames.bin"), FileOpenMode.Create).ConfigureAwait(false);
        return new ScratchStore(vault, file, folder);
    }

    public ValueTask<Frame?> TryGetAsync(FrameKey key, FrameHints hints)
    {
        (long Offset, int Length) place;
        lock (_indexLock)
        {
            if (!_index.TryGetValue(key, out place)) return new ValueTask<Frame?>((Frame?)null);
        }
        var frame = _vault.GetFrameAtAsync(_file, place.Offset, place.Length, hints);
        return frame.IsCompletedSuccessfully ? new ValueTask<Frame?>(frame.Result) : Await(frame);

        static async ValueTask<Frame?> Await(ValueTask<Frame> frame) => await frame.ConfigureAwait(false);
    }

    public async ValueTask<StoreSlot> ReserveAsync(FrameKey key, int length, FrameHints hints)
    {
        long size = (length + Alignment - 1) / Alignment * Alignment;
        long offset = Interlocked.Add(ref _end, size) - size;
        if (offset + length > Volatile.Read(ref _prepared)) await PrepareAsync(offset + length).ConfigureAwait(false);
        var frame = await _vault.GetFrameAtAsync(_file, offset, length, hints, FrameAccess.ReadWrite).ConfigureAwait(false);
        // No token: the frame knows its offset, and a boxed offset would cost every job an allocation.
        return new StoreSlot(key, frame, null);
    }

    /// <summary>
    /// Reserves the file a window at a time, ahead of the frames: a writable frame past the end the vault reserved on disk
    /// is a miss (a message to the file's actor and a posix_fallocate), which would cost every small frame a round trip.
    /// </summary>
    private async Task PrepareAsync(long end)
    {
        await _growing.WaitAsync().ConfigureAwait(false);
        try
        {
            long window = _vault.Settings.WindowSize;
            while (_prepared < end)
            {
                (await _vault.GetFrameAtAsync(_file, _prepared, (int)window, default, FrameAccess.ReadWrite).ConfigureAwait(false)).Dispose();
                Volatile.Write(ref _prepared, _prepared + window);
            }
        }
        finally
        {
            _growing.Release();
        }
    }

    public bool CommitsAtOnce => true;

    /// <summary>Nothing in the scratch file is ever written twice, so the bytes stay valid whatever becomes of the commit.</summary>
    public ValueTask<Frame> ShareAsync(StoreSlot slot) => _vault.GetFrameAtAsync(_file, slot.Frame.Offset, slot.Frame.Length);

    public ValueTask<Frame> CommitAsync(StoreSlot slot)
    {
        long offset = slot.Frame.Offset;
        int length = slot.Frame.Length;
        slot.Frame.Dispose();
        lock (_indexLock) _index[slot.Key] = (offset, length);
        return _vault.GetFrameAtAsync(_file, offset, length);
    }

    public void Abandon(StoreSlot slot) => slot.Frame.Dispose();

    /// <summary>The scratch file's folder (deleted when the store is disposed).</summary>
    internal string Folder => _folder;

    /// <summary>Closes the scratch file and deletes its folder (frames still handed out keep their mapped bytes).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _vault.CloseAsync(_file).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is VaultException or TimeoutException)
        {
            // Stopped or stuck: the folder goes all the same.
        }
        finally
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }
}
