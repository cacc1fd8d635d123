using Akka.Configuration;
using LumieraVault.Cluster.Hosting;
using LumieraVault.Cluster.Rendering;
using Xunit;

namespace LumieraVault.Cluster.Tests.Rendering;

public sealed class RenderFarmSettingsSpec
{
    [Fact]
    public void The_reference_defaults_apply_when_nothing_is_configured()
    {
        var settings = RenderFarmSettings.From(ClusterConfig.Complete(ConfigurationFactory.Empty));
        Assert.Equal(2, settings.JobsPerWorker);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.AttemptTimeout);
        Assert.Equal(3, settings.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.DefaultDeadline);
    }

    [Fact]
    public void Render_options_in_code_win_over_the_configuration()
    {
        var config = ClusterConfig.Complete(
            ConfigurationFactory.ParseString("lumiera.cluster.render { jobs-per-worker = 5\n max-attempts = 4 }"),
            new ClusterNodeOptions { Render = new RenderFarmOptions { JobsPerWorker = 1, AttemptTimeout = TimeSpan.FromMilliseconds(750) } });
        var settings = RenderFarmSettings.From(config);
        Assert.Equal(1, settings.JobsPerWorker);
        Assert.Equal(TimeSpan.FromMilliseconds(750), settings.AttemptTimeout);
        Assert.Equal(4, settings.MaxAttempts);
    }

    [Theory]
    [InlineData("lumiera.cluster.render.jobs-per-worker = 0", "jobs-per-worker")]
    [InlineData("lumiera.cluster.render.max-attempts = 0", "max-attempts")]
    [InlineData("lumiera.cluster.render.attempt-timeout = 0s", "attempt-timeout")]
    public void A_bad_render_setting_is_refused_with_its_key_named(string hocon, string key)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => RenderFarmSettings.From(ConfigurationFactory.ParseString(hocon)));
        Assert.Contains(key, error.Message);
    }
}
