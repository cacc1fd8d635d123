using Akka.Actor;
using Akka.Event;
using Akka.Serialization;
using LumieraVault.Cluster.Files;
using LumieraVault.Files;
using LumieraVault.Frames;
using Xunit;

namespace LumieraVault.Cluster.Tests.Files;

/// <summary>
/// A peer whose file-protocol messages about one file arrive cut short: this node (media, holding the files) refuses and logs
/// each, and goes on serving that peer's other requests; the peer's request is answered NodeUnreachable before its deadline.
/// </summary>
public sealed class CorruptedMessageSpec : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly string _root;
    private readonly string _peerRoot = MediaNodes.NewRoot("peer");
    private ActorSystem _peer = null!;

    public CorruptedMessageSpec() : this(MediaNodes.NewRoot("server")) { }

    private CorruptedMessageSpec(string root) : base(MediaNodes.Config(root, "", "media"), ClusterNodes.SystemName) => _root = root;

    public async Task InitializeAsync()
    {
        Akka.Cluster.Cluster.Get(Sys).Join(Akka.Cluster.Cluster.Get(Sys).SelfAddress);
        _peer = ClusterNodes.Start(MediaNodes.Config(_peerRoot, $"""
            akka.actor.serialize-messages = off
            akka.actor.serializers.lumiera-files = "{typeof(CorruptingSerializer).AssemblyQualifiedName}"
            """, "render"), Sys);
        await MediaNodes.MembersUpAsync(Sys, 2, TimeSpan.FromSeconds(20));
    }

    public async Task DisposeAsync()
    {
        await _peer.Terminate();
        MediaNodes.Delete(_root);
        MediaNodes.Delete(_peerRoot);
    }

    [Fact]
    public async Task A_message_that_does_not_decode_is_refused_and_logged_and_the_node_keeps_serving()
    {
        var good = MediaNodes.Write(_root, "good.bin", 4 * 4096, 4);
        MediaNodes.Write(_root, "corrupt-me.bin", 4 * 4096, 5);
        var warnings = CreateTestProbe();
        Sys.EventStream.Subscribe(warnings.Ref, typeof(Warning));
        var peer = ClusterVault.Get(_peer);

        var deadline = _peer.Scheduler.Now + TimeSpan.FromSeconds(1.5);
        var refused = await Assert.ThrowsAsync<VaultException>(() => peer.OpenAsync("corrupt-me.bin", null, new FrameHints(deadline)).WaitAsync(Wait));
        Assert.Equal(VaultError.NodeUnreachable, refused.Error);
        Assert.True(_peer.Scheduler.Now <= deadline + TimeSpan.FromSeconds(1));
        warnings.FishForMessage<Warning>(w => w.Message.ToString()!.Contains("does not decode", StringComparison.Ordinal), Wait);

        var file = await peer.OpenAsync("good.bin", FrameLayout.Fixed(4096)).WaitAsync(Wait);
        using var frame = await peer.GetFrameAsync(file, 3).AsTask().WaitAsync(Wait);
        Assert.True(frame.Span.SequenceEqual(good.AsSpan(3 * 4096, 4096)));
    }

    /// <summary>The peer's file-protocol serializer: it cuts every message about a file named corrupt-* short.</summary>
    public sealed class CorruptingSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
    {
        private readonly FileProtocolSerializer _real = new(system);

        public override int Identifier => FileProtocolSerializer.Id;

        public override string Manifest(object o) => _real.Manifest(o);

        public override byte[] ToBinary(object obj)
        {
            var bytes = _real.ToBinary(obj);
            return obj is IFileEntityMessage m && Path.GetFileName(m.Path).StartsWith("corrupt-", StringComparison.Ordinal) ? bytes[..^3] : bytes;
        }

        public override object FromBinary(byte[] bytes, string manifest) => _real.FromBinary(bytes, manifest);
    }
}
