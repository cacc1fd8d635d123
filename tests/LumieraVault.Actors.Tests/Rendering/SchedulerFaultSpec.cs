using LumieraVault.Frames;
using LumieraVault.Rendering;
using Xunit;

namespace LumieraVault.Tests.Rendering;

public sealed class SchedulerFaultSpec : SchedulerSpecBase
{
    [Fact]
    public async Task ARendererThatThrowsFailsItsRequestersWithRenderFailedAndTheSchedulerGoesOn()
    {
        var bad = new ThrowingRenderer();
        var first = Render.GetFrameAsync(bad, 1);
        var merged = Render.GetFrameAsync(bad, 1);
        var e = await first.FailsWith(VaultError.RenderFailed);
        Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Contains("throws", e.Message);
        await merged.FailsWith(VaultError.RenderFailed);
        var r = new RecordingRenderer("r");
        var frame = await Render.GetFrameAsync(r, 3).Answered();
        r.AssertFrame(frame, 3);
        frame.Dispose();
        Assert.Equal(1, (await Render.GetStatisticsAsync()).Failed);
    }

    [Fact]
    public async Task BadRenderersAndRequestsGetNamedErrors()
    {
        await Render.GetFrameAsync("nobody", 1).FailsWith(VaultError.InvalidArgument);
        await Render.GetFrameAsync(new RecordingRenderer("zero", length: 0), 1).FailsWith(VaultError.InvalidArgument);
        Render.Register(new RecordingRenderer("twin"));
        await Render.GetFrameAsync(new RecordingRenderer("twin"), 1).FailsWith(VaultError.InvalidArgument);
        await Render.GetFrameAsync(new RecordingRenderer(""), 1).FailsWith(VaultError.InvalidArgument);
        (await Render.GetFrameAsync("twin", 1).Answered()).Dispose();
    }

    [Fact]
    public async Task TheSecondRequestForAFrameIsServedFromTheStoreWithoutRendering()
    {
        var r = new RecordingRenderer("r", length: 300_000);
        using (var first = await Render.GetFrameAsync(r, 5).Answered()) r.AssertFrame(first, 5);
        using (var second = await Render.GetFrameAsync(r, 5).Answered()) r.AssertFrame(second, 5);
        Assert.Equal(1, r.Renders(5));
    }

    [Fact]
    public async Task EveryWaitingRequestIsAnsweredWhenTheSystemShutsDown()
    {
        var (_, held) = await HoldTheWorkerAsync();
        var r = new RecordingRenderer("r");
        var queued = Enumerable.Range(1, 5).Select(t => Render.GetFrameAsync(r, t)).ToArray();
        await SettleAsync();
        await Sys.Terminate();
        foreach (var request in queued.Append(held)) await request.FailsWith(VaultError.VaultStopped);
        await Render.GetFrameAsync(r, 9).FailsWith(VaultError.VaultStopped);
    }
}
