using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using LumieraVault.Cluster.Wire;

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
                int size = 1 + 4 + 1 + 4 + h.Renderers.Sum(WireWriter.SizeOf);
                var w = new WireWriter(size, Version);
                w.Int32(h.Workers);
                w.Flag(h.Reply);
                w.Int32(h.Renderers.Count);
                foreach (string id in h.Renderers) w.String(id);
                return w.Done();
            }
            case RenderRequest r:
            {
                var w = new WireWriter(1 + 8 + 4 + WireWriter.SizeOf(r.RendererId) + 8 + 8 + 1 + 1, Version);
                w.Int64(r.JobId);
                w.Int32(r.Attempt);
                w.String(r.RendererId);
                w.Int64(r.Time);
                w.Int64(r.DeadlineUtcTicks);
                w.Flag(r.Droppable);
                w.Byte((byte)r.Priority);
                return w.Done();
            }
            case RenderResult r:
            {
                var w = new WireWriter(1 + 8 + 4 + 4 + r.Bytes.Length, Version);
                w.Int64(r.JobId);
                w.Int32(r.Attempt);
                w.Int32(r.Bytes.Length);
                w.Bytes(r.Bytes);
                return w.Done();
            }
            case RenderRefused r:
            {
                var w = new WireWriter(1 + 8 + 4 + 4 + WireWriter.SizeOf(r.Message), Version);
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
        var r = new WireReader(bytes, "render farm", manifest, Version);
        object message = manifest switch
        {
            HelloManifest => ReadHello(ref r),
            RenderManifest => new RenderRequest(r.Int64(), r.Int32(), r.String(MaxString), r.Int64(), r.Int64(), r.Flag(), r.Priority()),
            ResultManifest => new RenderResult(r.Int64(), r.Int32(), r.Copy(r.Length())),
            RefusedManifest => new RenderRefused(r.Int64(), r.Int32(), r.Error(), r.String(MaxString)),
            _ => throw new SerializationException($"The render farm serializer knows no manifest '{manifest}' ({bytes.Length} bytes)."),
        };
        r.End();
        return message;
    }

    private static Hello ReadHello(ref WireReader r)
    {
        int workers = r.Int32();
        if (workers < 0) throw r.Bad($"a negative worker count ({workers})");
        bool reply = r.Flag();
        int count = r.Int32();
        if (count is < 0 or > MaxRenderers) throw r.Bad($"a renderer count of {count}");
        var renderers = new string[count];
        for (int i = 0; i < count; i++) renderers[i] = r.String(MaxString);
        return new Hello(renderers, workers, reply);
    }
}
