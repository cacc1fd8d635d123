using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using LumieraVault.Cluster.Wire;

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
                var w = new WireWriter(1 + 8 + WireWriter.SizeOf(m.Path), Version);
                w.Int64(m.RequestId);
                w.String(m.Path);
                return w.Done();
            }
            case FileDescribed m:
            {
                var w = new WireWriter(1 + 8 * 3, Version);
                w.Int64(m.RequestId);
                w.Int64(m.Size);
                w.Int64(m.ModifiedTicks);
                return w.Done();
            }
            case ReadFrame m:
            {
                var w = new WireWriter(1 + 8 + WireWriter.SizeOf(m.Path) + 8 * 3 + 4 * 2 + 2, Version);
                w.Int64(m.RequestId);
                w.String(m.Path);
                w.Int64(m.Size);
                w.Int64(m.ModifiedTicks);
                w.Int64(m.Offset);
                w.Int32(m.Length);
                w.Int32(m.BudgetMilliseconds);
                w.Flag(m.Droppable);
                w.Byte((byte)m.Priority);
                return w.Done();
            }
            case FrameBytes m:
            {
                var w = new WireWriter(1 + 8 * 2 + 4 + m.Bytes.Length, Version);
                w.Int64(m.RequestId);
                w.Int64(m.Offset);
                w.Int32(m.Bytes.Length);
                w.Bytes(m.Bytes.Span);
                return w.Done();
            }
            case RequestFailed m:
            {
                var w = new WireWriter(1 + 8 + 4 + WireWriter.SizeOf(m.Message), Version);
                w.Int64(m.RequestId);
                w.Int32((int)m.Error);
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
        var r = new WireReader(bytes, "file-protocol", manifest, Version);
        object message = manifest switch
        {
            DescribeManifest => new DescribeFile(r.Int64(), r.String()),
            DescribedManifest => new FileDescribed(r.Int64(), r.Int64(), r.Int64()),
            ReadManifest => new ReadFrame(r.Int64(), r.String(), r.Int64(), r.Int64(), r.Int64(), r.Int32(), r.Int32(), r.Flag(), r.Priority()),
            BytesManifest => new FrameBytes(r.Int64(), r.Int64(), r.Block()),
            FailedManifest => new RequestFailed(r.Int64(), r.Error(), r.String()),
            _ => throw new SerializationException($"Unknown manifest '{manifest}' for the file protocol (serializer {Id})."),
        };
        r.End();
        return message;
    }
}
