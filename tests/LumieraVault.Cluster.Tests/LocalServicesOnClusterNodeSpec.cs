using LumieraVault.Files;
using LumieraVault.Frames;
using LumieraVault.Rendering;
using Xunit;

namespace LumieraVault.Cluster.Tests;

/// <summary>
/// The vault and the render scheduler work unchanged on a cluster node whose every message is serialized
/// (<c>serialize-messages = on</c>): their own messages stay in the process and are answered.
/// </summary>
public sealed class LocalServicesOnClusterNodeSpec : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lumiera-cluster-local-").FullName;

    public LocalServicesOnClusterNodeSpec()
        : base(ClusterNodes.NodeConfig("lumiera.vault.scheduler.store = scratch\n"), ClusterNodes.SystemName) { }

    [Fact]
    public async Task A_frame_that_misses_the_fast_path_is_answered()
    {
        var path = Path.Combine(_folder, "clip.bin");
        var bytes = Enumerable.Range(0, 4 * 4096).Select(i => (byte)(i * 7)).ToArray();
        await File.WriteAllBytesAsync(path, bytes);
        var vault = Vault.Get(Sys);
        var file = await vault.OpenAsync(path, FileOpenMode.Read, FrameLayout.Fixed(4096));

        using (var frame = await vault.GetFrameAsync(file, 2).AsTask().WaitAsync(TimeSpan.FromSeconds(10)))
            Assert.True(frame.Span.SequenceEqual(bytes.AsSpan(2 * 4096, 4096)));

        var error = await Assert.ThrowsAsync<VaultException>(() => vault.GetFrameAsync(file, 9).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(VaultError.OutOfRange, error.Error);
        await vault.CloseAsync(file).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_rendered_frame_is_answered()
    {
        var renderer = new CountingRenderer();
        using var frame = await RenderService.Get(Sys).GetFrameAsync(renderer, 5).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(frame.Span.ToArray(), b => Assert.Equal(5, b));
        Assert.Equal(1, renderer.Calls);
    }

    public new void Dispose()
    {
        base.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    private sealed class CountingRenderer : IRenderer
    {
        private int _calls;
        public int Calls => Volatile.Read(ref _calls);
        public string Id => "counting";
        public int FrameLength(long time) => 256;

        public ValueTask RenderAsync(RenderContext context, CancellationToken cancellation)
        {
            Interlocked.Increment(ref _calls);
            context.Target.Fill((byte)context.Time);
            return ValueTask.CompletedTask;
        }
    }
}
