using Akka.Actor;
using LumieraVault.Cluster.Files;
using LumieraVault.Files;
using LumieraVault.Frames;
using Xunit;
using Xunit.Abstractions;

namespace LumieraVault.Cluster.Tests.Files;

/// <summary>
/// Three nodes: the first (render only) asks; media nodes B and C see one shared media root, B first, C joining later. Nodes
/// that die, join and leave while requests are in flight: every request is answered before its deadline, with the frame
/// (sent again to the node that holds the file now) or with a named failure.
/// </summary>
public sealed class NodeLossSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private const int FrameSize = 4096;
    private readonly string _shared = MediaNodes.NewRoot("shared");
    private readonly string _rootA = MediaNodes.NewRoot("asker");
    private ActorSystem _a = null!;
    private ActorSystem _b = null!;
    private ActorSystem _c = null!;

    public Task InitializeAsync()
    {
        _a = ClusterNodes.Start(MediaNodes.Config(_rootA, "", "render"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_a.Terminate(), _b?.Terminate() ?? Task.CompletedTask, _c?.Terminate() ?? Task.CompletedTask);
        MediaNodes.Delete(_shared);
        MediaNodes.Delete(_rootA);
    }

    [Fact]
    public async Task A_node_that_dies_mid_request_leaves_no_request_unanswered_and_a_surviving_node_takes_its_files()
    {
        var bytes = MediaNodes.Write(_shared, "clip.bin", 64 * FrameSize, 9);
        // B dies rather than leaving: stopping its actor system skips the graceful exit from the cluster.
        _b = ClusterNodes.Start(MediaNodes.Config(_shared, "akka.coordinated-shutdown.run-by-actor-system-terminate = off", "media"), _a);
        await MediaNodes.MembersUpAsync(_a, 2, TimeSpan.FromSeconds(20));
        var vault = ClusterVault.Get(_a);
        var file = await vault.OpenAsync("clip.bin", FrameLayout.Fixed(FrameSize)).WaitAsync(TimeSpan.FromSeconds(10));
        using (var first = await vault.GetFrameAsync(file, 0).AsTask().WaitAsync(TimeSpan.FromSeconds(10)))
            Assert.True(first.Span.SequenceEqual(bytes.AsSpan(0, FrameSize)));

        // C joins after the file's actor was placed on B, so the actor is B's; C takes it over when B is gone.
        _c = ClusterNodes.Start(MediaNodes.Config(_shared, "", "media"), _a);
        _ = ClusterVault.Get(_c);
        await MediaNodes.MembersUpAsync(_a, 3, TimeSpan.FromSeconds(20));

        // Requests before, during and after B's death: B answers none that reach it after it stopped.
        var now = _a.Scheduler.Now;
        var patient = Enumerable.Range(0, 20).Select(n => Ask(vault, file, n, new FrameHints(now + TimeSpan.FromSeconds(20)))).ToList();
        var dying = _b.Terminate();
        patient.AddRange(Enumerable.Range(20, 20).Select(n => Ask(vault, file, n, new FrameHints(now + TimeSpan.FromSeconds(20)))));
        await dying;
        now = _a.Scheduler.Now;
        patient.AddRange(Enumerable.Range(40, 20).Select(n => Ask(vault, file, n, new FrameHints(now + TimeSpan.FromSeconds(20)))));
        var hurried = Enumerable.Range(0, 10).Select(n => Ask(vault, file, n, new FrameHints(now + TimeSpan.FromMilliseconds(700)))).ToList();

        var outcomes = await Task.WhenAll(patient.Concat(hurried)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(outcomes, o => Assert.True(o.Error is null or VaultError.NodeUnreachable, $"unexpected outcome {o}"));
        Assert.All(outcomes, o => Assert.True(o.Late <= TimeSpan.FromSeconds(1), $"answered {o.Late} after its deadline"));
        Assert.All(outcomes.Where(o => o.Error is null), o => Assert.True(o.Correct));
        output.WriteLine($"{outcomes.Count(o => o.Error is null)} frames, {outcomes.Count(o => o.Error is not null)} unreachable, {vault.Metrics.Retries} retries");
        Assert.All(outcomes.Take(60), o => Assert.Null(o.Error));
        Assert.All(outcomes.Skip(60), o => Assert.Equal(VaultError.NodeUnreachable, o.Error));
        Assert.True(vault.Metrics.Retries > 0);

        var after = await Ask(vault, file, 63, new FrameHints(_a.Scheduler.Now + TimeSpan.FromSeconds(10)));
        Assert.Null(after.Error);
        Assert.True(after.Correct);

        async Task<Outcome> Ask(ClusterVault v, ClusterFile f, long n, FrameHints hints)
        {
            try
            {
                using var frame = await v.GetFrameAsync(f, n, hints);
                return new Outcome(null, _a.Scheduler.Now - hints.Deadline!.Value, frame.Span.SequenceEqual(bytes.AsSpan((int)n * FrameSize, FrameSize)));
            }
            catch (VaultException e)
            {
                return new Outcome(e.Error, _a.Scheduler.Now - hints.Deadline!.Value, false);
            }
        }
    }

    [Fact]
    public async Task A_node_that_joins_takes_files_over_and_a_node_that_leaves_hands_its_files_on_with_every_request_answered()
    {
        const string quickRebalance = "akka.cluster.sharding.rebalance-interval = 300ms";
        var files = Enumerable.Range(0, 8).Select(i => MediaNodes.Write(_shared, $"take/f{i}.bin", 8 * FrameSize, i)).ToArray();
        _b = ClusterNodes.Start(MediaNodes.Config(_shared, quickRebalance, "media"), _a);
        await MediaNodes.MembersUpAsync(_a, 2, TimeSpan.FromSeconds(20));
        var vault = ClusterVault.Get(_a);
        var opened = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => vault.OpenAsync($"take/f{i}.bin", FrameLayout.Fixed(FrameSize)))).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(opened, f => Assert.False(f.IsLocal));
        await ReadAll(0);

        _c = ClusterNodes.Start(MediaNodes.Config(_shared, quickRebalance, "media"), _a);
        await MediaNodes.MembersUpAsync(_a, 3, TimeSpan.FromSeconds(20));
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (await ShardsOn(_c) == 0)
        {
            Assert.True(DateTime.UtcNow < until, "the joining node took no file over");
            await ReadAll(1);
        }

        var now = _a.Scheduler.Now;
        var pending = Enumerable.Range(0, 32).Select(n => Read(n % 8, n / 8, now + TimeSpan.FromSeconds(20))).ToList();
        Akka.Cluster.Cluster.Get(_b).Leave(Akka.Cluster.Cluster.Get(_b).SelfAddress);
        pending.AddRange(Enumerable.Range(0, 32).Select(n => Read(n % 8, n / 8 + 4, now + TimeSpan.FromSeconds(20))));
        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(30));
        until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (Akka.Cluster.Cluster.Get(_a).State.Members.Count > 2 || !_b.WhenTerminated.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < until, "the leaving node was not removed");
            await Task.Delay(50);
        }
        await ReadAll(7);
        var extractor = new FileMessageExtractor(8);
        Assert.Equal(opened.Select(f => extractor.ShardId(f.Key)).Distinct().Count(), await ShardsOn(_c));

        async Task ReadAll(int n) => await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Read(i, n, _a.Scheduler.Now + TimeSpan.FromSeconds(10)))).WaitAsync(TimeSpan.FromSeconds(20));

        async Task Read(int file, int n, DateTimeOffset deadline)
        {
            using var frame = await vault.GetFrameAsync(opened[file], n, new FrameHints(deadline));
            Assert.True(frame.Span.SequenceEqual(files[file].AsSpan(n * FrameSize, FrameSize)));
        }

        static async Task<int> ShardsOn(ActorSystem node)
        {
            var state = await ClusterVault.Get(node).Region.Ask<Akka.Cluster.Sharding.CurrentShardRegionState>(
                Akka.Cluster.Sharding.GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
            return state.Shards.Count;
        }
    }

    private sealed record Outcome(VaultError? Error, TimeSpan Late, bool Correct);
}
