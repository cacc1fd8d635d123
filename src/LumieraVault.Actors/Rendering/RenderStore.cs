using LumieraVault.Frames;

namespace LumieraVault.Rendering;

/// <summary>A reserved place for one frame and the readwrite frame to render into.</summary>
/// <param name="Key">The frame's key.</param>
/// <param name="Frame">The readwrite frame to write.</param>
/// <param name="Token">What the store needs to commit or abandon the place.</param>
internal readonly record struct StoreSlot(FrameKey Key, Frame Frame, object? Token);

/// <summary>
/// Where rendered frames live, as the scheduler uses it: look a key up, reserve a place, render into it, share it with
/// the requesters, commit it.
/// A slot is committed or abandoned only after its render call has returned, so no renderer (not even one the time
/// limit gave up on) can write into a place that is given to another frame.
/// </summary>
internal interface IRenderStore : IAsyncDisposable
{
    /// <summary>The cached frame, readonly and verified, or null.</summary>
    ValueTask<Frame?> TryGetAsync(FrameKey key, FrameHints hints);

    /// <summary>A place of <paramref name="length"/> bytes for the frame.</summary>
    ValueTask<StoreSlot> ReserveAsync(FrameKey key, int length, FrameHints hints);

    /// <summary>
    /// True when a commit is work in memory only (nothing to wait for): the worker then commits before it answers,
    /// rather than sharing the bytes and committing in the background, which costs the scheduler a second message.
    /// </summary>
    bool CommitsAtOnce { get; }

    /// <summary>
    /// A readonly frame of the slot's rendered bytes before the commit, for the requesters of the job that rendered it.
    /// It stays valid whatever the commit does; lookups do not find the frame until it is committed.
    /// </summary>
    ValueTask<Frame> ShareAsync(StoreSlot slot);

    /// <summary>Makes the slot's frame the cached frame of its key and returns it readonly.</summary>
    ValueTask<Frame> CommitAsync(StoreSlot slot);

    /// <summary>Gives the slot up (the render failed).</summary>
    void Abandon(StoreSlot slot);
}
