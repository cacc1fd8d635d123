using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using LumieraVault.Frames;

namespace LumieraVault.Cluster.Files;

/// <summary>
/// The wire format of the file protocol (<see cref="IFileProtocolMessage"/>): one manifest letter per message type and a
/// hand-written little-endian layout that starts with a schema version byte. Strings are a 32-bit byte count and UTF-8.
/// Bytes that do not decode (an unknown manifest or version, a truncated or oversized field, trailing bytes) throw
/// <see cref="SerializationException"/>: the remoting layer logs and drops such a message, and the node goes on.
/// </summary>
public sealed class FileProtocolSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer's identifier on the wire, the same on every node.</summary>
    public const int Id = 1_634_101;

    /// <summary>The schema version written first in every message.</summary>
    public const byte Version = 1;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private const string DescribeManifest = "D";
    private const string DescribedManifest = "d";
    private const string ReadManifest = "R";
    private const string BytesManifest = "B";
    private const string FailedManifest = "F";

    /// <summary>Created by Akka from the <c>akka.actor.serializers</c> section.</summary>
    public FileProtocolSerializer(ExtendedActorSystem system) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => Id;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        DescribeFile => DescribeManifest,
        FileDescribed => DescribedManifest,
        ReadFrame => ReadManifest,
        FrameBytes => BytesManifest,
        RequestFailed => FailedManifest,
        _ => throw new SerializationException($"{o.GetType()} is not a message of the file protocol."),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        switch (obj)
        {
            case DescribeFile m:
            {
                var w = new Writer(1 + 8 + StringSize(m.Path));
                w.Long(m.RequestId);
                w.String(m.Path);
                return w.Done();
            }
            case FileDescribed m:
            {
                var w = new Writer(1 + 8 * 3);
                w.Long(m.RequestId);
                w.Long(m.Size);
                w.Long(m.ModifiedTicks);
                return w.Done();
            }
            case ReadFrame m:
            {
                var w = new Writer(1 + 8 + StringSize(m.Path) + 8 * 3 + 4 * 2 + 2);
                w.Long(m.RequestId);
                w.String(m.Path);
                w.Long(m.Size);
                w.Long(m.ModifiedTicks);
                w.Long(m.Offset);
                w.Int(m.Length);
                w.Int(m.BudgetMilliseconds);
                w.Byte(m.Droppable ? (byte)1 : (byte)0);
                w.Byte((byte)m.Priority);
                return w.Done();
            }
            case FrameBytes m:
            {
                var w = new Writer(1 + 8 * 2 + 4 + m.Bytes.Length);
                w.Long(m.RequestId);
                w.Long(m.Offset);
                w.Int(m.Bytes.Length);
                w.Raw(m.Bytes.Span);
                return w.Done();
            }
            case RequestFailed m:
            {
                var w = new Writer(1 + 8 + 4 + StringSize(m.Message));
                w.Long(m.RequestId);
                w.Int((int)m.Error);
                w.String(m.Message);
                return w.Done();
            }
            default:
                throw new SerializationException($"{obj.GetType()} is not a message of the file protocol.");
        }
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var r = new Reader(bytes, manifest);
        object message = manifest switch
        {
            DescribeManifest => new DescribeFile(r.Long(), r.String()),
            DescribedManifest => new FileDescribed(r.Long(), r.Long(), r.Long()),
            ReadManifest => new ReadFrame(r.Long(), r.String(), r.Long(), r.Long(), r.Long(), r.Int(), r.Int(), r.Flag(), r.Priority()),
            BytesManifest => new FrameBytes(r.Long(), r.Long(), r.Block()),
            FailedManifest => new RequestFailed(r.Long(), r.Error(), r.String()),
            _ => throw new SerializationException($"Unknown manifest '{manifest}' for the file protocol (serializer {Id})."),
        };
        r.End();
        return message;
    }

    private static int StringSize(string s) => 4 + Encoding.UTF8.GetByteCount(s);

    private struct Writer
    {
        private readonly byte[] _bytes;
        private int _at;

        public Writer(int size)
        {
            _bytes = new byte[size];
            _bytes[0] = Version;
            _at = 1;
        }

        public void Byte(byte value) => _bytes[_at++] = value;

        public void Int(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_bytes.AsSpan(_at), value);
            _at += 4;
        }

        public void Long(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_bytes.AsSpan(_at), value);
            _at += 8;
        }

        public void String(string value)
        {
            int n = Encoding.UTF8.GetBytes(value, _bytes.AsSpan(_at + 4));
            Int(n);
            _at += n;
        }

        public void Raw(ReadOnlySpan<byte> value)
        {
            value.CopyTo(_bytes.AsSpan(_at));
            _at += value.Length;
        }

        public readonly byte[] Done() => _at == _bytes.Length ? _bytes : throw new InvalidOperationException("file protocol: size computed wrongly");
    }

    private struct Reader
    {
        private readonly byte[] _bytes;
        private readonly string _manifest;
        private int _at;

        public Reader(byte[] bytes, string manifest)
        {
            _bytes = bytes;
            _manifest = manifest;
            if (bytes.Length < 1) throw Bad("it is empty");
            if (bytes[0] != Version) throw Bad($"its schema version is {bytes[0]}, this node reads version {Version}");
            _at = 1;
        }

        private readonly SerializationException Bad(string why)
            => new($"A file-protocol message (manifest '{_manifest}', {_bytes.Length} bytes) does not decode: {why}.");

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || n > _bytes.Length - _at) throw Bad($"a field of {n} bytes at {_at} runs past its end");
            var span = _bytes.AsSpan(_at, n);
            _at += n;
            return span;
        }

        public long Long() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public int Int() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public bool Flag() => Take(1)[0] switch
        {
            0 => false,
            1 => true,
            var b => throw Bad($"a flag holds {b}"),
        };

        public FramePriority Priority()
        {
            byte b = Take(1)[0];
            return b <= (byte)FramePriority.Background ? (FramePriority)b : throw Bad($"no priority {b}");
        }

        public VaultError Error()
        {
            int e = Int();
            return Enum.IsDefined((VaultError)e) ? (VaultError)e : throw Bad($"no error {e}");
        }

        public string String()
        {
            int n = Int();
            try
            {
                return StrictUtf8.GetString(Take(n));
            }
            catch (DecoderFallbackException e)
            {
                throw new SerializationException($"A file-protocol message (manifest '{_manifest}') holds a string that is not UTF-8.", e);
            }
        }

        public ReadOnlyMemory<byte> Block()
        {
            int n = Int();
            int at = _at;
            Take(n);
            // No copy: the bytes of an arriving message belong to this message alone.
            return new ReadOnlyMemory<byte>(_bytes, at, n);
        }

        public readonly void End()
        {
            if (_at != _bytes.Length) throw Bad($"{_bytes.Length - _at} bytes are left over");
        }
    }
}
