using Akka.Actor;
using LumieraVault.Rendering;
using LumieraVault.Rendering.Cache;
using Xunit;

namespace LumieraVault.Tests.Rendering;

public sealed class RenderStoreSpec : SchedulerSpecBase
{
    [Fact]
    public async Task RenderedFramesSurviveARestartOfTheActorSystemAndAreServedWithoutRendering()
    {
        var before = new RecordingRenderer("title:Hello", length: 5000);
        foreach (long t in new long[] { 1, 2, 3 }) (await Render.GetFrameAsync(before, t).Answered()).Dispose();
        Assert.Equal(3, before.TotalRenders);
        await Sys.Terminate();

        using var again = ActorSystem.Create("restarted", Config(Temp));
        try
        {
            var render = RenderService.Get(again);
            var after = new RecordingRenderer("title:Hello", length: 5000);
            foreach (long t in new long[] { 1, 2, 3 })
            {
                using var frame = await render.GetFrameAsync(after, t).Answered();
                after.AssertFrame(frame, t);
            }
            Assert.Equal(0, after.TotalRenders);
            using (var fresh = await render.GetFrameAsync(after, 4).Answered()) after.AssertFrame(fresh, 4);
            Assert.Equal(1, after.TotalRenders);
        }
        finally
        {
            await again.Terminate();
        }
    }

    [Fact]
    public async Task TheSchedulerRendersIntoTheRenderCacheOfTheConfiguredFolder()
    {
        var r = new RecordingRenderer("r", length: 1000);
        (await Render.GetFrameAsync(r, 1).Answered()).Dispose();
        (await Render.GetFrameAsync(r, 1).Answered()).Dispose();
        Assert.Equal(1, r.Renders(1));
        Assert.True(Directory.EnumerateFiles(Temp.File("render-cache")).Any(f => f.EndsWith("index.log", StringComparison.Ordinal)),
            "the render cache's index is in the configured folder");
        var options = RenderCacheOptions.FromConfig(Sys.Settings.Config);
        Assert.Equal(Temp.File("render-cache"), options.Folder);
    }
}

public sealed class RenderStoreOpenSpec : SchedulerSpecBase
{
    [Fact]
    public async Task TheRenderCacheIsOpenedWhenTheServiceStartsBeforeAnyRequest()
    {
        await Render.StoreAsync().Answered();
        Assert.True(File.Exists(Path.Combine(Temp.File("render-cache"), "index.log")), "the render cache's index exists before the first render");
    }

    [Fact]
    public async Task RequestsThatArriveWhileTheStoreIsOpeningAreAnsweredOnceItIsOpen()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ((ExtendedActorSystem)Sys).RegisterExtension(new RenderServiceExtensionId(async system =>
        {
            await open.Task;
            return await RenderCacheStore.OpenAsync(system);
        }));
        var r = new RecordingRenderer("r", length: 1000);
        var first = Render.GetFrameAsync(r, 1);
        var second = Render.GetFrameAsync(r, 2);
        await SettleAsync();
        Assert.False(first.IsCompleted || second.IsCompleted, "nothing is answered before the store is open");
        open.SetResult();
        using (var frame = await first.Answered()) r.AssertFrame(frame, 1);
        using (var frame = await second.Answered()) r.AssertFrame(frame, 2);
    }
}

public sealed class RenderEstimateSpec
{
    private static RenderNode NodeAfter(params double[] milliseconds)
    {
        var node = new RenderNode(new RecordingRenderer("estimate"));
        foreach (double ms in milliseconds) node.Record(TimeSpan.FromMilliseconds(ms), 1);
        return node;
    }

    [Fact]
    public void TheFirstRenderWhichPaysForTheColdStartDoesNotCountTowardsTheEstimate()
    {
        Assert.Equal(TimeSpan.Zero, NodeAfter(250).Estimate);
        Assert.Equal(TimeSpan.FromMilliseconds(2), NodeAfter(250, 2).Estimate);
    }

    [Fact]
    public void ASingleOutlierLaterOnDoesNotMoveTheEstimate()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(2), NodeAfter(250, 2, 2, 90, 2).Estimate);
    }

    [Fact]
    public void TheEstimateFollowsARendererWhoseCostChangesWithinAFewFrames()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(8), NodeAfter(1, 2, 2, 2, 2, 2, 8, 8, 8).Estimate);
    }

    [Fact]
    public void TheStatisticsCountEveryFrameIncludingTheFirst()
    {
        var node = NodeAfter(250, 2);
        Assert.Equal(2, node.Rendered);
        Assert.Equal(TimeSpan.FromMilliseconds(252), node.RenderTime);
    }
}
