using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Akka.Actor;
using LumieraVault.Mapping;
using LumieraVault.Native;

namespace LumieraVault.Files;

/// <summary>
/// A file opened through the vault: the descriptor every frame request names. The same file (device,
/// inode and whether it is writable) opened twice, through any of its hard links, is the same descriptor.
/// It keeps the file's metadata; the OS handle is opened only when data is needed and may be closed
/// and reopened by the handle cache at any time.
/// </summary>
public sealed class VaultFile
{
    private long _size;
    private int _openCount;
    private volatile bool _closed;
    private volatile string? _changedReason;

    internal VaultFile(string path, FileOpenMode mode, FrameLayout layout, FileUse use, ReadStrategy strategy,
        FileStatus status, long windowSize, AddressSpace cache)
    {
        Path = path;
        Mode = mode;
        Layout = layout;
        Use = use;
        Strategy = strategy;
        Identity = status.Identity;
        ModifiedTicks = status.ModifiedTicks;
        _size = status.Size;
        Cache = cache;
        Bias = layout.HeaderBytes;
        Stride = layout.WindowStride(windowSize);
        OpenedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>The path the file was first opened by.</summary>
    public string Path { get; }

    /// <summary>How the file was opened.</summary>
    public FileOpenMode Mode { get; }

    /// <summary>Whether frames of this file may be readwrite.</summary>
    public bool IsWritable => Mode.IsWritable();

    /// <summary>Where the file's frames lie.</summary>
    public FrameLayout Layout { get; }

    /// <summary>What the editor intends to do with the file.</summary>
    public FileUse Use { get; }

    /// <summary>How frames of this file reach the caller.</summary>
    public ReadStrategy Strategy { get; }

    /// <summary>The device and inode of the file.</summary>
    public FileIdentity Identity { get; }

    /// <summary>When the file was opened through the vault.</summary>
    public DateTimeOffset OpenedAt { get; }

    /// <summary>The size of the file as last seen by the vault.</summary>
    public long Size => Volatile.Read(ref _size);

    /// <summary>The number of whole frames the layout finds in <see cref="Size"/>.</summary>
    public long FrameCount => Layout.FrameCount(Size);

    /// <summary>True once the last opener closed the file.</summary>
    public bool IsClosed => _closed;

    /// <summary>Set when the file shrank or was replaced under the vault: every request then fails with <see cref="VaultError.FileChanged"/>.</summary>
    public string? ChangedReason => _changedReason;

    internal long ModifiedTicks { get; set; }

    /// <summary>The file's modification time as last seen by the vault (metadata; not compared to detect changes).</summary>
    public DateTimeOffset LastModified => DateTimeOffset.UnixEpoch.AddTicks(ModifiedTicks);

    internal AddressSpace Cache { get; }

    internal IActorRef FileMap { get; set; } = ActorRefs.Nobody;

    /// <summary>Set when another node holds the file and serves its frames (a cluster node's vault opened it there).</summary>
    internal IRemoteFile? Remote { get; set; }

    /// <summary>True when another node of the cluster holds the file: its frames are copies, never zero-copy, and
    /// <see cref="Vault.TryGetFrame"/> never finds them.</summary>
    public bool IsRemote => Remote is not null;

    /// <summary>The prefetcher's tap when a watched timeline plays this file: requests record into it (hits included).</summary>
    internal volatile Prefetching.FileTap? Tap;

    /// <summary>Header bytes before the first window (Lumiera's "bias").</summary>
    internal long Bias { get; }

    /// <summary>Distance between the starts of grid windows.</summary>
    internal long Stride { get; }

    internal readonly ConcurrentDictionary<long, Window> GridWindows = new();

    internal readonly ConcurrentDictionary<long, Window> OwnWindows = new();

    /// <summary>Frame offsets that a readwrite reference holds now.</summary>
    internal readonly ConcurrentDictionary<long, byte> Writers = new();

    internal int OpenCount => Volatile.Read(ref _openCount);

    internal int AddOpener() => Interlocked.Increment(ref _openCount);

    internal int RemoveOpener() => Interlocked.Decrement(ref _openCount);

    internal void MarkClosed() => _closed = true;

    internal void MarkChanged(string reason) => _changedReason ??= reason;

    internal void SetSize(long size) => Volatile.Write(ref _size, size);

    /// <summary>Where a frame's window sits and which file range that window covers at most.</summary>
    internal (WindowSlot Slot, long Start, long End) Plan(long offset, int length)
    {
        long rel = offset - Bias;
        long k = rel >= 0 ? rel / Stride : -((-rel + Stride - 1) / Stride);
        long start = Bias + k * Stride;
        long end = start + Stride;
        if (offset + length <= end) return (new WindowSlot(k, false), Math.Max(0, start), end);
        return (new WindowSlot(offset, true), offset, offset + length);
    }

    /// <summary>The fast path: pins the mapped window that holds the frame, if there is one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryPinWindow(long offset, int length, out Window? window)
    {
        long rel = offset - Bias;
        if (_closed)
        {
            window = null;
            return false;
        }
        if (rel >= 0)
        {
            long k = rel / Stride;
            var dict = offset + length <= Bias + (k + 1) * Stride ? GridWindows : OwnWindows;
            if (dict.TryGetValue(dict == GridWindows ? k : offset, out window) && window.Covers(offset, length) && window.TryPin())
                return true;
            window = null;
            return false;
        }
        return TryPinSlow(offset, length, out window);
    }

    private bool TryPinSlow(long offset, int length, out Window? window)
    {
        var (slot, _, _) = Plan(offset, length);
        var dict = slot.Dedicated ? OwnWindows : GridWindows;
        if (dict.TryGetValue(slot.Index, out window) && window.Covers(offset, length) && window.TryPin()) return true;
        window = null;
        return false;
    }

    internal IEnumerable<Window> AllWindows() => GridWindows.Values.Concat(OwnWindows.Values);

    /// <summary>Removes a retired window from the lookup, unless a newer window already took its slot.</summary>
    internal void Forget(Window window)
    {
        var dict = window.Slot.Dedicated ? OwnWindows : GridWindows;
        dict.TryRemove(new KeyValuePair<long, Window>(window.Slot.Index, window));
    }

    /// <inheritdoc />
    public override string ToString() => $"{Path} ({Mode}, {Size} bytes, {Identity})";
}
