using System.Buffers.Binary;
using System.Text;

namespace LumieraVault.Cluster.Wire;

/// <summary>
/// Writes one message of a cluster protocol into an array of the exact size the serializer computed: the schema version
/// byte first, then little-endian fields; a string is its UTF-8 byte count (int32) and the bytes.
/// </summary>
internal ref struct WireWriter
{
    private readonly byte[] _bytes;
    private int _at;

    /// <summary>An array of <paramref name="size"/> bytes (the version byte included) that starts with <paramref name="version"/>.</summary>
    public WireWriter(int size, byte version)
    {
        _bytes = new byte[size];
        _bytes[0] = version;
        _at = 1;
    }

    /// <summary>The bytes a string takes on the wire.</summary>
    public static int SizeOf(string value) => 4 + Encoding.UTF8.GetByteCount(value);

    public void Byte(byte value) => _bytes[_at++] = value;

    public void Flag(bool value) => Byte(value ? (byte)1 : (byte)0);

    public void Int32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_bytes.AsSpan(_at), value);
        _at += 4;
    }

    public void Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_bytes.AsSpan(_at), value);
        _at += 8;
    }

    public void String(string value)
    {
        int length = Encoding.UTF8.GetBytes(value, _bytes.AsSpan(_at + 4));
        Int32(length);
        _at += length;
    }

    /// <summary>Bytes as they are, without a count (write the count first where the reader needs it).</summary>
    public void Bytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_bytes.AsSpan(_at));
        _at += value.Length;
    }

    /// <summary>The message; throws if the size computed does not match what was written.</summary>
    public readonly byte[] Done()
        => _at == _bytes.Length ? _bytes : throw new InvalidOperationException($"A cluster message's size was miscounted: {_bytes.Length} bytes computed, {_at} written.");
}
