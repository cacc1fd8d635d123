using Akka.Actor;
using Akka.Configuration;
using LumieraVault.Cluster.Hosting;

namespace LumieraVault.Cluster.Tests;

/// <summary>
/// Actor systems of one cluster in this test process, on 127.0.0.1 with ports chosen by the systems. The first node
/// is the seed; every other node joins it. Specs wait for the members they need with their own explicit durations.
/// </summary>
internal static class ClusterNodes
{
    /// <summary>The name every node of a test cluster shares (a cluster's nodes must have one system name).</summary>
    public const string SystemName = "lumiera";

    /// <summary>
    /// The configuration of a test node: cluster mode on 127.0.0.1, a port chosen by the system, every message
    /// serialized even between actors of one node (so any message that cannot cross the wire fails the spec),
    /// and quick failure detection so that a stopped node is noticed within the specs' durations. Akka's local
    /// cluster events, which the JSON serializer rebuilds wrongly or not at all (ReachabilityChanged fails; a member's
    /// age is lost, so a singleton's oldest node looks younger), go through <see cref="LocalEventSerializer"/>.
    /// </summary>
    public static Config NodeConfig(string extra = "", params string[] roles)
        // extra comes last, so that it wins over the defaults above.
    {
        var options = new ClusterNodeOptions { Enabled = true, Hostname = "127.0.0.1", Port = 0 };
        if (roles.Length > 0) options.Roles = roles;
        var specific = ConfigurationFactory.ParseString("""

            akka.loglevel = INFO
            akka.actor.serialize-messages = on
            akka.cluster.failure-detector.heartbeat-interval = 200ms
            akka.cluster.failure-detector.acceptable-heartbeat-pause = 1s
            akka.cluster.split-brain-resolver.stable-after = 1s
            akka.cluster.down-removal-margin = 500ms
            akka.coordinated-shutdown.exit-clr = off
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            akka.remote.dot-netty.tcp.batching.enabled = off
            lumiera.vault.files.watch-changes = off
            akka.actor.serializers.lumiera-test-local-events = "LumieraVault.Cluster.Tests.LocalEventSerializer, LumieraVault.Cluster.Tests"
            akka.actor.serialization-bindings."Akka.Cluster.ClusterEvent+IClusterDomainEvent, Akka.Cluster" = lumiera-test-local-events
            akka.actor.serialization-bindings."Akka.Cluster.ClusterEvent+CurrentClusterState, Akka.Cluster" = lumiera-test-local-events

            """ + extra);
        return ClusterConfig.Complete(specific, options);
    }

    /// <summary>Starts a node and has it join <paramref name="seed"/> (itself when null: the first node).</summary>
    public static ActorSystem Start(Config config, ActorSystem? seed = null)
    {
        var system = ActorSystem.Create(SystemName, config);
        var cluster = Akka.Cluster.Cluster.Get(system);
        cluster.Join(seed is null ? cluster.SelfAddress : Akka.Cluster.Cluster.Get(seed).SelfAddress);
        return system;
    }

    /// <summary>Whether <paramref name="system"/> sees <paramref name="count"/> members up.</summary>
    public static bool MembersUp(ActorSystem system, int count)
        => Akka.Cluster.Cluster.Get(system).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == count;
}
