using Akka.Actor;
using LumieraVault.Cluster.Files;
using LumieraVault.Files;
using LumieraVault.Frames;
using Xunit;

namespace LumieraVault.Cluster.Tests.Files;

/// <summary>
/// Two nodes: this one (render only, so it hosts no file actors) and a media node B. Each has a media root of its own, holding
/// different files: a frame of a file only B holds comes from B's file actor as copied bytes; a file this node holds is
/// served locally, zero-copy, without a message.
/// </summary>
public sealed class RemoteFramesSpec(RemoteFramesSpec.Nodes nodes) : IClassFixture<RemoteFramesSpec.Nodes>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly ActorSystem _a = nodes.A;
    private readonly string _rootA = nodes.RootA;
    private readonly string _rootB = nodes.RootB;

    /// <summary>The two nodes, started once for the spec's tests (each test uses files of its own).</summary>
    public sealed class Nodes : IAsyncLifetime
    {
        public string RootA { get; } = MediaNodes.NewRoot("a");
        public string RootB { get; } = MediaNodes.NewRoot("b");
        public ActorSystem A { get; private set; } = null!;
        public ActorSystem B { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            A = ClusterNodes.Start(MediaNodes.Config(RootA, "", "render"));
            B = ClusterNodes.Start(MediaNodes.Config(RootB, "", "media"), A);
            await MediaNodes.MembersUpAsync(A, 2, TimeSpan.FromSeconds(20));
            _ = ClusterVault.Get(A);
            _ = ClusterVault.Get(B);
        }

        public async Task DisposeAsync()
        {
            await Task.WhenAll(A.Terminate(), B.Terminate());
            MediaNodes.Delete(RootA);
            MediaNodes.Delete(RootB);
        }
    }

    [Fact]
    public async Task A_frame_asked_for_on_one_node_comes_from_the_file_actor_on_the_node_that_holds_it()
    {
        var bytes = MediaNodes.Write(_rootB, "clips/only-b.bin", 16 * 4096, 3);
        var vault = ClusterVault.Get(_a);
        var file = await vault.OpenAsync("clips/only-b.bin", FrameLayout.Fixed(4096)).WaitAsync(Wait);
        Assert.False(file.IsLocal);
        Assert.Equal(bytes.Length, file.Size);
        Assert.False(vault.TryGetFrame(file, 5, out _));
        long before = vault.Metrics.Requests;

        using (var frame = await vault.GetFrameAsync(file, 5).AsTask().WaitAsync(Wait))
        {
            Assert.False(frame.IsMapped);
            Assert.Equal(5 * 4096, frame.Offset);
            Assert.Same(file.Descriptor, frame.File);
            Assert.True(frame.Span.SequenceEqual(bytes.AsSpan(5 * 4096, 4096)));
        }
        var frames = await Task.WhenAll(Enumerable.Range(0, 16).Select(n => vault.GetFrameAsync(file, n).AsTask())).WaitAsync(Wait);
        for (int n = 0; n < frames.Length; n++)
        {
            using var frame = frames[n];
            Assert.True(frame.Span.SequenceEqual(bytes.AsSpan(n * 4096, 4096)));
        }
        Assert.Equal(before + 17, vault.Metrics.Requests);
        await vault.CloseAsync(file);
        Assert.True(file.IsClosed);
        var closed = await Assert.ThrowsAsync<VaultException>(() => vault.GetFrameAsync(file, 1).AsTask());
        Assert.Equal(VaultError.FileClosed, closed.Error);
    }

    [Fact]
    public async Task A_file_the_node_holds_is_served_locally_zero_copy_without_a_message()
    {
        var bytes = MediaNodes.Write(_rootA, "local.bin", 8 * 4096, 5);
        var vault = ClusterVault.Get(_a);
        long before = vault.Metrics.Requests;
        var file = await vault.OpenAsync(Path.Combine(_rootA, "local.bin"), FrameLayout.Fixed(4096)).WaitAsync(Wait);
        Assert.True(file.IsLocal);
        Assert.Equal("local.bin", file.Key);
        using (var frame = await vault.GetFrameAsync(file, 2).AsTask().WaitAsync(Wait))
        {
            Assert.True(frame.IsMapped);
            Assert.True(frame.Span.SequenceEqual(bytes.AsSpan(2 * 4096, 4096)));
        }
        Assert.True(vault.TryGetFrame(file, 3, out var fast));
        fast.Dispose();
        Assert.Equal(before, vault.Metrics.Requests);
        await vault.CloseAsync(file).WaitAsync(Wait);
    }

    [Fact]
    public async Task A_file_no_node_holds_is_answered_file_not_found_by_its_file_actor()
    {
        var error = await Assert.ThrowsAsync<VaultException>(() => ClusterVault.Get(_a).OpenAsync("nowhere/missing.bin").WaitAsync(Wait));
        Assert.Equal(VaultError.FileNotFound, error.Error);
    }

    [Theory]
    [InlineData("../outside.bin")]
    [InlineData("clips/../../outside.bin")]
    [InlineData("/etc/passwd")]
    public async Task A_path_that_leads_out_of_the_media_root_is_refused(string path)
    {
        var error = await Assert.ThrowsAsync<VaultException>(() => ClusterVault.Get(_a).OpenAsync(path));
        Assert.Equal(VaultError.InvalidArgument, error.Error);
        Assert.Contains("media-root", error.Message);
    }

    [Fact]
    public async Task A_frame_past_the_end_of_a_remote_file_is_out_of_range()
    {
        MediaNodes.Write(_rootB, "short.bin", 4096, 1);
        var vault = ClusterVault.Get(_a);
        var file = await vault.OpenAsync("short.bin", FrameLayout.Fixed(4096)).WaitAsync(Wait);
        var error = await Assert.ThrowsAsync<VaultException>(() => vault.GetFrameAsync(file, 1).AsTask());
        Assert.Equal(VaultError.OutOfRange, error.Error);
    }

    [Fact]
    public async Task A_request_on_a_node_that_shut_down_is_answered_vault_stopped()
    {
        MediaNodes.Write(_rootB, "late.bin", 4 * 4096, 1);
        string rootC = MediaNodes.NewRoot("c");
        var c = ClusterNodes.Start(MediaNodes.Config(rootC, "", "render"), _a);
        try
        {
            var vault = ClusterVault.Get(c);
            var file = await vault.OpenAsync("late.bin", FrameLayout.Fixed(4096)).WaitAsync(TimeSpan.FromSeconds(20));
            await c.Terminate();
            var error = await Assert.ThrowsAsync<VaultException>(() => vault.GetFrameAsync(file, 1).AsTask().WaitAsync(Wait));
            Assert.Equal(VaultError.VaultStopped, error.Error);
        }
        finally
        {
            await c.Terminate();
            MediaNodes.Delete(rootC);
        }
    }

    [Fact]
    public async Task A_file_a_node_outside_any_cluster_does_not_hold_is_not_found_at_once()
    {
        using var alone = ActorSystem.Create("alone", Hosting.ClusterConfig.Complete(Akka.Configuration.ConfigurationFactory.ParseString(
            $"lumiera.cluster.files.media-root = {Hosting.ClusterConfig.Quote(_rootA)}")));
        var error = await Assert.ThrowsAsync<VaultException>(() => ClusterVault.Get(alone).OpenAsync("elsewhere.bin").WaitAsync(Wait));
        Assert.Equal(VaultError.FileNotFound, error.Error);
    }

    [Fact]
    public async Task A_request_for_a_file_whose_identity_differs_on_the_serving_node_is_answered_file_changed()
    {
        MediaNodes.Write(_rootB, "edited.bin", 4 * 4096, 1);
        var vault = ClusterVault.Get(_a);
        var file = await vault.OpenAsync("edited.bin", FrameLayout.Fixed(4096)).WaitAsync(Wait);
        var answer = await vault.Region.Ask<RequestFailed>(
            new ReadFrame(1, "edited.bin", file.Size + 4096, file.ModifiedTicks, 0, 4096, 5000, false, FramePriority.AsSoonAsPossible), Wait);
        Assert.Equal(VaultError.FileChanged, answer.Error);
        Assert.Contains("edited.bin", answer.Message);
    }

    [Fact]
    public async Task The_plain_vault_of_a_cluster_node_reads_a_file_another_node_holds_through_the_same_calls()
    {
        var bytes = MediaNodes.Write(_rootB, "clips/through-vault.bin", 8 * 4096, 11);
        var vault = Vault.Get(_a);
        // The code of a single machine: a path on this node's mount of the store, Vault.OpenAsync and GetFrameAsync.
        var file = await vault.OpenAsync(Path.Combine(_rootA, "clips", "through-vault.bin"), FileOpenMode.Read, FrameLayout.Fixed(4096)).WaitAsync(Wait);
        Assert.True(file.IsRemote);
        Assert.Equal(bytes.Length, file.Size);
        Assert.Equal(8, file.FrameCount);
        Assert.False(vault.TryGetFrame(file, 2, out _));

        using (var frame = await vault.GetFrameAsync(file, 2).AsTask().WaitAsync(Wait))
        {
            Assert.False(frame.IsMapped);
            Assert.Same(file, frame.File);
            Assert.True(frame.Span.SequenceEqual(bytes.AsSpan(2 * 4096, 4096)));
        }
        var past = await Assert.ThrowsAsync<VaultException>(() => vault.GetFrameAsync(file, 8).AsTask().WaitAsync(Wait));
        Assert.Equal(VaultError.OutOfRange, past.Error);
        var write = await Assert.ThrowsAsync<VaultException>(() => vault.GetFrameAsync(file, 1, default, FrameAccess.ReadWrite).AsTask().WaitAsync(Wait));
        Assert.Equal(VaultError.ReadOnlyFile, write.Error);
        await vault.FlushAsync(file).WaitAsync(Wait);

        await vault.CloseAsync(file).WaitAsync(Wait);
        var closed = await Assert.ThrowsAsync<VaultException>(() => vault.GetFrameAsync(file, 1).AsTask().WaitAsync(Wait));
        Assert.Equal(VaultError.FileClosed, closed.Error);
    }

    [Fact]
    public async Task The_plain_vault_of_a_cluster_node_still_reports_a_file_no_node_holds_as_not_found()
    {
        var vault = Vault.Get(_a);
        var missing = await Assert.ThrowsAsync<VaultException>(() => vault.OpenAsync(Path.Combine(_rootA, "clips", "nowhere.bin")).WaitAsync(Wait));
        Assert.Equal(VaultError.FileNotFound, missing.Error);
        // Outside the media root, and files written or made by the vault itself, never leave this machine.
        string outside = Path.Combine(Path.GetTempPath(), "lumiera-not-shared-" + Guid.NewGuid().ToString("N") + ".bin");
        var local = await Assert.ThrowsAsync<VaultException>(() => vault.OpenAsync(outside).WaitAsync(Wait));
        Assert.Equal(VaultError.FileNotFound, local.Error);
        var cache = await Assert.ThrowsAsync<VaultException>(() => vault.OpenAsync(Path.Combine(_rootA, "clips", "nowhere.lvc"), FileOpenMode.Read, null, FileUse.RenderCache).WaitAsync(Wait));
        Assert.Equal(VaultError.FileNotFound, cache.Error);
    }
}
