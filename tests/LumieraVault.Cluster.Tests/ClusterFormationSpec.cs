using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using LumieraVault.Cluster.Hosting;
using Xunit;

namespace LumieraVault.Cluster.Tests;

public sealed class ClusterFormationSpec : Akka.TestKit.Xunit2.TestKit
{
    public ClusterFormationSpec() : base(ClusterNodes.NodeConfig(), ClusterNodes.SystemName) { }

    [Fact]
    public async Task Three_nodes_on_127_0_0_1_with_ports_chosen_by_the_system_form_one_cluster()
    {
        Akka.Cluster.Cluster.Get(Sys).Join(Akka.Cluster.Cluster.Get(Sys).SelfAddress);
        var b = ClusterNodes.Start(ClusterNodes.NodeConfig(), Sys);
        var c = ClusterNodes.Start(ClusterNodes.NodeConfig(), Sys);
        try
        {
            await AwaitConditionAsync(() => Task.FromResult(ClusterNodes.MembersUp(Sys, 3) && ClusterNodes.MembersUp(c, 3)), TimeSpan.FromSeconds(20));
            var ports = new[] { Sys, b, c }.Select(s => Akka.Cluster.Cluster.Get(s).SelfAddress).ToList();
            Assert.All(ports, a => Assert.Equal("127.0.0.1", a.Host));
            Assert.Equal(3, ports.Select(a => a.Port).Distinct().Count());
            Assert.All(ports, a => Assert.NotEqual(0, a.Port));
        }
        finally
        {
            await Task.WhenAll(b.Terminate(), c.Terminate());
        }
    }

    [Fact]
    public void With_the_cluster_mode_off_the_configuration_is_left_local()
    {
        var config = ClusterConfig.Complete(ConfigurationFactory.Empty);
        Assert.False(ClusterNodeSettings.From(config).Enabled);
        Assert.NotEqual("cluster", config.GetString("akka.actor.provider", "local"));
    }

    [Fact]
    public void Options_in_code_win_over_the_configuration()
    {
        var config = ClusterConfig.Complete(
            ConfigurationFactory.ParseString("lumiera.cluster { enabled = on\n port = 2552\n roles = [render] }"),
            new ClusterNodeOptions { Port = 0, Roles = ["media"], SeedNodes = ["akka.tcp://lumiera@127.0.0.1:4000"] });
        var settings = ClusterNodeSettings.From(config);
        Assert.Equal(0, settings.Port);
        Assert.Equal(["media"], settings.Roles);
        Assert.Equal(0, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal("127.0.0.1", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(["akka.tcp://lumiera@127.0.0.1:4000"], config.GetStringList("akka.cluster.seed-nodes"));
    }

    [Theory]
    [InlineData("lumiera.cluster.port = 70000", "lumiera.cluster.port")]
    [InlineData("lumiera.cluster.seed-nodes = [\"127.0.0.1:4000\"]", "lumiera.cluster.seed-nodes")]
    public void A_bad_setting_is_refused_with_its_key_named(string hocon, string key)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ClusterNodeSettings.From(ConfigurationFactory.ParseString(hocon)));
        Assert.Contains(key, error.Message);
    }
}
