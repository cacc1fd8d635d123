using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using LumieraVault.Audio.Blocks;
using LumieraVault.Audio.Editing;
using LumieraVault.Audio.Indexes;

namespace LumieraVault.Audio.Persistence;

/// <summary>
/// The store's own metadata in one small binary file: the block groups (format, sealed blocks, their fine
/// summaries), and every sequence's current version as its page table: the base index with the edits in it as
/// events that keep the entries they replaced (<see cref="PageTable"/>, the recorded form). The base index is the
/// table with the kept entries put back; the runs the walker plays are decoded from it on load. Written whole to a temporary file and renamed
/// over the old one, so a crash leaves the old manifest or the new one; a checksum (XXH64) at the end tells a
/// damaged file from a good one. Coarse summaries are not stored: they are rebuilt from the fine ones on load.
/// Undo history is not stored either: the session log records the edits.
/// </summary>
internal sealed class Manifest
{
    private static readonly byte[] Magic = "LVAUDIO\0"u8.ToArray();
    private const int Version = 2;

    public sealed record Group(int Number, SampleFormat Format, int Sealed, SampleSummary[] Fine);

    internal sealed record Sequence(int Id, string Name, SampleFormat Format, int SampleRate, bool Removed, PageTable Table);

    private Manifest(List<Group> groups, List<Sequence> sequences)
    {
        Groups = groups;
        _sequences = sequences;
    }

    private readonly List<Sequence> _sequences;

    /// <summary>The sequences as recorded, in id order.</summary>
    internal IReadOnlyList<Sequence> Sequences => _sequences;

    public List<Group> Groups { get; }

    /// <summary>The manifest of <paramref name="store"/> as it is now, checksum included.</summary>
    public static ReadOnlyMemory<byte> Write(SampleStore store)
    {
        // Sequences first: every block they name was sealed before it was published, so the groups read after
        // them hold it.
        var sequences = store.AllSequences.Select(s => (s, table: s.EncodePageTable())).ToList();
        var groups = store.Blocks.All.Select(g => (g, g.Sealed)).ToList();

        // Sized for what it will hold (summaries 16 bytes per 256 samples, page tables 4 bytes per block and their
        // events), so that the stream does not grow: growing copies megabytes into a new large object.
        long summaryBytes = groups.Sum(x => (long)x.Sealed * BlockGroup.FinePerBlock(x.g.Format) * SummaryBytes + 9);
        long tableBytes = sequences.Sum(x => 64L + 3 * x.s.Name.Length + 4L * x.table.Count + 64L * x.table.Events.Count);
        using var ms = new MemoryStream((int)Math.Min(Array.MaxLength, 64 + summaryBytes + tableBytes));
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write(groups.Count);
            var buffer = new byte[AudioLayout.MaxFinePerBlock * SummaryBytes];
            foreach (var (g, sealedBlocks) in groups)
            {
                w.Write(g.Number);
                w.Write((byte)g.Format);
                w.Write(sealedBlocks);
                WriteSummaries(w, g, sealedBlocks, buffer);
            }
            w.Write(sequences.Count);
            foreach (var (s, table) in sequences)
            {
                w.Write(s.Id);
                w.Write(s.Name);
                w.Write((byte)s.Format);
                w.Write(s.SampleRate);
                w.Write(s.IsRemoved);
                table.WriteTo(w);
            }
        }
        ulong hash = XxHash64.HashToUInt64(ms.GetBuffer().AsSpan(0, (int)ms.Length));
        Span<byte> tail = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(tail, hash);
        ms.Write(tail);
        return ms.GetBuffer().AsMemory(0, (int)ms.Length);
    }

    /// <summary>
    /// The fine summaries of a group's sealed blocks, a block's in one write, each as BinaryWriter would write it
    /// (little-endian min, max, sum of squares): most of a manifest's bytes.
    /// </summary>
    private static void WriteSummaries(BinaryWriter w, BlockGroup g, int sealedBlocks, byte[] buffer)
    {
        int fine = BlockGroup.FinePerBlock(g.Format);
        for (int b = 0; b < sealedBlocks; b++)
        {
            var summaries = g.Fine.AsSpan(b * AudioLayout.MaxFinePerBlock, fine);
            for (int k = 0; k < summaries.Length; k++)
            {
                var to = buffer.AsSpan(k * SummaryBytes, SummaryBytes);
                BinaryPrimitives.WriteSingleLittleEndian(to, summaries[k].Min);
                BinaryPrimitives.WriteSingleLittleEndian(to[4..], summaries[k].Max);
                BinaryPrimitives.WriteDoubleLittleEndian(to[8..], summaries[k].SumOfSquares);
            }
            w.Write(buffer, 0, fine * SummaryBytes);
        }
    }

    /// <summary>Bytes of one fine summary in the manifest: min and max (float), sum of squares (double).</summary>
    private const int SummaryBytes = 16;

    /// <summary>The manifest at <paramref name="path"/>, or null if there is none (a new store).</summary>
    public static async Task<Manifest?> ReadAsync(string path)
    {
        byte[] bytes;
        try
        {
            if (!File.Exists(path)) return null;
            bytes = await File.ReadAllBytesAsync(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AudioException(AudioError.IoError, $"Cannot read the manifest '{path}': {e.Message}", e);
        }
        if (bytes.Length < Magic.Length + 12 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw Corrupt(path, "it is not a sample store manifest");
        ulong stored = BitConverter.ToUInt64(bytes, bytes.Length - 8);
        if (XxHash64.HashToUInt64(bytes.AsSpan(0, bytes.Length - 8)) != stored) throw Corrupt(path, "its checksum does not match (damaged)");
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, Magic.Length, bytes.Length - Magic.Length - 8), Encoding.UTF8);
            int version = r.ReadInt32();
            if (version != Version) throw Corrupt(path, $"it has version {version}; this store reads version {Version}");
            int groupCount = r.ReadInt32();
            var groups = new List<Group>(groupCount);
            for (int i = 0; i < groupCount; i++)
            {
                int number = r.ReadInt32();
                var format = ReadFormat(r, path);
                int sealedBlocks = r.ReadInt32();
                if (number < 0 || sealedBlocks < 0 || sealedBlocks > AudioLayout.BlocksPerGroup) throw Corrupt(path, $"block group {number} is out of range");
                var fine = new SampleSummary[AudioLayout.BlocksPerGroup * AudioLayout.MaxFinePerBlock];
                int perBlock = BlockGroup.FinePerBlock(format);
                for (int b = 0; b < sealedBlocks; b++)
                {
                    for (int k = 0; k < perBlock; k++)
                        fine[b * AudioLayout.MaxFinePerBlock + k] = new SampleSummary(r.ReadSingle(), r.ReadSingle(), r.ReadDouble(), AudioLayout.FineSummarySamples);
                }
                groups.Add(new Group(number, format, sealedBlocks, fine));
            }
            int sequenceCount = r.ReadInt32();
            var sequences = new List<Sequence>(sequenceCount);
            for (int i = 0; i < sequenceCount; i++)
            {
                int id = r.ReadInt32();
                string name = r.ReadString();
                var format = ReadFormat(r, path);
                int sampleRate = r.ReadInt32();
                if (sampleRate <= 0) throw Corrupt(path, $"sequence '{name}' has sample rate {sampleRate}");
                bool removed = r.ReadBoolean();
                PageTable table;
                try { table = PageTable.ReadFrom(r, format.SamplesPerBlock()); }
                catch (InvalidDataException e) { throw Corrupt(path, $"sequence '{name}': {e.Message}", e); }
                sequences.Add(new Sequence(id, name, format, sampleRate, removed, table));
            }
            return new Manifest(groups, sequences);
        }
        catch (EndOfStreamException e)
        {
            throw Corrupt(path, "it ends early", e);
        }
    }

    /// <summary>Makes the sequences of the manifest in <paramref name="store"/>, checking every block and event against what exists.</summary>
    public void RestoreSequences(SampleStore store)
    {
        string path = Path.Combine(store.Folder, "store.manifest");
        var made = _sequences.Select(s => store.Restore(s.Id, s.Name, s.Format, s.SampleRate)).ToArray();
        for (int i = 0; i < _sequences.Count; i++)
        {
            var data = _sequences[i];
            var sequence = made[i];
            foreach (int entry in data.Table.KeptEntries())
            {
                if (entry != AudioLayout.SilentBlockEntry)
                {
                    try { store.Blocks.Locate(entry, data.Format); }
                    catch (AudioException e) { throw Corrupt(path, $"sequence '{data.Name}' names block {entry}: {e.Message}", e); }
                }
                sequence.Take.Append(entry);
            }
        }
        for (int i = 0; i < _sequences.Count; i++)
        {
            var data = _sequences[i];
            SequenceState state;
            try { state = PageTableDecoder.Decode(data.Table, made[i].Take, id => (uint)id < (uint)made.Length ? made[id].Take : null); }
            catch (InvalidDataException e) { throw Corrupt(path, $"sequence '{data.Name}': {e.Message}", e); }
            made[i].Restore(state);
            if (data.Removed) made[i].MarkRemoved();
        }
    }

    private static SampleFormat ReadFormat(BinaryReader r, string path)
    {
        byte b = r.ReadByte();
        return b <= (byte)SampleFormat.Int16 ? (SampleFormat)b : throw Corrupt(path, $"unknown sample format {b}");
    }

    private static AudioException Corrupt(string path, string why, Exception? inner = null)
        => new(AudioError.CorruptManifest, $"The sample store manifest '{path}' cannot be read: {why}.", inner);
}
