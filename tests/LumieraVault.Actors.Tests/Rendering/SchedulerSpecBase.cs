using Akka.TestKit;
using Akka.TestKit.Xunit2;
using LumieraVault.Frames;
using LumieraVault.Rendering;

namespace LumieraVault.Tests.Rendering;

/// <summary>
/// A TestKit with a vault and a render service on virtual time. The scheduler's deadlines and time limits move only
/// when a spec advances the TestScheduler, after <see cref="SettleAsync"/> has made sure the scheduler saw everything.
/// </summary>
public abstract class SchedulerSpecBase : TestKit, IDisposable
{
    protected readonly TempFolder Temp;

    protected SchedulerSpecBase(int workers = 1, string timeout = "2s", string extra = "", string? name = null)
        : this(new TempFolder(), workers, timeout, extra, name)
    {
    }

    private SchedulerSpecBase(TempFolder temp, int workers, string timeout, string extra, string? name)
        : base(Config(temp, workers, timeout, extra), name)
    {
        Temp = temp;
    }

    /// <summary>A vault, a scheduler with <paramref name="workers"/> workers on virtual time, and a render cache in the spec's temp folder.</summary>
    protected static string Config(TempFolder temp, int workers = 1, string timeout = "2s", string extra = "")
        => VaultProbe.Config("16 MiB", "256 KiB",
            VaultProbe.VirtualTime
            + $"lumiera.vault.scheduler {{ workers = {workers}\n job-timeout = {timeout} }}\n"
            + $"lumiera.vault.render-cache {{ folder = \"{temp.File("render-cache")}\"\n segment-bytes = 4 MiB }}\n"
            + extra);

    protected RenderService Render => RenderService.Get(Sys);

    protected TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    protected DateTimeOffset In(int milliseconds) => Sys.Scheduler.Now + TimeSpan.FromMilliseconds(milliseconds);

    /// <summary>Waits until the scheduler handled every message sent to it so far (a statistics round trip).</summary>
    protected Task SettleAsync() => Render.GetStatisticsAsync();

    /// <summary>Holds the only worker with a gate renderer until the spec opens it.</summary>
    protected async Task<(GateRenderer Gate, ValueTask<Frame> Held)> HoldTheWorkerAsync()
    {
        var gate = new GateRenderer();
        var held = Render.GetFrameAsync(gate, 0);
        await gate.Entered.Task.WaitAsync(VaultProbe.Patience);
        return (gate, held);
    }

    /// <summary>Awaits every request and disposes its frame.</summary>
    protected static async Task AllRendered(params ValueTask<Frame>[] requests)
    {
        foreach (var request in requests) (await request.Answered()).Dispose();
    }

    public new void Dispose()
    {
        base.Dispose();
        Temp.Dispose();
    }
}
