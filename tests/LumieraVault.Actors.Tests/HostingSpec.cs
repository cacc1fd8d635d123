using Akka.Actor;
using Akka.Hosting;
using LumieraVault.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace LumieraVault.Tests;

public sealed class HostingSpec
{
    private static async Task<IHost> StartHost(Action<AkkaConfigurationBuilder> configure)
    {
        var host = new HostBuilder()
            .ConfigureServices(services =>
            {
                services.AddAkka("hosting-spec", builder => configure(builder));
                services.AddLumieraVaultClient();
            })
            .Build();
        await host.StartAsync().WaitAsync(VaultProbe.Patience);
        return host;
    }

    [Fact]
    public async Task WithoutOptionsTheReferenceDefaultsApply()
    {
        using var host = await StartHost(b => b.WithLumieraVault());
        var vault = host.Services.GetRequiredService<Vault>();
        Assert.Equal(1L << 30, vault.Settings.MapBudget);
        Assert.Equal(4L << 20, vault.Settings.WindowSize);
        Assert.Equal(TimeSpan.FromSeconds(1), vault.Settings.ChangeCheckInterval);
        Assert.Equal(Native.SystemLimits.DefaultMaxHandles, vault.Settings.MaxHandles);
        await host.StopAsync();
    }

    [Fact]
    public async Task OptionsInCodeOverrideTheHostsHocon()
    {
        using var host = await StartHost(b => b
            .AddHocon("lumiera.vault.map-cache.budget = 64 MiB\nlumiera.vault.map-cache.window-size = 1 MiB", HoconAddMode.Prepend)
            .WithLumieraVault(o =>
            {
                o.MaxHandles = 12;
                o.WindowSize = 256 * 1024;
                o.ChangeCheckInterval = TimeSpan.Zero;
            }));
        var vault = host.Services.GetRequiredService<Vault>();
        Assert.Equal(64L << 20, vault.Settings.MapBudget); // from the host's HOCON: the option was left null
        Assert.Equal(256 * 1024, vault.Settings.WindowSize); // the option wins over the HOCON
        Assert.Equal(12, vault.Settings.MaxHandles);
        Assert.Equal(TimeSpan.Zero, vault.Settings.ChangeCheckInterval);
        await host.StopAsync();
    }

    [Fact]
    public async Task TheGuardianIsInTheRegistryAndTheClientServesFrames()
    {
        using var temp = new TempFolder();
        var path = temp.Make("clip.bin", 10_000);
        using var host = await StartHost(b => b.WithLumieraVault(o => o.MapBudget = 8 << 20));
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        var guardian = await registry.GetAsync<VaultGuardian>().WaitAsync(VaultProbe.Patience);
        var vault = host.Services.GetRequiredService<Vault>();
        Assert.Equal(vault.Guardian, guardian);
        Assert.Same(vault, Vault.Get(host.Services.GetRequiredService<ActorSystem>()));

        var file = await vault.OpenAsync(path, layout: Files.FrameLayout.Fixed(100));
        using var frame = await vault.GetFrameAsync(file, 42);
        Assert.Equal(TempFolder.Pattern(4200), frame.Span[0]);
        await host.StopAsync();
    }

    [Fact]
    public void AnInvalidSettingIsRefusedWithItsName()
    {
        var config = Akka.Configuration.ConfigurationFactory.ParseString("lumiera.vault.map-cache.budget = 1 KiB");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => VaultSettings.From(config));
        Assert.Contains("lumiera.vault.map-cache.budget", e.Message);
    }
}
