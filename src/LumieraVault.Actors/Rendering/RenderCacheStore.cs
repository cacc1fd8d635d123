using Akka.Actor;
using LumieraVault.Frames;
using LumieraVault.Rendering.Cache;

namespace LumieraVault.Rendering;

/// <summary>The render cache (<c>lumiera.vault.render-cache</c>) as the scheduler's store: frames survive a restart.</summary>
internal sealed class RenderCacheStore(RenderCache cache) : IRenderStore
{
    public static async Task<IRenderStore> OpenAsync(ActorSystem system)
        => new RenderCacheStore(await RenderCache.OpenAsync(system, RenderCacheOptions.FromConfig(system.Settings.Config)).ConfigureAwait(false));

    public RenderCache Cache => cache;

    public ValueTask<Frame?> TryGetAsync(FrameKey key, FrameHints hints) => cache.TryGetAsync(key, hints);

    public async ValueTask<StoreSlot> ReserveAsync(FrameKey key, int length, FrameHints hints)
    {
        var slot = await cache.ReserveAsync(key, length, hints).ConfigureAwait(false);
        return new StoreSlot(key, slot.Frame, slot);
    }

    public bool CommitsAtOnce => false;

    public ValueTask<Frame> ShareAsync(StoreSlot slot) => cache.ShareAsync((RenderSlot)slot.Token!);

    public ValueTask<Frame> CommitAsync(StoreSlot slot) => cache.CommitAsync((RenderSlot)slot.Token!);

    public void Abandon(StoreSlot slot) => cache.Abandon((RenderSlot)slot.Token!);

    public ValueTask DisposeAsync() => cache.DisposeAsync();
}
