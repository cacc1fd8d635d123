using Akka.Actor;
using Akka.TestKit.Xunit2;
using LumieraVault.Rendering.Cache;
using Xunit;
using static LumieraVault.Tests.Rendering.RenderCacheProbe;

namespace LumieraVault.Tests.Rendering;

/// <summary>The render cache: frames committed through readwrite frames come back as readonly frames, across restarts, never damaged.</summary>
public sealed class RenderCacheSpec : TestKit, IAsyncLifetime
{
    private const int Length = 10_000;
    private readonly TempFolder _temp = new();
    private readonly List<ActorSystem> _systems = new();
    private readonly List<RenderCache> _caches = new();

    public RenderCacheSpec() : base(VaultConfig, "render-cache")
    {
    }

    private RenderCacheOptions Options => new(_temp.File("cache")) { SegmentBytes = 64 * 1024, MaxBytes = 1024 * 1024 };

    private async Task<RenderCache> OpenAsync(ActorSystem? system = null, RenderCacheOptions? options = null)
    {
        var cache = await RenderCache.OpenAsync(system ?? Sys, options ?? Options).Answered();
        _caches.Add(cache);
        return cache;
    }

    /// <summary>Stops the current system as a crashed or closed editor would, and gives a fresh one.</summary>
    private async Task<ActorSystem> RestartAsync(ActorSystem old)
    {
        await old.Terminate().Answered();
        var system = NewSystem($"render-cache-restart-{_systems.Count}");
        _systems.Add(system);
        return system;
    }

    [Fact]
    public async Task A_committed_frame_is_served_with_the_bytes_rendered_into_it()
    {
        var cache = await OpenAsync();
        var slot = await cache.ReserveAsync(Key(1), Length).Answered();
        Assert.Equal(Key(1), slot.Key);
        Assert.Equal(Length, slot.Length);
        Render(slot.Frame.WritableSpan, 1);
        using (var committed = await cache.CommitAsync(slot).Answered())
        {
            Assert.Equal(Frames.FrameAccess.ReadOnly, committed.Access);
            AssertRendered(committed.Span, 1, Length);
        }
        Assert.False(slot.Frame.IsValid); // the slot's writer was given back

        await cache.AssertCachedAsync(1, Length);
        var stats = cache.Statistics;
        Assert.Equal((1, Length, 1, 1, 0), (stats.Entries, stats.Bytes, stats.Commits, stats.Hits, stats.Misses));
    }

    [Fact]
    public async Task A_key_never_committed_is_not_cached()
    {
        var cache = await OpenAsync();
        await cache.AssertNotCachedAsync(42);
        Assert.Equal(1, cache.Statistics.Misses);
        Assert.Equal(0, cache.Statistics.Hits);
    }

    [Fact]
    public async Task Committed_frames_survive_a_restart_of_the_actor_system()
    {
        var cache = await OpenAsync();
        for (int n = 0; n < 10; n++) await cache.PutAsync(n, Length + n);
        await cache.DisposeAsync();

        var system = await RestartAsync(Sys);
        var again = await OpenAsync(system);
        Assert.Equal(10, again.Statistics.Entries);
        for (int n = 9; n >= 0; n--) await again.AssertCachedAsync(n, Length + n);
        Assert.Equal(0, again.Statistics.Damaged);
    }

    [Fact]
    public async Task Committed_frames_survive_an_actor_system_that_stopped_without_disposing_the_cache()
    {
        var cache = await OpenAsync();
        await cache.PutAsync(1, Length);
        await cache.PutAsync(2, Length);

        var system = await RestartAsync(Sys);
        var again = await OpenAsync(system);
        await again.AssertCachedAsync(1, Length);
        await again.AssertCachedAsync(2, Length);
    }

    [Fact]
    public async Task A_reserved_frame_that_was_never_committed_is_not_cached_after_a_restart()
    {
        var cache = await OpenAsync();
        await cache.PutAsync(1, Length);
        var slot = await cache.ReserveAsync(Key(2), Length).Answered();
        Render(slot.Frame.WritableSpan, 2);
        await Vault.Get(Sys).FlushAsync(slot.Frame.File).Answered(); // even bytes on disk are not a cached frame without their record

        var system = await RestartAsync(Sys);
        var again = await OpenAsync(system);
        await again.AssertNotCachedAsync(2);
        await again.AssertCachedAsync(1, Length);
        Assert.Equal(1, again.Statistics.Entries);
    }

    [Fact]
    public async Task A_frame_whose_bytes_were_flipped_on_disk_is_not_served_and_is_counted_damaged()
    {
        var cache = await OpenAsync();
        await cache.PutAsync(1, Length);
        await cache.PutAsync(2, Length);
        await cache.DisposeAsync();
        var segment = Assert.Single(Segments(Options.Folder));
        using (var fs = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            fs.Position = 5000; // inside frame 1, which starts the segment
            int b = fs.ReadByte();
            fs.Position = 5000;
            fs.WriteByte((byte)~b);
        }

        var again = await OpenAsync(await RestartAsync(Sys));
        await again.AssertNotCachedAsync(1);
        await again.AssertCachedAsync(2, Length);
        var stats = again.Statistics;
        Assert.Equal((1L, 1L, 1L), (stats.Damaged, stats.Entries, stats.Misses));

        // Dropped, so the next lookup is a plain miss, and a new render is served again.
        await again.AssertNotCachedAsync(1);
        Assert.Equal(1, again.Statistics.Damaged);
        await again.PutAsync(1, Length);
        await again.AssertCachedAsync(1, Length);
    }

    [Fact]
    public async Task A_frame_cut_off_by_a_segment_truncated_while_the_cache_was_closed_is_not_served()
    {
        var cache = await OpenAsync();
        await cache.PutAsync(1, Length);
        await cache.PutAsync(2, Length);
        await cache.DisposeAsync();
        var segment = Assert.Single(Segments(Options.Folder));
        using (var fs = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite)) fs.SetLength(Length + 5000);

        var again = await OpenAsync(await RestartAsync(Sys));
        await again.AssertNotCachedAsync(2);
        await again.AssertCachedAsync(1, Length);
        Assert.Equal(1, again.Statistics.Damaged);
    }

    [Fact]
    public async Task A_frame_cut_off_by_a_segment_truncated_after_the_cache_opened_is_not_served()
    {
        var cache = await OpenAsync();
        await cache.PutAsync(1, Length);
        await cache.PutAsync(2, Length);
        await cache.DisposeAsync();

        var again = await OpenAsync(await RestartAsync(Sys));
        var segment = Assert.Single(Segments(Options.Folder));
        using (var fs = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite)) fs.SetLength(Length + 5000);
        await again.AssertNotCachedAsync(2);
        await again.AssertCachedAsync(1, Length);
        Assert.Equal(1, again.Statistics.Damaged);
    }

    [Fact]
    public async Task Frames_of_a_segment_removed_while_the_cache_was_closed_are_not_cached()
    {
        var cache = await OpenAsync();
        await cache.PutAsync(1, Length);
        await cache.PutAsync(2, Length);
        await cache.DisposeAsync();
        File.Delete(Assert.Single(Segments(Options.Folder)));

        var again = await OpenAsync(await RestartAsync(Sys));
        await again.AssertNotCachedAsync(1);
        await again.AssertNotCachedAsync(2);
        Assert.Equal((0L, 2L), (again.Statistics.Entries, again.Statistics.Damaged));
        await again.PutAsync(1, Length);
        await again.AssertCachedAsync(1, Length);
    }

    [Fact]
    public async Task A_torn_or_garbage_tail_of_the_index_is_ignored()
    {
        var cache = await OpenAsync();
        await cache.PutAsync(1, Length);
        await cache.PutAsync(2, Length);
        await cache.PutAsync(3, Length);
        await cache.DisposeAsync();
        var index = Path.Combine(Options.Folder, "index.log");
        long size = new FileInfo(index).Length;
        // Tear the last record (frame 3) half-way, then add garbage after it as a crash in mid-append might leave.
        using (var fs = new FileStream(index, FileMode.Open, FileAccess.ReadWrite))
        {
            fs.SetLength(size - 30);
            fs.Seek(0, SeekOrigin.End);
            var garbage = new byte[100];
            new Random(7).NextBytes(garbage);
            fs.Write(garbage);
        }

        var again = await OpenAsync(await RestartAsync(Sys));
        await again.AssertCachedAsync(1, Length);
        await again.AssertCachedAsync(2, Length);
        await again.AssertNotCachedAsync(3);
        Assert.Equal(2, again.Statistics.Entries);
        // The index was rewritten whole: a further restart finds the same two frames and nothing to ignore.
        await again.DisposeAsync();
        var third = await OpenAsync(await RestartAsync(_systems[^1]));
        Assert.Equal(2, third.Statistics.Entries);
        Assert.Equal(0, (new FileInfo(index).Length - 16) % 64);
    }

    [Fact]
    public async Task An_index_that_is_all_garbage_leaves_an_empty_cache_and_removes_the_unreferenced_segments()
    {
        var cache = await OpenAsync();
        await cache.PutAsync(1, Length);
        await cache.DisposeAsync();
        await File.WriteAllBytesAsync(Path.Combine(Options.Folder, "index.log"), new byte[200]);

        var again = await OpenAsync(await RestartAsync(Sys));
        await again.AssertNotCachedAsync(1);
        Assert.Equal(0, again.Statistics.Entries);
        Assert.Empty(Segments(Options.Folder));
        await again.PutAsync(1, Length);
        await again.AssertCachedAsync(1, Length);
    }

    [Fact]
    public async Task The_least_recently_used_segment_is_evicted_and_touching_a_frame_keeps_it()
    {
        // One 10 000-byte frame per 16 KiB segment; room for three frames.
        var cache = await OpenAsync(options: Options with { SegmentBytes = 16 * 1024, MaxBytes = 32 * 1024 });
        await cache.PutAsync(1, Length);
        await cache.PutAsync(2, Length);
        await cache.PutAsync(3, Length);
        Assert.Equal(3, Segments(Options.Folder).Length);
        await cache.AssertCachedAsync(1, Length); // 1 is now used more recently than 2

        await cache.PutAsync(4, Length);
        await cache.AssertNotCachedAsync(2);
        await cache.AssertCachedAsync(1, Length);
        await cache.AssertCachedAsync(3, Length);
        await cache.AssertCachedAsync(4, Length);
        var stats = cache.Statistics;
        Assert.Equal((1L, 3L, 3), (stats.Evictions, stats.Entries, stats.Segments));
        Assert.True(stats.DiskBytes <= 32 * 1024, $"{stats.DiskBytes} bytes on disk");
        Assert.Equal(3, Segments(Options.Folder).Length);

        // Used last in the order 1, 3, 4: frame 5 evicts 1.
        await cache.PutAsync(5, Length);
        await cache.AssertNotCachedAsync(1);
        await cache.AssertCachedAsync(5, Length);
    }

    [Fact]
    public async Task A_held_frame_is_never_evicted_and_a_cache_whose_frames_are_all_held_refuses_room()
    {
        var cache = await OpenAsync(options: Options with { SegmentBytes = 16 * 1024, MaxBytes = 32 * 1024 });
        await cache.PutAsync(1, Length);
        await cache.PutAsync(2, Length);
        await cache.PutAsync(3, Length);
        using var held = (await cache.TryGetAsync(Key(1)).Answered())!.Value;
        await cache.AssertCachedAsync(2, Length);
        await cache.AssertCachedAsync(3, Length);

        await cache.PutAsync(4, Length); // 1 is the least recently used, but held: 2 goes
        AssertRendered(held.Span, 1, Length);
        Assert.True(File.Exists(held.File.Path));
        await cache.AssertNotCachedAsync(2);

        using var held3 = (await cache.TryGetAsync(Key(3)).Answered())!.Value;
        using var held4 = (await cache.TryGetAsync(Key(4)).Answered())!.Value;
        await cache.ReserveAsync(Key(5), Length).AsTask().FailsWith(VaultError.BudgetExhausted);
        AssertRendered(held.Span, 1, Length);
        AssertRendered(held3.Span, 3, Length);
        AssertRendered(held4.Span, 4, Length);
        Assert.Equal(3, cache.Statistics.Entries);
    }

    [Fact]
    public async Task Abandoning_a_slot_gives_its_room_back_and_indexes_nothing()
    {
        var cache = await OpenAsync();
        await cache.PutAsync(1, Length);
        long before = cache.Statistics.DiskBytes;
        var slot = await cache.ReserveAsync(Key(2), Length).Answered();
        Assert.True(cache.Statistics.DiskBytes > before);
        Render(slot.Frame.WritableSpan, 2);
        cache.Abandon(slot);
        Assert.False(slot.Frame.IsValid);
        Assert.Equal(before, cache.Statistics.DiskBytes);
        await cache.AssertNotCachedAsync(2);

        Assert.Equal(VaultError.InvalidArgument, Assert.Throws<VaultException>(() => cache.Abandon(slot)).Error);
        await cache.CommitAsync(slot).AsTask().FailsWith(VaultError.InvalidArgument);
        await cache.PutAsync(3, Length);
        await cache.AssertCachedAsync(3, Length);
        Assert.Equal(2, cache.Statistics.Entries);
    }

    [Fact]
    public async Task Two_renders_of_the_same_key_leave_the_last_commit_in_the_index()
    {
        var cache = await OpenAsync();
        var first = await cache.ReserveAsync(Key(1), Length).Answered();
        var second = await cache.ReserveAsync(Key(1), Length).Answered();
        Render(first.Frame.WritableSpan, 1);
        Render(second.Frame.WritableSpan, 2);
        using (var a = await cache.CommitAsync(first).Answered()) AssertRendered(a.Span, 1, Length);
        using (var b = await cache.CommitAsync(second).Answered()) AssertRendered(b.Span, 2, Length);

        using (var frame = (await cache.TryGetAsync(Key(1)).Answered())!.Value) AssertRendered(frame.Span, 2, Length);
        Assert.Equal((1L, (long)Length), (cache.Statistics.Entries, cache.Statistics.Bytes));
        await cache.DisposeAsync();
        var again = await OpenAsync(await RestartAsync(Sys));
        using (var frame = (await again.TryGetAsync(Key(1)).Answered())!.Value) AssertRendered(frame.Span, 2, Length);
    }

    [Fact]
    public async Task Bad_arguments_are_named_errors_and_leave_the_cache_working()
    {
        var cache = await OpenAsync();
        await cache.ReserveAsync(Key(1), 0).AsTask().FailsWith(VaultError.InvalidArgument);
        await cache.ReserveAsync(Key(1), -5).AsTask().FailsWith(VaultError.InvalidArgument);
        await cache.ReserveAsync(Key(1), 64 * 1024 + 1).AsTask().FailsWith(VaultError.InvalidArgument);
        await RenderCache.OpenAsync(Sys, Options).FailsWith(VaultError.FileInUse);
        var disposedEarly = await cache.ReserveAsync(Key(1), 100).Answered();
        disposedEarly.Frame.Dispose();
        await cache.CommitAsync(disposedEarly).AsTask().FailsWith(VaultError.InvalidArgument);
        Assert.Equal(0, cache.Statistics.DiskBytes); // the room went back

        await RenderCache.OpenAsync(Sys, new RenderCacheOptions("")).FailsWith(VaultError.InvalidArgument);
        await RenderCache.OpenAsync(Sys, Options with { Folder = _temp.File("b"), SegmentBytes = 0 }).FailsWith(VaultError.InvalidArgument);
        await RenderCache.OpenAsync(Sys, Options with { Folder = _temp.File("b"), MaxBytes = 1000 }).FailsWith(VaultError.InvalidArgument);
        await RenderCache.OpenAsync(Sys, new RenderCacheOptions(_temp.Make("a-file", 10))).FailsWith(VaultError.NotAFile);
        var locked = Directory.CreateDirectory(_temp.File("locked")).FullName;
        using (new FileStream(Path.Combine(locked, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            await RenderCache.OpenAsync(Sys, Options with { Folder = locked }).FailsWith(VaultError.FileInUse); // as another process holds it

        await cache.PutAsync(1, Length);
        await cache.AssertCachedAsync(1, Length);

        // A cache whose actor system stopped gives its folder to the next one and refuses further use.
        var next = await OpenAsync(await RestartAsync(Sys));
        await cache.ReserveAsync(Key(2), 100).AsTask().FailsWith(VaultError.VaultStopped);
        await cache.TryGetAsync(Key(1)).AsTask().FailsWith(VaultError.VaultStopped);
        await next.AssertCachedAsync(1, Length);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var cache in _caches)
        {
            try
            {
                await cache.DisposeAsync();
            }
            catch (VaultException)
            {
            }
        }
        foreach (var system in _systems) await system.Terminate();
        Shutdown();
        _temp.Dispose();
    }
}
