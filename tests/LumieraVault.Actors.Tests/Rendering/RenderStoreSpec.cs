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
