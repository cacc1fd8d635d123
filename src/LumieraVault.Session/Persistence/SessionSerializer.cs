using System.Text;
using Akka.Actor;
using Akka.Serialization;
using LumieraVault.Session.History;

namespace LumieraVault.Session.Persistence;

/// <summary>
/// The serializer of the session's journal events and snapshots: a binary schema (<see cref="SessionCodec"/>)
/// behind explicit string manifests, one per kind of record, each payload starting with a format version byte.
/// Bound to the session's event types in the configuration that <see cref="Hosting.SessionConfig"/> builds, so
/// Akka's polymorphic default never writes them.
/// </summary>
public sealed class SessionSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer's id in Akka's serialization registry.</summary>
    public const int Id = 1_634_006;

    internal const string StepManifest = "lumiera.session.step";
    internal const string UndoManifest = "lumiera.session.undo";
    internal const string RedoManifest = "lumiera.session.redo";
    internal const string SnapshotManifest = "lumiera.session.snapshot";

    /// <summary>Called by Akka's serialization extension.</summary>
    public SessionSerializer(ExtendedActorSystem system) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => Id;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        SessionEvent.StepDone => StepManifest,
        SessionEvent.Undone => UndoManifest,
        SessionEvent.Redone => RedoManifest,
        SessionSnapshot => SnapshotManifest,
        _ => throw new ArgumentException($"The session serializer does not write {o.GetType().Name}.", nameof(o)),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(SessionCodec.Version);
            switch (obj)
            {
                case SessionEvent.StepDone d: SessionCodec.WriteStep(w, d.Step); break;
                case SessionEvent.Undone u: w.Write7BitEncodedInt(u.Steps); break;
                case SessionEvent.Redone r: w.Write7BitEncodedInt(r.Steps); break;
                case SessionSnapshot s: SessionCodec.WriteSnapshot(w, s); break;
                default: throw new ArgumentException($"The session serializer does not write {obj.GetType().Name}.", nameof(obj));
            }
        }
        return buffer.ToArray();
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
            byte version = r.ReadByte();
            if (version != SessionCodec.Version)
                throw new SessionException(SessionError.DatabaseDamaged, $"A session record ({manifest}) has format version {version}; this version reads {SessionCodec.Version}.");
            object result = manifest switch
            {
                StepManifest => new SessionEvent.StepDone(SessionCodec.ReadStep(r)),
                UndoManifest => new SessionEvent.Undone(r.Read7BitEncodedInt()),
                RedoManifest => new SessionEvent.Redone(r.Read7BitEncodedInt()),
                SnapshotManifest => SessionCodec.ReadSnapshot(r),
                _ => throw new SessionException(SessionError.DatabaseDamaged, $"The session log holds a record of unknown kind '{manifest}'."),
            };
            if (r.BaseStream.Position != bytes.Length)
                throw new SessionException(SessionError.DatabaseDamaged, $"A session record ({manifest}) has {bytes.Length - r.BaseStream.Position} bytes more than its schema.");
            return result;
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or DecoderFallbackException)
        {
            throw new SessionException(SessionError.DatabaseDamaged, $"A session record ({manifest}, {bytes.Length} bytes) is cut short or damaged: {e.Message}", e);
        }
    }
}
