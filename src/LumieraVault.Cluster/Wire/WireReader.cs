using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;
using LumieraVault.Frames;

namespace LumieraVault.Cluster.Wire;

/// <summary>
/// Reads one message of a cluster protocol that <see cref="WireWriter"/> wrote, trusting nothing: a wrong schema version,
/// a field that runs past the end, a value out of its range, a string that is not UTF-8 or bytes left over throw a
/// <see cref="SerializationException"/> that names the protocol, the manifest and what is wrong. Akka.Remote logs such an
/// exception and drops the message; the node goes on.
/// </summary>
internal ref struct WireReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private readonly byte[] _bytes;
    private readonly string _protocol;
    private readonly string _manifest;
    private int _at;

    /// <summary>Checks the version byte; <paramref name="protocol"/> names the protocol in errors ("file-protocol", "render farm").</summary>
    public WireReader(byte[] bytes, string protocol, string manifest, byte version)
    {
        _bytes = bytes;
        _protocol = protocol;
        _manifest = manifest;
        _at = 0;
        if (bytes.Length < 1) throw Bad("it is empty");
        if (bytes[0] != version) throw Bad($"schema version {bytes[0]} (this node reads version {version})");
        _at = 1;
    }

    /// <summary>The exception for a message that does not decode, saying <paramref name="what"/> and where.</summary>
    public readonly SerializationException Bad(string what, Exception? inner = null)
        => new($"A {_protocol} message (manifest '{_manifest}', {_bytes.Length} bytes) does not decode: {what} at byte {_at}.", inner);

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || _bytes.Length - _at < count) throw Bad($"a field of {count} bytes runs past its end");
        var span = _bytes.AsSpan(_at, count);
        _at += count;
        return span;
    }

    public byte Byte() => Take(1)[0];

    public bool Flag() => Byte() switch
    {
        0 => false,
        1 => true,
        var b => throw Bad($"a flag holds {b}"),
    };

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    /// <summary>A count of bytes or items, never negative.</summary>
    public int Length()
    {
        int length = Int32();
        return length >= 0 ? length : throw Bad($"a negative length ({length})");
    }

    /// <summary>A string of at most <paramref name="maxBytes"/> UTF-8 bytes.</summary>
    public string String(int maxBytes = int.MaxValue)
    {
        int length = Length();
        if (length > maxBytes) throw Bad($"a string of {length} bytes (at most {maxBytes})");
        var bytes = Take(length);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw Bad("a string that is not UTF-8", e);
        }
    }

    /// <summary><paramref name="count"/> bytes, copied into an array of their own.</summary>
    public byte[] Copy(int count) => Take(count).ToArray();

    /// <summary>A counted block of bytes, without a copy: the bytes of an arriving message belong to that message alone.</summary>
    public ReadOnlyMemory<byte> Block()
    {
        int length = Length();
        int at = _at;
        Take(length);
        return new ReadOnlyMemory<byte>(_bytes, at, length);
    }

    public FramePriority Priority()
    {
        byte value = Byte();
        return Enum.IsDefined((FramePriority)value) ? (FramePriority)value : throw Bad($"a priority of {value}");
    }

    public VaultError Error()
    {
        int value = Int32();
        return Enum.IsDefined((VaultError)value) ? (VaultError)value : throw Bad($"an error code of {value}");
    }

    /// <summary>Throws if bytes are left over.</summary>
    public readonly void End()
    {
        if (_at != _bytes.Length) throw Bad($"{_bytes.Length - _at} bytes are left over");
    }
}
