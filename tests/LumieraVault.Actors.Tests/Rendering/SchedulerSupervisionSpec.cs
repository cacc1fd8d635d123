using System.Diagnostics.Metrics;
using Akka.Actor;
using LumieraVault.Rendering;
using LumieraVault.Statistics;
using Xunit;

namespace LumieraVault.Tests.Rendering;

public sealed class SchedulerSupervisionSpec : SchedulerSpecBase
{
    // A name of its own: the meter tags measurements with the actor system's name, and TestKit systems are all "test".
    public SchedulerSupervisionSpec() : base(name: "scheduler-spec-" + Guid.NewGuid().ToString("N"))
    {
    }

    [Fact]
    public async Task ASchedulerThatCrashesIsRestartedWithItsQueuedAndRunningJobsKept()
    {
        var (gate, held) = await HoldTheWorkerAsync();
        var r = new RecordingRenderer("r");
        var queued = new[] { Render.GetFrameAsync(r, 1), Render.GetFrameAsync(r, 2) };
        await SettleAsync();
        var scheduler = Render.Scheduler;
        Watch(scheduler);
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => scheduler.Tell(new SchedulerProtocol.Fault("injected")));
        var after = Render.GetFrameAsync(r, 3);
        gate.Open.SetResult();
        await AllRendered([held, .. queued, after]);
        Assert.Equal([1L, 2, 3], r.Order.ToArray());
        ExpectNoMsg(TimeSpan.FromMilliseconds(50)); // not Terminated: restarted in place
    }

    [Fact]
    public async Task JobCountsQueueLengthAndTimesArePublishedThroughTheMeter()
    {
        var renderTimes = new List<string>();
        int readyTimes = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == VaultMetrics.MeterName && instrument.Name.StartsWith("lumiera.vault.render.", StringComparison.Ordinal)) l.EnableMeasurementEvents(instrument);
        };
        var counts = new Dictionary<string, double>();
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) =>
        {
            if (Mine(tags)) lock (counts) counts[i.Name] = v;
        });
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) =>
        {
            if (!Mine(tags)) return;
            lock (counts)
            {
                if (i.Name == "lumiera.vault.render.duration") renderTimes.Add(Tag(tags, "renderer"));
                if (i.Name == "lumiera.vault.render.ready.duration") readyTimes++;
            }
        });
        listener.Start();

        var (gate, held) = await HoldTheWorkerAsync();
        var r = new RecordingRenderer("r");
        var requests = new[] { Render.GetFrameAsync(r, 1), Render.GetFrameAsync(r, 1), Render.GetFrameAsync(r, 2) };
        await SettleAsync();
        listener.RecordObservableInstruments();
        Assert.Equal(2, counts["lumiera.vault.render.queue.length"]);
        gate.Open.SetResult();
        await AllRendered([held, .. requests]);
        await Render.GetFrameAsync(new ThrowingRenderer(), 1).FailsWith(VaultError.RenderFailed);
        listener.RecordObservableInstruments();

        Assert.Equal(4, counts["lumiera.vault.render.jobs.queued"]);
        Assert.Equal(4, counts["lumiera.vault.render.jobs.started"]);
        Assert.Equal(1, counts["lumiera.vault.render.jobs.merged"]);
        Assert.Equal(1, counts["lumiera.vault.render.jobs.failed"]);
        Assert.Equal(0, counts["lumiera.vault.render.jobs.dropped"]);
        Assert.Equal(0, counts["lumiera.vault.render.queue.length"]);
        lock (counts)
        {
            Assert.Equal(4, readyTimes);
            Assert.Equal(2, renderTimes.Count(t => t == "r"));
            Assert.Contains("gate", renderTimes);
        }
        var report = (await Render.GetStatisticsAsync()).ToReport();
        foreach (var word in new[] { "Workers", "merged 1", "failed 1", "Ready time", "r  2 frames" }) Assert.Contains(word, report);
    }

    private bool Mine(ReadOnlySpan<KeyValuePair<string, object?>> tags) => Tag(tags, "vault") == Sys.Name;

    private static string Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key) return tag.Value as string ?? "";
        }
        return "";
    }
}
