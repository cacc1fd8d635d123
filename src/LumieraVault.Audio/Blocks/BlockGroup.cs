using LumieraVault.Files;

namespace LumieraVault.Audio.Blocks;

/// <summary>
/// One block-group file: 512 blocks of one sample format, 1 MiB, mapped as one window. Blocks are sealed in slot
/// order by the one writer that holds the group's lease; a sealed block is never written again. The fine
/// summaries of a block are set before the block is sealed, and the block number reaches an index only after that.
/// </summary>
internal sealed class BlockGroup
{
    private readonly Vault _vault;
    private readonly object _openGate = new();
    private Task<VaultFile>? _readFile;
    private int _sealed;

    /// <param name="number">The group's number (its file name).</param>
    /// <param name="format">The format of its blocks.</param>
    /// <param name="path">The group file.</param>
    /// <param name="vault">The vault that maps the file for readers.</param>
    /// <param name="readFile">The readonly descriptor if it is open already; else it is opened when a reader first needs it.</param>
    /// <param name="sealedBlocks">Blocks sealed so far.</param>
    public BlockGroup(int number, SampleFormat format, string path, Vault vault, VaultFile? readFile, int sealedBlocks)
    {
        Number = number;
        Format = format;
        Path = path;
        _vault = vault;
        _readFile = readFile is null ? null : Task.FromResult(readFile);
        _sealed = sealedBlocks;
    }

    public int Number { get; }

    public SampleFormat Format { get; }

    public string Path { get; }

    /// <summary>
    /// The readonly descriptor that playback maps, opened through the vault the first time a reader asks: a group
    /// that is only written (an import) costs the vault nothing. A failed open is tried again on the next call.
    /// </summary>
    public Task<VaultFile> ReadFileAsync()
    {
        var file = Volatile.Read(ref _readFile);
        if (file is not null && !file.IsFaulted && !file.IsCanceled) return file;
        lock (_openGate)
        {
            file = _readFile;
            if (file is null || file.IsFaulted || file.IsCanceled)
            {
                file = _vault.OpenAsync(Path, FileOpenMode.Read, FrameLayout.Fixed(AudioLayout.BlockBytes), FileUse.AudioBlocks);
                Volatile.Write(ref _readFile, file);
            }
            return file;
        }
    }

    /// <summary>The readonly descriptor if it is open already (no wait, no allocation).</summary>
    public bool TryGetReadFile([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out VaultFile? file)
    {
        var task = Volatile.Read(ref _readFile);
        if (task is { IsCompletedSuccessfully: true })
        {
            file = task.Result;
            return true;
        }
        file = null;
        return false;
    }

    /// <summary>The readonly descriptor if one was opened (or is being opened), for closing it.</summary>
    public Task<VaultFile>? OpenedReadFile => Volatile.Read(ref _readFile);

    /// <summary>Fine summaries, <see cref="AudioLayout.MaxFinePerBlock"/> slots per block.</summary>
    public SampleSummary[] Fine { get; } = new SampleSummary[AudioLayout.BlocksPerGroup * AudioLayout.MaxFinePerBlock];

    /// <summary>Blocks sealed so far, in slot order.</summary>
    public int Sealed => Volatile.Read(ref _sealed);

    public int FirstBlock => Number << AudioLayout.GroupShift;

    public void MarkSealed(int slot) => Volatile.Write(ref _sealed, slot + 1);

    public static int FinePerBlock(SampleFormat format) => format.SamplesPerBlock() / AudioLayout.FineSummarySamples;

    public SampleSummary BlockSummary(int slot)
    {
        int n = FinePerBlock(Format);
        var s = Fine[slot * AudioLayout.MaxFinePerBlock];
        for (int k = 1; k < n; k++) s = s.Combine(Fine[slot * AudioLayout.MaxFinePerBlock + k]);
        return s;
    }
}

/// <summary>
/// The block groups of a store by number. Grows copy-on-write, so readers on any thread index it without a lock;
/// only the <see cref="BlockAllocator"/> adds groups (under its lock).
/// </summary>
internal sealed class BlockTable
{
    private volatile BlockGroup?[] _groups = new BlockGroup?[16];
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public BlockGroup? this[int number]
    {
        get
        {
            var groups = _groups;
            return (uint)number < (uint)groups.Length ? groups[number] : null;
        }
    }

    public IEnumerable<BlockGroup> All
    {
        get
        {
            var groups = _groups;
            for (int i = 0; i < Count && i < groups.Length; i++)
            {
                if (groups[i] is { } g) yield return g;
            }
        }
    }

    public void Add(BlockGroup group)
    {
        var groups = _groups;
        if (group.Number >= groups.Length)
        {
            var grown = new BlockGroup?[Math.Max(groups.Length * 2, group.Number + 1)];
            groups.CopyTo(grown, 0);
            grown[group.Number] = group;
            _groups = grown;
        }
        else
        {
            Volatile.Write(ref groups[group.Number], group);
        }
        if (group.Number >= _count) Volatile.Write(ref _count, group.Number + 1);
    }

    /// <summary>Forgets a group (its file is gone); its number is not given out again in this run.</summary>
    public void Remove(int number)
    {
        var groups = _groups;
        if ((uint)number < (uint)groups.Length) Volatile.Write(ref groups[number], null);
    }

    /// <summary>The group and slot of a sealed block, or an <see cref="AudioError.UnknownBlock"/> error.</summary>
    public BlockGroup Locate(int block, SampleFormat format)
    {
        var group = block >= 0 ? this[block >> AudioLayout.GroupShift] : null;
        if (group is null || (block & (AudioLayout.BlocksPerGroup - 1)) >= group.Sealed)
            throw new AudioException(AudioError.UnknownBlock, $"Block {block} is not a sealed block of this store.");
        if (group.Format != format)
            throw new AudioException(AudioError.FormatMismatch, $"Block {block} holds {group.Format} samples, not {format}.");
        return group;
    }

    public SampleSummary FineSummary(int block, int fine)
    {
        var group = this[block >> AudioLayout.GroupShift]!;
        return group.Fine[(block & (AudioLayout.BlocksPerGroup - 1)) * AudioLayout.MaxFinePerBlock + fine];
    }
}
