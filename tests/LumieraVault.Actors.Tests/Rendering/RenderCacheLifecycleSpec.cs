using System.Diagnostics.Metrics;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Rendering.Cache;
using LumieraVault.Statistics;
using Xunit;
using static LumieraVault.Tests.Rendering.RenderCacheProbe;

namespace LumieraVault.Tests.Rendering;

/// <summary>The render cache's configuration, metrics, files it leaves open, and changes made under it while it runs.</summary>
public sealed class RenderCacheLifecycleSpec : TestKit, IAsyncLifetime
{
    private const int Length = 10_000;
    private readonly TempFolder _temp = new();
    private RenderCache? _cache;

    public RenderCacheLifecycleSpec() : base(VaultConfig, "render-cache-lifecycle")
    {
    }

    private RenderCacheOptions Options => new(_temp.File("cache")) { SegmentBytes = 64 * 1024, MaxBytes = 1024 * 1024 };

    private async Task<RenderCache> OpenAsync(RenderCacheOptions? options = null)
        => _cache = await RenderCache.OpenAsync(Sys, options ?? Options).Answered();

    [Fact]
    public void The_options_are_read_from_the_render_cache_section_with_reference_defaults()
    {
        var set = RenderCacheOptions.FromConfig(ConfigurationFactory.ParseString(
            "lumiera.vault.render-cache { folder = \"/tmp/x\"\n max-bytes = 2 MiB\n segment-bytes = 256 KiB\n compact-after-records = 10 }"));
        Assert.Equal(new RenderCacheOptions("/tmp/x") { MaxBytes = 2 << 20, SegmentBytes = 256 << 10, CompactAfterRecords = 10 }, set);

        var defaults = RenderCacheOptions.FromConfig(ConfigurationFactory.Empty);
        Assert.Equal(RenderCacheOptions.DefaultFolder, defaults.Folder);
        Assert.Equal((1L << 30, 64L << 20, 4096), (defaults.MaxBytes, defaults.SegmentBytes, defaults.CompactAfterRecords));
        Assert.Equal(new RenderCacheOptions("any"), new RenderCacheOptions("any") with
        {
            MaxBytes = defaults.MaxBytes,
            SegmentBytes = defaults.SegmentBytes,
            CompactAfterRecords = defaults.CompactAfterRecords,
        });
    }

    [Fact]
    public async Task A_disposed_cache_leaves_no_descriptor_or_mapping_of_its_folder()
    {
        var cache = await OpenAsync();
        for (int n = 0; n < 8; n++) await cache.PutAsync(n, Length * 2);
        for (int n = 0; n < 8; n++) await cache.AssertCachedAsync(n, Length * 2);
        Assert.NotEmpty(ProcessProbe.DescriptorsUnder(Options.Folder)); // the lock file and the index log at least
        await cache.DisposeAsync();

        var vault = Vault.Get(Sys);
        await vault.StatisticsWhenAsync(s => s.FilesOpen == 0 && s.WindowsMapped == 0, "the cache's segment files to be closed and unmapped");
        Assert.Empty(ProcessProbe.DescriptorsUnder(Options.Folder));
        Assert.Equal(0, ProcessProbe.MappedBytesUnder(Options.Folder));
    }

    [Fact]
    public async Task Evicted_segments_are_closed_unmapped_and_removed_from_disk()
    {
        var cache = await OpenAsync(Options with { SegmentBytes = 16 * 1024, MaxBytes = 32 * 1024 });
        for (int n = 0; n < 12; n++) await cache.PutAsync(n, Length);
        Assert.Equal(9, cache.Statistics.Evictions);
        Assert.Equal(3, Segments(Options.Folder).Length);
        var vault = Vault.Get(Sys);
        // Closing retires an evicted segment's windows at once; the map cache unmaps them a moment later.
        await vault.StatisticsWhenAsync(s => s.FilesOpen == 3 && s.WindowsMapped == s.Files.Sum(f => f.Windows),
            "the evicted segment files to be closed and their windows unmapped");
        var mapped = ProcessProbe.MappingsUnder(Options.Folder).Select(m => m.Path).Distinct().ToList();
        Assert.All(mapped, p => Assert.Contains(p, Segments(Options.Folder)));
    }

    [Fact]
    public async Task A_segment_truncated_while_its_frames_are_mapped_is_reopened_and_checked_again()
    {
        var cache = await OpenAsync();
        await cache.PutAsync(1, Length);
        await cache.PutAsync(2, Length);
        VaultFile file;
        using (var frame = (await cache.TryGetAsync(Key(2)).Answered())!.Value) file = frame.File;
        var segment = Assert.Single(Segments(Options.Folder));

        using (var fs = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite)) fs.SetLength(Length + 5000);
        // The vault hears of it from the kernel (or its periodic check) and retires the file's windows; wait for that.
        await Vault.Get(Sys).StatisticsWhenAsync(_ => file.ChangedReason is not null, "the vault to see the segment shrink");

        await cache.AssertNotCachedAsync(2);
        await cache.AssertCachedAsync(1, Length);
        Assert.Equal(1, cache.Statistics.Damaged);
    }

    [Fact]
    public async Task A_segment_being_written_that_is_truncated_under_the_cache_is_sealed_and_the_next_render_goes_to_a_new_one()
    {
        var cache = await OpenAsync();
        var slot = await cache.ReserveAsync(Key(1), Length).Answered();
        var file = slot.Frame.File;
        Render(slot.Frame.WritableSpan, 1);
        (await cache.CommitAsync(slot).Answered()).Dispose();

        using (var fs = new FileStream(file.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite)) fs.SetLength(100);
        await Vault.Get(Sys).StatisticsWhenAsync(_ => file.ChangedReason is not null, "the vault to see the segment shrink");

        await cache.PutAsync(2, Length);
        Assert.Equal(2, Segments(Options.Folder).Length);
        await cache.AssertCachedAsync(2, Length);
        await cache.AssertNotCachedAsync(1);
        Assert.Equal(1, cache.Statistics.Damaged);
    }

    [Fact]
    public async Task The_index_log_is_rewritten_when_superseded_records_pile_up()
    {
        var cache = await OpenAsync(Options with { CompactAfterRecords = 4 });
        for (int round = 0; round < 20; round++) await cache.PutAsync(1, 100);
        await cache.PutAsync(2, 100);
        var index = Path.Combine(Options.Folder, "index.log");
        long records = (new FileInfo(index).Length - 16) / 64;
        Assert.InRange(records, 2, 2 + 4 + 1);
        await cache.DisposeAsync();

        var again = await RenderCache.OpenAsync(Sys, Options).Answered();
        _cache = again;
        Assert.Equal(2, again.Statistics.Entries);
        await again.AssertCachedAsync(1, 100);
        await again.AssertCachedAsync(2, 100);
    }

    [Fact]
    public async Task The_cache_publishes_its_counters_under_the_vault_meter()
    {
        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == VaultMetrics.MeterName && instrument.Name.StartsWith("lumiera.vault.render-cache.", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "vault" && Equals(tag.Value, Sys.Name)) seen[instrument.Name] = value;
            }
        });
        listener.Start();

        var cache = await OpenAsync();
        await cache.PutAsync(1, Length);
        await cache.AssertCachedAsync(1, Length);
        await cache.AssertNotCachedAsync(2);
        listener.RecordObservableInstruments();

        Assert.Equal(1, seen["lumiera.vault.render-cache.hits"]);
        Assert.Equal(1, seen["lumiera.vault.render-cache.misses"]);
        Assert.Equal(1, seen["lumiera.vault.render-cache.commits"]);
        Assert.Equal(0, seen["lumiera.vault.render-cache.evictions"]);
        Assert.Equal(0, seen["lumiera.vault.render-cache.damaged"]);
        Assert.Equal(Length, seen["lumiera.vault.render-cache.bytes"]);
        Assert.Equal(1, seen["lumiera.vault.render-cache.entries"]);
    }

    [Fact]
    public async Task Many_renders_and_lookups_at_once_leave_every_served_frame_whole()
    {
        var cache = await OpenAsync(Options with { SegmentBytes = 32 * 1024, MaxBytes = 160 * 1024 });
        int served = 0, full = 0;
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < 40; i++)
            {
                int n = (w * 7 + i * 3) % 24;
                int length = 3000 + n * 100;
                var frame = await cache.TryGetAsync(Key(n));
                if (frame is { } f)
                {
                    using (f) AssertRendered(f.Span, n, length);
                    Interlocked.Increment(ref served);
                    continue;
                }
                RenderSlot slot;
                try
                {
                    slot = await cache.ReserveAsync(Key(n), length);
                }
                catch (VaultException e) when (e.Error == VaultError.BudgetExhausted)
                {
                    Interlocked.Increment(ref full);
                    continue;
                }
                Render(slot.Frame.WritableSpan, n);
                if (i % 5 == 4)
                {
                    cache.Abandon(slot);
                    continue;
                }
                using var committed = await cache.CommitAsync(slot);
                AssertRendered(committed.Span, n, length);
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(VaultProbe.Patience);

        var stats = cache.Statistics;
        Assert.True(stats.DiskBytes <= 160 * 1024, $"{stats.DiskBytes} bytes on disk");
        Assert.Equal(served, stats.Hits);
        Assert.Equal(0, stats.Damaged);
        foreach (var n in Enumerable.Range(0, 24))
        {
            using var frame = await cache.TryGetAsync(Key(n));
            if (frame is { } f) AssertRendered(f.Span, n, 3000 + n * 100);
        }

        // Commits that shared an fsync are all in the index on disk: the same frames come back, whole, after reopening.
        long entries = stats.Entries;
        await cache.DisposeAsync();
        var again = await OpenAsync(Options with { SegmentBytes = 32 * 1024, MaxBytes = 160 * 1024 });
        Assert.Equal(entries, again.Statistics.Entries);
        foreach (var n in Enumerable.Range(0, 24))
        {
            using var frame = await again.TryGetAsync(Key(n)).Answered();
            if (frame is { } f) AssertRendered(f.Span, n, 3000 + n * 100);
        }
        Assert.Equal(0, again.Statistics.Damaged);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_cache is not null) await _cache.DisposeAsync();
        Shutdown();
        _temp.Dispose();
    }
}
