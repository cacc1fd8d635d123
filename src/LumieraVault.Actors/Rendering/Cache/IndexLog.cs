using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LumieraVault.Rendering.Cache;

/// <summary>What an index record says.</summary>
internal enum IndexRecordKind : byte
{
    /// <summary>The frame of the key lies in a segment at an offset, with a length and a checksum (it replaces any earlier one).</summary>
    Put = 1,
    /// <summary>The frame of the key at the segment and offset given is gone (found damaged); a newer frame of the key stays.</summary>
    Remove = 2,
    /// <summary>A segment file was evicted: every frame in it is gone.</summary>
    DropSegment = 3,
}

/// <summary>One record of the index log.</summary>
internal readonly record struct IndexRecord(IndexRecordKind Kind, uint Segment, FrameKey Key, long Offset, int Length, ulong Checksum);

/// <summary>
/// The render cache's index on disk: an append-only log of fixed-size records after a header. Every record carries
/// its own checksum, so a torn or garbage tail (a crash half-way through an append) is recognised and ignored when the
/// log is read. The log is rewritten with the live entries only (to a temporary file, synced, renamed over the old
/// one, folder synced) when the cache opens and whenever it has grown far past its live entries.
/// <code>
/// header (16 bytes): "LVRCIDX1" | version u32 LE (1) | record size u32 LE (64)
/// record (64 bytes): kind u8 | 3 zero | segment u32 LE | key 16 bytes (FrameKey.WriteTo) | offset i64 LE
///                    | length i32 LE | frame checksum u64 LE (XXH3-64 of the frame's bytes) | 12 zero
///                    | record checksum u64 LE (XXH3-64 of the 56 bytes before it)
/// </code>
/// Not thread-safe: the render cache serializes every use.
/// </summary>
internal sealed partial class IndexLog : IDisposable
{
    public const int RecordSize = 64;
    public const int HeaderSize = 16;
    private const uint Version = 1;
    private static ReadOnlySpan<byte> Magic => "LVRCIDX1"u8;

    private readonly string _path;
    private SafeFileHandle _handle;
    private long _end;

    private IndexLog(string path, SafeFileHandle handle, long end)
    {
        _path = path;
        _handle = handle;
        _end = end;
    }

    /// <summary>Records in the log now (live or not).</summary>
    public long Records => (_end - HeaderSize) / RecordSize;

    /// <summary>
    /// Reads the log at <paramref name="path"/>: every record up to the first one that is torn or does not match its
    /// checksum. <paramref name="ignoredBytes"/> counts what was ignored after it (and a whole file with a wrong header).
    /// </summary>
    public static List<IndexRecord> Read(string path, out long ignoredBytes)
    {
        var records = new List<IndexRecord>();
        ignoredBytes = 0;
        if (!File.Exists(path)) return records;
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < HeaderSize || !bytes.AsSpan(0, 8).SequenceEqual(Magic)
            || BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)) != Version
            || BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12)) != RecordSize)
        {
            ignoredBytes = bytes.Length;
            return records;
        }
        int at = HeaderSize;
        for (; at + RecordSize <= bytes.Length; at += RecordSize)
        {
            if (!TryDecode(bytes.AsSpan(at, RecordSize), out var record)) break;
            records.Add(record);
        }
        ignoredBytes = bytes.Length - at;
        return records;
    }

    /// <summary>Writes a new log holding <paramref name="records"/> only, durably, in place of the old one; then appends to it.</summary>
    public static IndexLog Rewrite(string path, IReadOnlyCollection<IndexRecord> records)
    {
        var temp = path + ".tmp";
        var bytes = new byte[HeaderSize + (long)records.Count * RecordSize];
        WriteHeader(bytes);
        int at = HeaderSize;
        foreach (var r in records)
        {
            Encode(r, bytes.AsSpan(at, RecordSize));
            at += RecordSize;
        }
        using (var handle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.Write(handle, bytes, 0);
            RandomAccess.FlushToDisk(handle);
        }
        File.Move(temp, path, overwrite: true);
        Native.FileSync.SyncFolder(Path.GetDirectoryName(path)!, strict: false);
        var appender = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        return new IndexLog(path, appender, bytes.Length);
    }

    /// <summary>Rewrites this log with <paramref name="records"/> only and goes on appending to the new one.</summary>
    public void Compact(IReadOnlyCollection<IndexRecord> records)
    {
        var fresh = Rewrite(_path, records);
        _handle.Dispose();
        _handle = fresh._handle;
        _end = fresh._end;
    }

    /// <summary>Appends records; with <paramref name="durable"/> they are on disk when this returns.</summary>
    public void Append(ReadOnlySpan<IndexRecord> records, bool durable)
    {
        Span<byte> buffer = records.Length <= 16 ? stackalloc byte[records.Length * RecordSize] : new byte[records.Length * RecordSize];
        for (int i = 0; i < records.Length; i++) Encode(records[i], buffer.Slice(i * RecordSize, RecordSize));
        RandomAccess.Write(_handle, buffer, _end);
        _end += buffer.Length;
        if (durable) RandomAccess.FlushToDisk(_handle);
    }

    public void Dispose() => _handle.Dispose();

    private static void WriteHeader(Span<byte> header)
    {
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], RecordSize);
    }

    internal static void Encode(in IndexRecord r, Span<byte> dest)
    {
        dest.Clear();
        dest[0] = (byte)r.Kind;
        BinaryPrimitives.WriteUInt32LittleEndian(dest[4..], r.Segment);
        r.Key.WriteTo(dest[8..]);
        BinaryPrimitives.WriteInt64LittleEndian(dest[24..], r.Offset);
        BinaryPrimitives.WriteInt32LittleEndian(dest[32..], r.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(dest[36..], r.Checksum);
        BinaryPrimitives.WriteUInt64LittleEndian(dest[56..], XxHash3.HashToUInt64(dest[..56]));
    }

    private static bool TryDecode(ReadOnlySpan<byte> src, out IndexRecord record)
    {
        record = default;
        if (BinaryPrimitives.ReadUInt64LittleEndian(src[56..]) != XxHash3.HashToUInt64(src[..56])) return false;
        var kind = (IndexRecordKind)src[0];
        if (kind is not (IndexRecordKind.Put or IndexRecordKind.Remove or IndexRecordKind.DropSegment)) return false;
        record = new IndexRecord(kind, BinaryPrimitives.ReadUInt32LittleEndian(src[4..]), FrameKey.ReadFrom(src[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(src[24..]), BinaryPrimitives.ReadInt32LittleEndian(src[32..]),
            BinaryPrimitives.ReadUInt64LittleEndian(src[36..]));
        return true;
    }
}
