using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace LumieraVault.Cluster.Tests;

/// <summary>
/// For Akka's own in-process cluster events that never cross the wire but that <c>serialize-messages = on</c> would otherwise
/// push through the JSON serializer, which rebuilds them wrongly or not at all (<c>ClusterEvent.ReachabilityChanged</c> fails,
/// so a split-brain resolver never learns that a node is unreachable; a <c>MemberUp</c> loses the member's age, so a
/// singleton's oldest node looks younger and a hand-over never happens). It hands the same object back.
/// </summary>
public sealed class LocalEventSerializer(ExtendedActorSystem system) : Serializer(system)
{
    private static readonly ConcurrentDictionary<long, object> InTransit = new();
    private static long _next;

    /// <inheritdoc />
    public override int Identifier => 1_634_199;

    /// <inheritdoc />
    public override bool IncludeManifest => false;

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        long id = Interlocked.Increment(ref _next);
        InTransit[id] = obj;
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, id);
        return bytes;
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, Type type)
        => bytes.Length == 8 && InTransit.TryRemove(BinaryPrimitives.ReadInt64LittleEndian(bytes), out var obj)
            ? obj
            : throw new SerializationException("A local cluster event arrived from elsewhere.");
}
