namespace LumieraVault.Audio;

/// <summary>
/// The fixed geometry of the store, from the page-tabled layout: 2 KiB blocks, 512 blocks to a 1 MiB block group
/// (one block-group file, one mapped window), base indexes grown in index groups of 256k 32-bit entries, and the
/// two summary levels below the block.
/// </summary>
/// <remarks>
/// Sample addresses. The proposal splits a "39-bit" sample address into a 31-bit index offset and a 9-bit sample,
/// and the index offset into a 21-bit block run and a 9-bit block. Those numbers do not add up: 31 + 9 is 40 bits,
/// and 21 + 9 is 30. What is right: a non-negative 32-bit entry names one of 2^31 blocks (22 bits of block group,
/// 9 bits of block within the group), so with 512 float samples per block an index addresses 2^40 samples
/// (6,362 hours at 48 kHz; 1024 int16 samples per block need a 10-bit sample part, 2^41). The proposal's
/// 3,181.46 hours is 2^39 samples, i.e. a 30-bit index offset. Its "512 / 48k = ~10ns" is ~10.7 ms.
/// Its other figures hold: a block group is 512 x 512 x 4 bytes = 1 MiB = 5.461 s at 48 kHz (10.92 s of int16);
/// an index group of 262,144 entries addresses 128 Mi samples (46.6 min at 48 kHz) in 512 block groups.
/// This store keeps sample positions as 64-bit integers, so no position arithmetic wraps; the limits are 2^31
/// blocks per store (4 TiB of samples) and 2^31 entries per base index.
/// </remarks>
public static class AudioLayout
{
    /// <summary>Bytes in a data block.</summary>
    public const int BlockBytes = 2048;

    /// <summary>Blocks in a block group (one file, one mapped window).</summary>
    public const int BlocksPerGroup = 512;

    /// <summary>log2 of <see cref="BlocksPerGroup"/>.</summary>
    public const int GroupShift = 9;

    /// <summary>Bytes in a block group: 1 MiB.</summary>
    public const int GroupBytes = BlockBytes * BlocksPerGroup;

    /// <summary>Entries in an index group: 256k 32-bit entries, 1 MiB.</summary>
    public const int IndexGroupEntries = 1 << IndexGroupShift;

    /// <summary>log2 of <see cref="IndexGroupEntries"/>.</summary>
    public const int IndexGroupShift = 18;

    /// <summary>Samples per fine summary.</summary>
    public const int FineSummarySamples = 256;

    /// <summary>Samples per coarse summary.</summary>
    public const int CoarseSummarySamples = 65_536;

    /// <summary>The most fine summaries in a block (1024 int16 samples / 256).</summary>
    internal const int MaxFinePerBlock = 4;

    /// <summary>The base-index entry of a block of digital silence: an event, so no block is stored for it.</summary>
    public const int SilentBlockEntry = -1;
}
