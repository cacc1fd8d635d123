using Akka.Actor;
using Akka.Configuration;
using LumieraVault.Frames;
using LumieraVault.Rendering;
using LumieraVault.Rendering.Cache;
using Xunit;
using Xunit.Sdk;

namespace LumieraVault.Tests.Rendering;

/// <summary>What the render cache specs share: a vault config, frames with known bytes, and actor systems to restart into.</summary>
public static class RenderCacheProbe
{
    /// <summary>A vault with room for many small windows: the specs' segments are a few KiB.</summary>
    public static readonly string VaultConfig = VaultProbe.Config("16 MiB", "64 KiB");

    public static FrameKey Key(int n) => FrameKey.Of("render-cache-spec", n);

    /// <summary>The bytes a render of frame <paramref name="n"/> writes: distinct for every frame and every offset.</summary>
    public static byte Rendered(int n, int i) => (byte)(i * 31 + n * 101 + 7);

    public static void Render(Span<byte> into, int n)
    {
        for (int i = 0; i < into.Length; i++) into[i] = Rendered(n, i);
    }

    public static void AssertRendered(ReadOnlySpan<byte> bytes, int n, int length)
    {
        Assert.Equal(length, bytes.Length);
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != Rendered(n, i)) throw new XunitException($"Byte {i} of frame {n} is {bytes[i]}, expected {Rendered(n, i)}.");
        }
    }

    /// <summary>Renders frame <paramref name="n"/> into a slot and commits it; the readonly frame the commit gives is disposed.</summary>
    public static async Task PutAsync(this RenderCache cache, int n, int length)
    {
        var slot = await cache.ReserveAsync(Key(n), length).Answered();
        Render(slot.Frame.WritableSpan, n);
        using var frame = await cache.CommitAsync(slot).Answered();
        AssertRendered(frame.Span, n, length);
    }

    /// <summary>Asserts that frame <paramref name="n"/> is served with its rendered bytes.</summary>
    public static async Task AssertCachedAsync(this RenderCache cache, int n, int length)
    {
        var frame = await cache.TryGetAsync(Key(n)).Answered();
        Assert.True(frame.HasValue, $"Frame {n} should be cached.");
        using var f = frame.Value;
        Assert.Equal(FrameAccess.ReadOnly, f.Access);
        AssertRendered(f.Span, n, length);
    }

    public static async Task AssertNotCachedAsync(this RenderCache cache, int n)
    {
        var frame = await cache.TryGetAsync(Key(n)).Answered();
        if (frame is { } f)
        {
            f.Dispose();
            throw new XunitException($"Frame {n} should not be cached.");
        }
    }

    /// <summary>Asserts that the task failed with the named error.</summary>
    public static async Task<VaultException> FailsWith<T>(this Task<T> task, VaultError error)
    {
        var e = await Assert.ThrowsAnyAsync<VaultException>(() => task.Answered());
        Assert.True(error == e.Error, $"Expected {error}, got {e.Error}: {e.Message}");
        return e;
    }

    /// <summary>A fresh actor system with the specs' vault config, as a restarted editor would make.</summary>
    public static ActorSystem NewSystem(string name) => ActorSystem.Create(name, ConfigurationFactory.ParseString(VaultConfig));

    /// <summary>The segment files of the cache folder, oldest first.</summary>
    public static string[] Segments(string folder) => Directory.GetFiles(folder, "segment-*.lvc").Order(StringComparer.Ordinal).ToArray();
}
