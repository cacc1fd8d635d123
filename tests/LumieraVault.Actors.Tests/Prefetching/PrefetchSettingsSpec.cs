using Akka.Configuration;
using LumieraVault.Prefetching;
using Xunit;

namespace LumieraVault.Tests.Prefetching;

/// <summary>The settings: reference defaults, options set in code ahead of the HOCON, and refused values named.</summary>
public sealed class PrefetchSettingsSpec
{
    [Fact]
    public void WithNothingConfiguredTheReferenceDefaultsHold()
    {
        var s = PrefetchSettings.From(Config.Empty);
        Assert.True(s.Enabled);
        Assert.Equal(TimeSpan.FromMilliseconds(500), s.LookAhead);
        Assert.Equal(TimeSpan.FromMilliseconds(100), s.MinLookAhead);
        Assert.Equal(TimeSpan.FromSeconds(3), s.MaxLookAhead);
        Assert.Equal(TimeSpan.FromMilliseconds(10), s.Tick);
        Assert.Equal(1.5, s.Grow);
        Assert.Equal(0.8, s.Shrink);
        Assert.Equal(0.5, s.BudgetShare);
        Assert.Equal(TimeSpan.FromMilliseconds(500), s.IdleAfter);
        Assert.Equal(1, s.KeepBehind);
        Assert.False(s.DropPageCache);
        Assert.True(s.TouchPages);
    }

    [Fact]
    public void OptionsSetInCodeComeAheadOfTheHocon()
    {
        var options = new PrefetchOptions
        {
            Enabled = false,
            LookAhead = TimeSpan.FromMilliseconds(250),
            MaxLookAhead = TimeSpan.FromSeconds(2),
            Grow = 2,
            BudgetShare = 0.25,
            KeepBehind = 3,
            DropPageCache = true,
            TouchPages = false,
        };
        var config = ConfigurationFactory.ParseString(options.ToHocon())
            .WithFallback(ConfigurationFactory.ParseString("lumiera.vault.prefetch { look-ahead = 900ms\n shrink = 0.5 }"));
        var s = PrefetchSettings.From(config);
        Assert.False(s.Enabled);
        Assert.Equal(TimeSpan.FromMilliseconds(250), s.LookAhead);
        Assert.Equal(TimeSpan.FromSeconds(2), s.MaxLookAhead);
        Assert.Equal(2, s.Grow);
        Assert.Equal(0.5, s.Shrink); // not set in code: the HOCON's
        Assert.Equal(0.25, s.BudgetShare);
        Assert.Equal(3, s.KeepBehind);
        Assert.True(s.DropPageCache);
        Assert.False(s.TouchPages);
    }

    [Fact]
    public void TouchingPagesCanBeTurnedOffInTheHocon()
    {
        Assert.False(PrefetchSettings.From(ConfigurationFactory.ParseString("lumiera.vault.prefetch.touch-pages = off")).TouchPages);
    }

    [Theory]
    [InlineData("look-ahead = 50ms", "look-ahead")]
    [InlineData("max-look-ahead = 50ms", "max-look-ahead")]
    [InlineData("shrink = 1.5", "shrink")]
    [InlineData("budget-share = 0", "budget-share")]
    [InlineData("keep-behind = -1", "keep-behind")]
    public void ASettingOutOfItsRangeIsRefusedByName(string setting, string key)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => PrefetchSettings.From(ConfigurationFactory.ParseString("lumiera.vault.prefetch." + setting)));
        Assert.Contains("lumiera.vault.prefetch." + key, e.Message);
    }
}
