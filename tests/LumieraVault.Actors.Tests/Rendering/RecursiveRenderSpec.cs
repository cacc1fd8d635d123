using LumieraVault.Rendering;
using Xunit;

namespace LumieraVault.Tests.Rendering;

public sealed class RecursiveRenderSpec : SchedulerSpecBase
{
    [Fact]
    public async Task AFrameThreeDependenciesDeepRendersEachLevelOnceEvenWithOneWorker()
    {
        var source = new RecordingRenderer("source");
        var blur = new DependentRenderer("blur", () => source);
        var grade = new DependentRenderer("grade", () => blur);
        using (var frame = await Render.GetFrameAsync(grade, 4).Answered())
        {
            var span = frame.Span;
            int seed = RecordingRenderer.Seed("source");
            for (int i = 0; i < span.Length; i++) Assert.Equal((byte)(RecordingRenderer.Pattern(seed, 4, i) + 2), span[i]);
        }
        Assert.Equal(1, grade.Renders(4));
        Assert.Equal(1, blur.Renders(4));
        Assert.Equal(1, source.Renders(4));
        // Each level went to the store: the middle one is served without rendering anything again.
        (await Render.GetFrameAsync(blur, 4).Answered()).Dispose();
        Assert.Equal(1, blur.Renders(4));
        Assert.Equal(1, source.Renders(4));
    }

    [Fact]
    public async Task ADependencyCycleIsRefusedWithRenderCycleNotAHang()
    {
        IRenderer? b = null;
        var a = new DependentRenderer("a", () => b!);
        b = new DependentRenderer("b", () => a);
        var e = await Render.GetFrameAsync(a, 1).FailsWith(VaultError.RenderCycle);
        Assert.Contains("cycle", e.Message);
        IRenderer? self = null;
        self = new DependentRenderer("self", () => self!);
        await Render.GetFrameAsync(self, 1).FailsWith(VaultError.RenderCycle);
        // Nothing is left waiting: the worker is free for the next job.
        var r = new RecordingRenderer("r");
        (await Render.GetFrameAsync(r, 1).Answered()).Dispose();
        Assert.Equal(0, (await Render.GetStatisticsAsync()).Busy);
    }

    [Fact]
    public async Task ACycleThroughAJobAnotherRequestStartedIsRefusedToo()
    {
        // The second end of the cycle is queued by a request of its own; the first end's dependency merges into it.
        IRenderer? b = null;
        var a = new DependentRenderer("a", () => b!);
        b = new DependentRenderer("b", () => a);
        var fromA = Render.GetFrameAsync(a, 2);
        var fromB = Render.GetFrameAsync(b, 2);
        await fromA.FailsWith(VaultError.RenderCycle);
        await fromB.FailsWith(VaultError.RenderCycle);
    }
}
