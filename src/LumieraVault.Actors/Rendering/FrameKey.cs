using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace LumieraVault.Rendering;

/// <summary>
/// The stable 128-bit name of a frame that exists in no file: a hash (XXH128, seed 0) of what produces it,
/// the render node's identity, its parameters and the frame's time. The bytes hashed are defined here and
/// nowhere else (UTF-8 strings with their length, integers little-endian, doubles by their IEEE bits), so
/// the same inputs give the same key in every process, on every machine and in every version of the runtime.
/// </summary>
public readonly record struct FrameKey(ulong High, ulong Low) : IComparable<FrameKey>
{
    /// <summary>Starts a key for the frames of render node <paramref name="node"/>.</summary>
    public static FrameKeyBuilder For(string node) => new FrameKeyBuilder().Add(node);

    /// <summary>The key of a frame of <paramref name="node"/> at <paramref name="time"/> with no other parameters.</summary>
    public static FrameKey Of(string node, long time) => For(node).Time(time).Build();

    /// <summary>Both halves compared directly (the generated equality goes through a comparer per field).</summary>
    public bool Equals(FrameKey other) => High == other.High && Low == other.Low;

    /// <summary>The low bits of the hash: a key is an XXH128, uniform already, so nothing needs mixing.</summary>
    public override int GetHashCode() => (int)Low;

    /// <summary>The 32 hexadecimal digits of the key, high half first.</summary>
    public override string ToString() => $"{High:x16}{Low:x16}";

    /// <summary>Reads the form <see cref="ToString"/> writes.</summary>
    public static FrameKey Parse(string text)
    {
        if (text is null || text.Length != 32)
            throw new FormatException("A frame key is 32 hexadecimal digits.");
        return new FrameKey(
            ulong.Parse(text.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture),
            ulong.Parse(text.AsSpan(16, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
    }

    /// <summary>Writes the key as 16 bytes, high half first, big-endian (its on-disk form).</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }

    /// <summary>Reads the 16 bytes <see cref="WriteTo"/> wrote.</summary>
    public static FrameKey ReadFrom(ReadOnlySpan<byte> source)
        => new(BinaryPrimitives.ReadUInt64BigEndian(source), BinaryPrimitives.ReadUInt64BigEndian(source[8..]));

    /// <inheritdoc />
    public int CompareTo(FrameKey other)
    {
        int high = High.CompareTo(other.High);
        return high != 0 ? high : Low.CompareTo(other.Low);
    }
}

/// <summary>
/// Collects what produces a frame, field by field, and hashes it into a <see cref="FrameKey"/>. Every field is
/// written with a one-byte tag so that ("ab", "c") and ("a", "bc"), or an integer and a double with the same
/// bits, never give the same key.
/// </summary>
public sealed class FrameKeyBuilder
{
    private const byte StringTag = 1, IntegerTag = 2, RealTag = 3, BytesTag = 4, TimeTag = 5, KeyTag = 6;

    private readonly XxHash128 _hash = new();
    private readonly byte[] _scratch = new byte[17];

    /// <summary>Adds a string parameter (hashed as UTF-8 with its length).</summary>
    public FrameKeyBuilder Add(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        AddTagged(StringTag, utf8);
        return this;
    }

    /// <summary>Adds an integer parameter.</summary>
    public FrameKeyBuilder Add(long value)
    {
        _scratch[0] = IntegerTag;
        BinaryPrimitives.WriteInt64LittleEndian(_scratch.AsSpan(1), value);
        _hash.Append(_scratch.AsSpan(0, 9));
        return this;
    }

    /// <summary>Adds a real-valued parameter; 0.0 and -0.0 are the same parameter, every NaN is one.</summary>
    public FrameKeyBuilder Add(double value)
    {
        if (value == 0) value = 0;
        if (double.IsNaN(value)) value = double.NaN;
        _scratch[0] = RealTag;
        BinaryPrimitives.WriteInt64LittleEndian(_scratch.AsSpan(1), BitConverter.DoubleToInt64Bits(value));
        _hash.Append(_scratch.AsSpan(0, 9));
        return this;
    }

    /// <summary>Adds a parameter given as raw bytes (an already serialized value).</summary>
    public FrameKeyBuilder Add(ReadOnlySpan<byte> value)
    {
        AddTagged(BytesTag, value);
        return this;
    }

    /// <summary>Adds the key of another frame (an input this frame is made from).</summary>
    public FrameKeyBuilder Add(FrameKey input)
    {
        _scratch[0] = KeyTag;
        input.WriteTo(_scratch.AsSpan(1));
        _hash.Append(_scratch.AsSpan(0, 17));
        return this;
    }

    /// <summary>Adds the frame's time (a frame number, or ticks of the node's own time base).</summary>
    public FrameKeyBuilder Time(long time)
    {
        _scratch[0] = TimeTag;
        BinaryPrimitives.WriteInt64LittleEndian(_scratch.AsSpan(1), time);
        _hash.Append(_scratch.AsSpan(0, 9));
        return this;
    }

    /// <summary>The key of everything added so far (the builder may go on).</summary>
    public FrameKey Build()
    {
        Span<byte> digest = stackalloc byte[16];
        _hash.GetCurrentHash(digest);
        return FrameKey.ReadFrom(digest);
    }

    /// <summary>The bytes <c>For(node)</c> hashes first, kept by a renderer so that its keys cost one hash and no allocation.</summary>
    internal static byte[] NodePrefix(string node)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(node);
        var prefix = new byte[5 + utf8.Length];
        prefix[0] = StringTag;
        BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(1), utf8.Length);
        utf8.CopyTo(prefix, 5);
        return prefix;
    }

    /// <summary>The key <c>For(node).Time(time).Build()</c> gives, from the node's <see cref="NodePrefix"/>, in one pass.</summary>
    internal static FrameKey KeyAt(ReadOnlySpan<byte> nodePrefix, long time)
    {
        // XXH128 of the bytes in one piece equals the streamed hash of the same bytes appended field by field.
        Span<byte> bytes = nodePrefix.Length <= 247 ? stackalloc byte[nodePrefix.Length + 9] : new byte[nodePrefix.Length + 9];
        nodePrefix.CopyTo(bytes);
        bytes[nodePrefix.Length] = TimeTag;
        BinaryPrimitives.WriteInt64LittleEndian(bytes[(nodePrefix.Length + 1)..], time);
        Span<byte> digest = stackalloc byte[16];
        XxHash128.Hash(bytes, digest);
        return FrameKey.ReadFrom(digest);
    }

    private void AddTagged(byte tag, ReadOnlySpan<byte> value)
    {
        _scratch[0] = tag;
        BinaryPrimitives.WriteInt32LittleEndian(_scratch.AsSpan(1), value.Length);
        _hash.Append(_scratch.AsSpan(0, 5));
        _hash.Append(value);
    }
}
