using Akka.Hosting;
using LumieraVault.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace LumieraVault.Prefetching;

/// <summary>Plugs the prefetcher into an Akka.Hosting host.</summary>
public static class PrefetchHosting
{
    /// <summary>
    /// Adds the prefetcher: its options ahead of the host's HOCON and the actor in the <see cref="ActorRegistry"/> as
    /// <see cref="PrefetcherGuardian"/>. Add the vault (<c>WithLumieraVault</c>) too.
    /// </summary>
    public static AkkaConfigurationBuilder WithLumieraPrefetcher(this AkkaConfigurationBuilder builder, PrefetchOptions options)
    {
        string overrides = options.ToHocon();
        if (overrides.Length > 0) builder.AddHocon(overrides, HoconAddMode.Prepend);
        builder.AddHocon(VaultSettings.Reference, HoconAddMode.Append);
        builder.WithActors((system, registry) => registry.Register<PrefetcherGuardian>(Prefetcher.Get(system).Actor));
        return builder;
    }

    /// <summary>The same, with the options set by <paramref name="configure"/>.</summary>
    public static AkkaConfigurationBuilder WithLumieraPrefetcher(this AkkaConfigurationBuilder builder, Action<PrefetchOptions> configure)
    {
        var options = new PrefetchOptions();
        configure(options);
        return builder.WithLumieraPrefetcher(options);
    }

    /// <summary>Registers the prefetch facade <see cref="Prefetcher"/> in DI, resolved from the hosted actor system.</summary>
    public static IServiceCollection AddLumieraPrefetchClient(this IServiceCollection services)
        => services.AddSingleton(sp => Prefetcher.Get(sp.GetRequiredService<Akka.Actor.ActorSystem>()));
}
