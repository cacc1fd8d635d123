using Akka.Actor;
using Akka.Hosting;
using LumieraVault.Rendering;
using Microsoft.Extensions.DependencyInjection;

namespace LumieraVault.Hosting;

/// <summary>Plugs the vault into an Akka.Hosting host.</summary>
public static class AkkaHostingExtensions
{
    /// <summary>Adds the vault with the HOCON configuration's settings (and the reference defaults).</summary>
    public static AkkaConfigurationBuilder WithLumieraVault(this AkkaConfigurationBuilder builder)
        => builder.WithLumieraVault(new VaultOptions());

    /// <summary>Adds the vault, with settings changed in code by <paramref name="configure"/>.</summary>
    public static AkkaConfigurationBuilder WithLumieraVault(this AkkaConfigurationBuilder builder, Action<VaultOptions> configure)
    {
        var options = new VaultOptions();
        configure(options);
        return builder.WithLumieraVault(options);
    }

    /// <summary>
    /// Adds the vault: the reference configuration as a fallback, the options that are set ahead of the
    /// host's HOCON, and the guardian in the <see cref="ActorRegistry"/> as <see cref="VaultGuardian"/>.
    /// </summary>
    public static AkkaConfigurationBuilder WithLumieraVault(this AkkaConfigurationBuilder builder, VaultOptions options)
    {
        builder.AddHocon(VaultSettings.Reference, HoconAddMode.Append);
        string overrides = options.ToHocon();
        if (overrides.Length > 0) builder.AddHocon(overrides, HoconAddMode.Prepend);
        builder.WithActors((system, registry) => registry.Register<VaultGuardian>(Vault.Get(system).Guardian));
        return builder;
    }

    /// <summary>
    /// Adds the render scheduler: its options ahead of the host's HOCON, its renderers registered at start, the actor in
    /// the <see cref="ActorRegistry"/> as <see cref="RenderScheduler"/>. Add the vault (<c>WithLumieraVault</c>) too.
    /// </summary>
    public static AkkaConfigurationBuilder WithLumieraScheduler(this AkkaConfigurationBuilder builder, SchedulerOptions options)
    {
        string overrides = options.ToHocon();
        if (overrides.Length > 0) builder.AddHocon(overrides, HoconAddMode.Prepend);
        builder.WithActors((system, registry) =>
        {
            var service = RenderService.Get(system);
            foreach (var renderer in options.Renderers) service.Register(renderer);
            registry.Register<RenderScheduler>(service.Scheduler);
        });
        return builder;
    }

    /// <summary>Registers the client facade <see cref="Vault"/> in DI, resolved from the hosted actor system.</summary>
    public static IServiceCollection AddLumieraVaultClient(this IServiceCollection services)
        => services.AddSingleton(sp => Vault.Get(sp.GetRequiredService<ActorSystem>()));

    /// <summary>Registers the render facade <see cref="RenderService"/> in DI, resolved from the hosted actor system.</summary>
    public static IServiceCollection AddLumieraRenderClient(this IServiceCollection services)
        => services.AddSingleton(sp => RenderService.Get(sp.GetRequiredService<ActorSystem>()));
}
