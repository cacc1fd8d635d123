using Akka.Actor;
using Akka.Event;
using Akka.Serialization;
using LumieraVault.Cluster.Rendering;
using LumieraVault.Frames;
using Xunit;

namespace LumieraVault.Cluster.Tests.Rendering;

/// <summary>A message from a peer that does not decode is refused and logged, and the node goes on rendering.</summary>
public sealed class CorruptMessageSpec : Akka.TestKit.Xunit2.TestKit
{
    public CorruptMessageSpec() : base(ClusterNodes.NodeConfig(RenderFarmSpec.NodeSettings), ClusterNodes.SystemName)
        => Akka.Cluster.Cluster.Get(Sys).Join(Akka.Cluster.Cluster.Get(Sys).SelfAddress);

    [Fact]
    public async Task A_message_from_a_peer_that_does_not_decode_is_refused_and_logged_and_the_node_keeps_rendering()
    {
        // The peer writes the farm's messages through a serializer that spoils the one marked as poison.
        var peer = ClusterNodes.Start(ClusterNodes.NodeConfig(RenderFarmSpec.NodeSettings + $"""
            akka.actor.serializers.lumiera-render-farm = "{typeof(PoisonSerializer).AssemblyQualifiedName}"

            """), Sys);
        try
        {
            RenderFarm.Get(Sys).Register(new WaitingRenderer("wait", TimeSpan.FromMilliseconds(20)));
            var remote = new WaitingRenderer("wait", TimeSpan.FromMilliseconds(20));
            RenderFarm.Get(peer).Register(remote);
            await RenderFarmSpec.AwaitOffers(this, Sys, "wait", 2);

            var logs = CreateTestProbe();
            Sys.EventStream.Subscribe(logs.Ref, typeof(Warning));
            Sys.EventStream.Subscribe(logs.Ref, typeof(Error));
            peer.ActorSelection(new RootActorPath(Akka.Cluster.Cluster.Get(Sys).SelfAddress) / "user" / RenderFarm.ActorName)
                .Tell(new RenderRequest(PoisonSerializer.PoisonJob, 1, "wait", 0, 0, false, FramePriority.AsSoonAsPossible));
            await logs.FishForMessageAsync(m => m is LogEvent e && e.ToString().Contains("does not decode", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

            var farm = RenderFarm.Get(Sys);
            var frames = await Task.WhenAll(Enumerable.Range(0, 16).Select(t => farm.GetFarmFrameAsync("wait", t).AsTask())).WaitAsync(TimeSpan.FromSeconds(10));
            try
            {
                for (int t = 0; t < frames.Length; t++) Assert.True(WaitingRenderer.IsFrame(frames[t].Frame.Span, t));
                Assert.Contains(frames, f => f.Node == Akka.Cluster.Cluster.Get(peer).SelfAddress); // the link to the peer still works
            }
            finally
            {
                foreach (var f in frames) f.Frame.Dispose();
            }
        }
        finally
        {
            await peer.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}

/// <summary>The farm's serializer, except that a render request for <see cref="PoisonJob"/> is written cut short.</summary>
public sealed class PoisonSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const long PoisonJob = -1;

    private readonly RenderFarmSerializer _inner = new(system);

    public override int Identifier => RenderFarmSerializer.SerializerId;

    public override string Manifest(object o) => _inner.Manifest(o);

    public override byte[] ToBinary(object obj)
    {
        var bytes = _inner.ToBinary(obj);
        return obj is RenderRequest { JobId: PoisonJob } ? bytes[..^5] : bytes;
    }

    public override object FromBinary(byte[] bytes, string manifest) => _inner.FromBinary(bytes, manifest);
}
