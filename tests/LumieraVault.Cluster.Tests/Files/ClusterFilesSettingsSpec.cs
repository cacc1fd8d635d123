using Akka.Configuration;
using LumieraVault.Cluster.Files;
using LumieraVault.Cluster.Hosting;
using Xunit;

namespace LumieraVault.Cluster.Tests.Files;

public sealed class ClusterFilesSettingsSpec
{
    [Fact]
    public void Options_in_code_win_over_the_configuration_and_reach_akka_remote()
    {
        var root = Path.GetTempPath();
        var config = ClusterConfig.Complete(
            ConfigurationFactory.ParseString("lumiera.cluster { enabled = on\n files.shards = 12\n files.max-attempts = 3 }"),
            new ClusterNodeOptions
            {
                MaximumFrameSize = 4 << 20,
                Files = new ClusterFilesOptions { MediaRoot = root, AttemptTimeout = TimeSpan.FromMilliseconds(250), MaxAttempts = 7 },
            });
        var settings = ClusterFilesSettings.From(config);
        Assert.Equal(Path.TrimEndingDirectorySeparator(root), settings.MediaRoot);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.AttemptTimeout);
        Assert.Equal(7, settings.MaxAttempts);
        Assert.Equal(12, settings.Shards);
        Assert.Equal(4 << 20, settings.MaximumFrameSize);
        Assert.Equal(4L << 20, config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"));
        Assert.Equal("lumiera-files", config.GetString("akka.actor.serialization-bindings.\"LumieraVault.Cluster.Files.IFileProtocolMessage, LumieraVault.Cluster\""));
    }

    [Theory]
    [InlineData("lumiera.cluster.files.attempt-timeout = 0s", "lumiera.cluster.files.attempt-timeout")]
    [InlineData("lumiera.cluster.files.max-attempts = 0", "lumiera.cluster.files.max-attempts")]
    [InlineData("lumiera.cluster.files.shards = 0", "lumiera.cluster.files.shards")]
    [InlineData("lumiera.cluster.maximum-frame-size = 1000b", "lumiera.cluster.maximum-frame-size")]
    public void A_bad_setting_is_refused_with_its_key_named(string hocon, string key)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ClusterFilesSettings.From(ConfigurationFactory.ParseString(hocon)));
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public void The_documented_cluster_conf_holds_the_reference_defaults()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "hocon", "cluster.conf"))) folder = folder.Parent;
        Assert.NotNull(folder);
        var documented = ClusterFilesSettings.From(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(folder!.FullName, "hocon", "cluster.conf"))));
        Assert.Equal(ClusterFilesSettings.From(ClusterNodeSettings.Reference), documented);
    }
}
