using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using LumieraVault.Frames;

namespace LumieraVault.Cluster.Rendering;

/// <summary>
/// The wire format of the render farm's messages: a manifest names the message, the bytes are a hand-written binary
/// schema, little-endian, starting with a version byte (<see cref="Version"/>):
/// <list type="bullet">
/// <item><c>hello</c>: version, workers (int32), reply (byte 0/1), renderer count (int32), renderer ids (string each)</item>
/// <item><c>render</c>: version, job id (int64), attempt (int32), renderer id (string), time (int64), deadline UTC ticks (int64, 0 none), droppable (byte 0/1), priority (byte)</item>
/// <item><c>result</c>: version, job id (int64), attempt (int32), length (int32), the frame's bytes</item>
/// <item><c>refused</c>: version, job id (int64), attempt (int32), error (int32, a <see cref="VaultError"/>), message (string)</item>
/// </list>
/// A string is its UTF-8 length (int32) and bytes. Bytes that do not decode (an unknown manifest or version, a value
/// out of range, too few or too many bytes) throw <see cref="SerializationException"/>: the remote layer logs and drops
/// the message and the node goes on.
/// </summary>
public sealed class RenderFarmSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer's identifier (bound in the embedded reference configuration).</summary>
    public const int SerializerId = 1_634_102;

    /// <summary>The schema version written first in every message.</summary>
    public const byte Version = 1;

    /// <summary>The longest string (renderer id, error message) accepted, in UTF-8 bytes.</summary>
    private const int MaxString = 64 * 1024;

    /// <summary>The most renderer ids one offer may list.</summary>
    private const int MaxRenderers = 4096;

    internal const string HelloManifest = "hello";
    internal const string RenderManifest = "render";
    internal const string ResultManifest = "result";
    internal const string RefusedManifest = "refused";

    /// <summary>Created by the actor system's serialization.</summary>
    public RenderFarmSerializer(ExtendedActorSystem system) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        Hello => HelloManifest,
        RenderRequest => RenderManifest,
        RenderResult => ResultManifest,
        RenderRefused => RefusedManifest,
        _ => throw new SerializationException($"The render farm serializer cannot write a {o?.GetType().FullName ?? "null"}."),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        switch (obj)
        {
            case Hello h:
            {
                int size = 1 + 4 + 1 + 4 + h.Renderers.Sum(SizeOf);
                var w = new Writer(size);
                w.Byte(Version);
                w.Int32(h.Workers);
                w.Byte(h.Reply ? (byte)1 : (byte)0);
                w.Int32(h.Renderers.Count);
                foreach (string id in h.Renderers) w.String(id);
                return w.Done();
            }
            case RenderRequest r:
            {
                var w = new Writer(1 + 8 + 4 + SizeOf(r.RendererId) + 8 + 8 + 1 + 1);
                w.Byte(Version);
                w.Int64(r.JobId);
                w.Int32(r.Attempt);
                w.String(r.RendererId);
                w.Int64(r.Time);
                w.Int64(r.DeadlineUtcTicks);
                w.Byte(r.Droppable ? (byte)1 : (byte)0);
                w.Byte((byte)r.Priority);
                return w.Done();
            }
            case RenderResult r:
            {
                var w = new Writer(1 + 8 + 4 + 4 + r.Bytes.Length);
                w.Byte(Version);
                w.Int64(r.JobId);
                w.Int32(r.Attempt);
                w.Int32(r.Bytes.Length);
                w.Bytes(r.Bytes);
                return w.Done();
            }
            case RenderRefused r:
            {
                var w = new Writer(1 + 8 + 4 + 4 + SizeOf(r.Message));
                w.Byte(Version);
                w.Int64(r.JobId);
                w.Int32(r.Attempt);
                w.Int32((int)r.Error);
                w.String(r.Message);
                return w.Done();
            }
            default:
                throw new SerializationException($"The render farm serializer cannot write a {obj?.GetType().FullName ?? "null"}.");
        }
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var r = new Reader(bytes, manifest);
        byte version = r.Byte();
        if (version != Version) throw r.Bad($"schema version {version} (this node reads version {Version})");
        object message = manifest switch
        {
            HelloManifest => ReadHello(ref r),
            RenderManifest => new RenderRequest(r.Int64(), r.Int32(), r.String(), r.Int64(), r.Int64(), r.Bool(), r.Priority()),
            ResultManifest => new RenderResult(r.Int64(), r.Int32(), r.Bytes(r.Length())),
            RefusedManifest => new RenderRefused(r.Int64(), r.Int32(), r.Error(), r.String()),
            _ => throw new SerializationException($"The render farm serializer knows no manifest '{manifest}' ({bytes.Length} bytes)."),
        };
        r.End();
        return message;
    }

    private static Hello ReadHello(ref Reader r)
    {
        int workers = r.Int32();
        if (workers < 0) throw r.Bad($"a negative worker count ({workers})");
        bool reply = r.Bool();
        int count = r.Int32();
        if (count is < 0 or > MaxRenderers) throw r.Bad($"a renderer count of {count}");
        var renderers = new string[count];
        for (int i = 0; i < count; i++) renderers[i] = r.String();
        return new Hello(renderers, workers, reply);
    }

    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);

    private static int SizeOf(string value) => 4 + Encoding.UTF8.GetByteCount(value);

    private ref struct Writer(int size)
    {
        private readonly byte[] _bytes = new byte[size];
        private int _at;

        public void Byte(byte value) => _bytes[_at++] = value;

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

        public void Bytes(ReadOnlySpan<byte> value)
        {
            value.CopyTo(_bytes.AsSpan(_at));
            _at += value.Length;
        }

        public readonly byte[] Done() => _at == _bytes.Length ? _bytes : throw new InvalidOperationException("The render farm message's size was miscounted.");
    }

    private ref struct Reader(byte[] bytes, string manifest)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private readonly string _manifest = manifest;
        private int _at;

        public readonly SerializationException Bad(string what)
            => new($"A render farm message '{_manifest}' of {_bytes.Length} bytes does not decode: {what} at byte {_at}.");

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || _bytes.Length - _at < count) throw Bad($"it ends early ({count} more bytes expected)");
            var span = _bytes.Slice(_at, count);
            _at += count;
            return span;
        }

        public byte Byte() => Take(1)[0];

        public bool Bool() => Byte() switch
        {
            0 => false,
            1 => true,
            var b => throw Bad($"a flag of {b}"),
        };

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public int Length()
        {
            int length = Int32();
            return length >= 0 ? length : throw Bad($"a negative length ({length})");
        }

        public byte[] Bytes(int count) => Take(count).ToArray();

        public string String()
        {
            int length = Length();
            if (length > MaxString) throw Bad($"a string of {length} bytes");
            try
            {
                return Strict.GetString(Take(length));
            }
            catch (DecoderFallbackException)
            {
                throw Bad("a string that is not UTF-8");
            }
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

        public readonly void End()
        {
            if (_at != _bytes.Length) throw Bad($"{_bytes.Length - _at} bytes left over");
        }
    }
}
