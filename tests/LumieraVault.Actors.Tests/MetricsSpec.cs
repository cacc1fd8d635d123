using System.Diagnostics.Metrics;
using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Statistics;
using Xunit;

namespace LumieraVault.Tests;

public sealed class MetricsSpec : TestKit, IDisposable
{
    private readonly TempFolder _temp = new();

    // A name of its own: the meter tags measurements with the actor system's name, and TestKit systems are all "test".
    public MetricsSpec() : base("lumiera.vault { map-cache { budget = 1 MiB\n window-size = 64 KiB }\n handle-cache.max-handles = 4 }", "metrics-spec-" + Guid.NewGuid().ToString("N"))
    {
    }

    /// <summary>Reads every observable instrument of this vault's meter once, as a metrics exporter would.</summary>
    private Dictionary<string, double> Collect()
    {
        var values = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == VaultMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "vault" && (string?)tag.Value == Sys.Name) values[instrument.Name] = value;
            }
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => OnMeasurement(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => OnMeasurement(i, v, t));
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    [Fact]
    public async Task RequestsHitsMissesAndMappedBytesArePublishedThroughTheMeter()
    {
        var vault = Vault.Get(Sys);
        var file = await vault.OpenAsync(_temp.Make("clip.bin", 100_000), layout: FrameLayout.Fixed(1_000));
        (await vault.GetFrameAsync(file, 1)).Dispose(); // miss: maps the first window
        (await vault.GetFrameAsync(file, 2)).Dispose(); // hit
        Assert.True(vault.TryGetFrame(file, 3, out var frame)); // hit
        frame.Dispose();
        await Assert.ThrowsAsync<VaultException>(async () => await vault.GetFrameAsync(file, 500)); // failure

        var m = Collect();
        Assert.Equal(4, m["lumiera.vault.frames.requests"]);
        Assert.Equal(2, m["lumiera.vault.frames.hits"]);
        Assert.Equal(2, m["lumiera.vault.frames.misses"]);
        Assert.Equal(1, m["lumiera.vault.frames.failures"]);
        Assert.Equal(1, m["lumiera.vault.windows.mapped"]);
        Assert.Equal(64 * 1024, m["lumiera.vault.mapped.bytes"]); // a 64 KiB window of 64 frames of 1000 bytes is 64000 bytes, page-rounded
        Assert.Equal(1, m["lumiera.vault.handles.opened"]);
        Assert.Equal(1, m["lumiera.vault.files.open"]);
        Assert.True(m["lumiera.vault.handles.open"] <= 1);
    }

    [Fact]
    public async Task TheStatisticsReportNamesEveryFigure()
    {
        var vault = Vault.Get(Sys);
        var file = await vault.OpenAsync(_temp.Make("clip.bin", 10_000), layout: FrameLayout.Fixed(100));
        using (await vault.GetFrameAsync(file, 0))
        {
            var stats = await vault.GetStatisticsAsync();
            Assert.Equal(1, stats.FilesOpen);
            Assert.Equal(1, stats.Files[0].Pins);
            string report = stats.ToReport();
            foreach (var word in new[] { "Handles", "Windows", "Memory", "Frames", "fast-path hits", "Miss time", "clip.bin", "1 pins" })
                Assert.Contains(word, report);
        }
        Assert.Equal(0, (await vault.GetStatisticsAsync()).Files[0].Pins);
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}
