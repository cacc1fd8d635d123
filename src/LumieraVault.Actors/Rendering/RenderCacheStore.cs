using Akka.Actor;

namespace LumieraVault.Rendering;

/// <summary>The render cache as the scheduler's store (placeholder until the render cache is merged).</summary>
internal static class RenderCacheStore
{
    public static Task<IRenderStore> OpenAsync(ActorSystem system, SchedulerSettings settings)
        => Task.FromException<IRenderStore>(new VaultException(VaultError.InvalidArgument,
            $"The render cache is not part of this build; leave lumiera.vault.scheduler.cache-folder empty (was '{settings.CacheFolder}')."));
}
