using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Frames;
using LumieraVault.Native;
using Xunit;

namespace LumieraVault.Tests;

/// <summary>
/// The handle cache keeps at most max-handles OS handles open, closes the least recently used idle one when it
/// needs room, reopens on demand, and refuses a file that was replaced on disk. Counts the process's descriptors,
/// so it runs alone.
/// </summary>
[Collection(ProcessWideCollection.Name)]
public sealed class HandleCacheSpec : TestKit, IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly Vault _vault;
    private readonly List<ActorSystem> _systems = new();

    // Under test here: the periodic check and the checks on a miss, so the kernel's notice (WatchSpec) is off.
    public HandleCacheSpec() : base(VaultProbe.VirtualTime +
        "lumiera.vault { map-cache { budget = 16 MiB\n window-size = 64 KiB }\n handle-cache.max-handles = 10\n files.change-check-interval = 1s\n files.watch-changes = off }")
    {
        _vault = Vault.Get(Sys);
    }

    [Fact]
    public async Task AHundredFilesAreAllHeldAtOnceThroughTenHandles()
    {
        var paths = Enumerable.Range(0, 100).Select(i => _temp.Make($"clip-{i:D3}.bin", 128 * 1024, seed: i)).ToList();
        var files = await Task.WhenAll(paths.Select(p => _vault.OpenAsync(p, FileOpenMode.Read, FrameLayout.Fixed(4096))));
        Assert.Equal(100, files.Distinct().Count());

        // Two frames of every file, in two windows each, all asked for at once and all held.
        var requests = files.SelectMany(f => new[] { _vault.GetFrameAsync(f, 3).AsTask(), _vault.GetFrameAsync(f, 20).AsTask() }).ToList();
        var frames = await Task.WhenAll(requests).Answered();
        try
        {
            for (int i = 0; i < 100; i++)
            {
                AssertFrame(frames[2 * i], 3 * 4096, seed: i);
                AssertFrame(frames[2 * i + 1], 20 * 4096, seed: i);
            }
            await VaultProbe.SettleAsync(Sys, files);
            var stats = await _vault.GetStatisticsAsync();
            Assert.True(stats.HandlesPeak <= 10, stats.ToReport());
            Assert.True(stats.HandlesOpen <= 10, stats.ToReport());
            Assert.True(stats.HandlesOpened >= 100, "every file needed its handle at least once\n" + stats.ToReport());
            Assert.Equal(stats.HandlesOpened - stats.HandlesClosed, stats.HandlesOpen);
            Assert.Equal(100, stats.FilesOpen);
            Assert.Equal(200, stats.WindowsMapped);
            Assert.All(stats.Files, f => Assert.Equal(2, f.Pins));
            Assert.True(ProcessProbe.DescriptorsUnder(_temp.Path).Count <= 10);
            // Every held frame is still readable after all the handles that served them came and went.
            for (int i = 0; i < 100; i++) AssertFrame(frames[2 * i + 1], 20 * 4096, seed: i);
        }
        finally
        {
            foreach (var frame in frames) frame.Dispose();
        }
        foreach (var file in files) await _vault.CloseAsync(file);
        await VaultProbe.SettleAsync(Sys);
        Assert.Empty(ProcessProbe.DescriptorsUnder(_temp.Path));
        Assert.Empty(ProcessProbe.MappingsUnder(_temp.Path));
        Assert.Equal(0, (await _vault.GetStatisticsAsync()).HandlesOpen);
    }

    [Fact]
    public async Task FiveThousandFilesReadRoundRobinKeepTheProcessWithinThirtyTwoHandles()
    {
        const int Count = 5000, Cap = 32, Slack = 16, Batch = 100, Size = 4096;
        var (system, vault) = StartVault("round-robin", Cap, budget: "1 MiB");
        using var folder = new TempFolder(ProcessProbe.MemoryTempRoot);
        var paths = new string[Count];
        for (int i = 0; i < Count; i++) paths[i] = MakeSmall(folder.File($"small-{i:D4}.bin"), Size, seed: i);
        int baseline = ProcessProbe.OpenDescriptors();
        int highest = baseline;
        long mostMapped = 0;
        void Sample(bool quiet)
        {
            highest = Math.Max(highest, ProcessProbe.OpenDescriptors());
            // /proc/self/maps is read a page at a time: while windows come and go it can show one gone and its successor both.
            if (quiet) mostMapped = Math.Max(mostMapped, ProcessProbe.MappedBytesUnder(folder.Path));
        }

        var files = new VaultFile[Count];
        for (int start = 0; start < Count; start += Batch)
        {
            var opened = await Task.WhenAll(Enumerable.Range(start, Batch).Select(i => vault.OpenAsync(paths[i])));
            opened.CopyTo(files, start);
            Sample(quiet: true);
        }

        for (int round = 0; round < 2; round++)
        {
            for (int start = 0; start < Count; start += Batch)
            {
                var requests = Enumerable.Range(start, Batch).Select(i => vault.GetFrameAtAsync(files[i], 0, Size).AsTask()).ToList();
                Sample(quiet: false); // while the batch is in flight
                var frames = await Task.WhenAll(requests).Answered();
                Sample(quiet: true); // every frame of the batch answered (and held): nothing is being mapped
                for (int j = 0; j < Batch; j++)
                {
                    AssertFrame(frames[j], 0, seed: start + j);
                    Assert.Equal(TempFolder.Pattern(Size - 1, start + j), frames[j].Span[Size - 1]);
                    frames[j].Dispose();
                }
            }
        }
        Assert.True(highest <= baseline + Cap + Slack,
            $"The process had {highest} descriptors open at most, {baseline} before the run: more than the cap of {Cap} plus {Slack}.");
        Assert.True(mostMapped <= 1 << 20, $"{mostMapped} bytes of the files were mapped at once, more than the 1 MiB budget");

        await VaultProbe.SettleAsync(system);
        var stats = await vault.GetStatisticsAsync();
        Assert.True(stats.HandlesPeak <= Cap, stats.ToReport());
        // The windows aged out of the 1 MiB budget long before each file came round again, so each needed its handle again.
        Assert.True(stats.HandlesOpened >= 2 * Count - Cap, stats.ToReport());
        Assert.True(stats.MappedBytesPeak <= 1 << 20, stats.ToReport());
        Assert.Equal(0, stats.Failures);

        foreach (var file in files) await vault.CloseAsync(file);
        await VaultProbe.SettleAsync(system);
        Assert.Empty(ProcessProbe.DescriptorsUnder(folder.Path));
        Assert.Empty(ProcessProbe.MappingsUnder(folder.Path));
    }

    [Fact]
    public async Task HandlesAreClosedLeastRecentlyUsedFirstAndReopenedOnDemand()
    {
        var (system, vault) = StartVault("lru", maxHandles: 2);
        // Buffered reads borrow the handle for every frame, so every request below is one use of a handle.
        var a = await vault.OpenAsync(_temp.Make("a.bin", 10_000, seed: 1), strategy: ReadStrategy.Buffered);
        var b = await vault.OpenAsync(_temp.Make("b.bin", 10_000, seed: 2), strategy: ReadStrategy.Buffered);
        var c = await vault.OpenAsync(_temp.Make("c.bin", 10_000, seed: 3), strategy: ReadStrategy.Buffered);
        Assert.Empty(ProcessProbe.DescriptorsUnder(_temp.Path)); // opening checked access, and kept nothing open

        async Task Use(VaultFile file, int seed, long opened, long closed, params VaultFile[] open)
        {
            using (var frame = await vault.GetFrameAtAsync(file, 500, 100))
            {
                Assert.False(frame.IsMapped);
                AssertFrame(frame, 500, seed);
            }
            await VaultProbe.SettleAsync(system, file);
            var stats = await vault.GetStatisticsAsync();
            var names = string.Join(", ", open.Select(f => Path.GetFileName(f.Path)));
            Assert.True((opened, closed) == (stats.HandlesOpened, stats.HandlesClosed),
                $"After reading {Path.GetFileName(file.Path)} expected {opened} opened and {closed} closed with [{names}] open\n{stats.ToReport()}");
            Assert.Equal(open.Select(f => f.Path).Order(), ProcessProbe.DescriptorsUnder(_temp.Path).Order());
        }

        await Use(a, 1, opened: 1, closed: 0, a);
        await Use(b, 2, opened: 2, closed: 0, a, b);
        await Use(a, 1, opened: 2, closed: 0, a, b); // a is now the most recently used
        await Use(c, 3, opened: 3, closed: 1, a, c); // so b, the least recently used, made room
        await Use(a, 1, opened: 3, closed: 1, a, c); // a was kept
        await Use(b, 2, opened: 4, closed: 2, a, b); // b reopened on demand, in c's place
        await Use(a, 1, opened: 4, closed: 2, a, b);
        await Use(c, 3, opened: 5, closed: 3, a, c);
        var stats = await vault.GetStatisticsAsync();
        Assert.Equal(2, stats.HandlesPeak);
        Assert.Equal(0, stats.Failures);
    }

    [Fact]
    public async Task AFileReplacedOnDiskIsFileChangedWhenItsHandleIsReopened()
    {
        var (system, vault) = StartVault("replaced", maxHandles: 1);
        var path = _temp.Make("a.bin", 256 * 1024, seed: 1);
        var a = await vault.OpenAsync(path);
        var b = await vault.OpenAsync(_temp.Make("b.bin", 10_000, seed: 2));
        using (var first = await vault.GetFrameAtAsync(a, 0, 100)) AssertFrame(first, 0, seed: 1);
        await VaultProbe.SettleAsync(system, a);
        using (var other = await vault.GetFrameAtAsync(b, 0, 100)) AssertFrame(other, 0, seed: 2);
        await VaultProbe.SettleAsync(system, b);
        Assert.Equal(new[] { b.Path }, ProcessProbe.DescriptorsUnder(_temp.Path)); // a's handle made room for b's

        var was = a.Identity;
        Assert.NotEqual(was, Replace(path, 256 * 1024, seed: 9));

        // Frame 150 KiB lies within the size the vault knows, in a window not mapped yet: mapping it needs a's handle again.
        var error = await Assert.ThrowsAsync<VaultException>(async () => await vault.GetFrameAtAsync(a, 150 * 1024, 100));
        Assert.True(error.Error == VaultError.FileChanged, $"{error.Error}: {error.Message}");
        Assert.Contains("replaced", error.Message);
        Assert.NotNull(a.ChangedReason);

        // The window mapped before the change is retired: no frame of the old file is served again.
        Assert.False(vault.TryGetFrameAt(a, 0, 100, out _));
        var again = await Assert.ThrowsAsync<VaultException>(async () => await vault.GetFrameAtAsync(a, 0, 100));
        Assert.Equal(VaultError.FileChanged, again.Error);
        Assert.StartsWith("File changed: '", again.Message); // the reason travels as data: no doubled prefix
        await VaultProbe.SettleAsync(system, a);
        Assert.DoesNotContain(ProcessProbe.MappingsUnder(_temp.Path), m => m.Path == path);
        Assert.DoesNotContain(path, ProcessProbe.DescriptorsUnder(_temp.Path));
        var stats = await vault.GetStatisticsAsync();
        Assert.True(stats.HandlesOpened - stats.HandlesClosed == stats.HandlesOpen, stats.ToReport());

        // Opened again, the path gives the new file.
        await vault.CloseAsync(a);
        var renewed = await vault.OpenAsync(path);
        Assert.NotSame(a, renewed);
        Assert.NotEqual(was, renewed.Identity);
        using (var fresh = await vault.GetFrameAtAsync(renewed, 150 * 1024, 100)) AssertFrame(fresh, 150 * 1024, seed: 9);
        using (var other = await vault.GetFrameAtAsync(b, 5000, 100)) AssertFrame(other, 5000, seed: 2);
    }

    [Fact]
    public async Task AFileReplacedOnDiskIsFileChangedWhenAMissLooksPastItsKnownEnd()
    {
        var path = _temp.Make("a.bin", 64 * 1024, seed: 1);
        var a = await _vault.OpenAsync(path);
        using (var first = await _vault.GetFrameAtAsync(a, 0, 100)) AssertFrame(first, 0, seed: 1);
        Assert.NotEqual(a.Identity, Replace(path, 128 * 1024, seed: 9));

        // Past the 64 KiB the vault knows: the file's actor looks at the path before it answers out of range.
        var error = await Assert.ThrowsAsync<VaultException>(async () => await _vault.GetFrameAtAsync(a, 100 * 1024, 100));
        Assert.True(error.Error == VaultError.FileChanged, $"{error.Error}: {error.Message}");
        Assert.Contains("replaced", error.Message);
        Assert.False(_vault.TryGetFrameAt(a, 0, 100, out _));
        await VaultProbe.SettleAsync(Sys, a);
        Assert.Empty(ProcessProbe.MappingsUnder(_temp.Path));
        await ExpectStillWorks();
    }

    [Fact]
    public async Task AFileRemovedFromDiskIsFileChangedWhenAMissLooksPastItsKnownEnd()
    {
        var path = _temp.Make("a.bin", 64 * 1024, seed: 1);
        var a = await _vault.OpenAsync(path);
        using (var first = await _vault.GetFrameAtAsync(a, 0, 100)) AssertFrame(first, 0, seed: 1);
        File.Delete(path);
        var error = await Assert.ThrowsAsync<VaultException>(async () => await _vault.GetFrameAtAsync(a, 100 * 1024, 100));
        Assert.True(error.Error == VaultError.FileChanged, $"{error.Error}: {error.Message}");
        Assert.Contains("removed", error.Message);
        await VaultProbe.SettleAsync(Sys, a);
        Assert.Empty(ProcessProbe.MappingsUnder(_temp.Path));
        await ExpectStillWorks();
    }

    [Fact]
    public async Task AFileReplacedOnDiskIsFileChangedAtThePeriodicCheck()
    {
        var path = _temp.Make("a.bin", 64 * 1024, seed: 1);
        var a = await _vault.OpenAsync(path);
        using (var first = await _vault.GetFrameAtAsync(a, 0, 100)) AssertFrame(first, 0, seed: 1);
        Assert.NotEqual(a.Identity, Replace(path, 64 * 1024, seed: 9));
        await VaultProbe.SettleAsync(Sys, a);
        Assert.Null(a.ChangedReason); // nothing looked at the path yet

        // The mapped window started the file's periodic check (change-check-interval = 1s, in virtual time).
        ((TestScheduler)Sys.Scheduler).Advance(TimeSpan.FromSeconds(1));
        await VaultProbe.SettleAsync(Sys, a);
        Assert.NotNull(a.ChangedReason);
        Assert.Contains("replaced", a.ChangedReason);
        Assert.False(_vault.TryGetFrameAt(a, 0, 100, out _));
        var error = await Assert.ThrowsAsync<VaultException>(async () => await _vault.GetFrameAtAsync(a, 0, 100));
        Assert.Equal(VaultError.FileChanged, error.Error);
        Assert.Empty(ProcessProbe.MappingsUnder(_temp.Path));
        Assert.Equal(0, (await _vault.GetStatisticsAsync()).WindowsMapped);
        await ExpectStillWorks();
    }

    private async Task ExpectStillWorks()
    {
        var file = await _vault.OpenAsync(_temp.Make("healthy.bin", 100_000, seed: 5));
        using var frame = await _vault.GetFrameAtAsync(file, 70_000, 1000);
        AssertFrame(frame, 70_000, seed: 5);
    }

    private (ActorSystem System, Vault Vault) StartVault(string name, int maxHandles, string budget = "16 MiB")
    {
        var config = ConfigurationFactory.ParseString(VaultProbe.VirtualTime +
            $"lumiera.vault {{ map-cache {{ budget = {budget}\n window-size = 64 KiB }}\n handle-cache.max-handles = {maxHandles}\n files.watch-changes = off }}");
        var system = ActorSystem.Create(name, config);
        _systems.Add(system);
        return (system, Vault.Get(system));
    }

    private static void AssertFrame(Frame frame, long offset, int seed)
    {
        Assert.Equal(offset, frame.Offset);
        var span = frame.Span;
        for (int i = 0; i < span.Length; i += 97)
        {
            if (span[i] != TempFolder.Pattern(offset + i, seed))
                Assert.Fail($"Byte {offset + i} of {frame.File.Path} is {span[i]}, expected {TempFolder.Pattern(offset + i, seed)} (seed {seed}).");
        }
    }

    private static string MakeSmall(string path, int size, int seed)
    {
        var bytes = new byte[size];
        for (int i = 0; i < size; i++) bytes[i] = TempFolder.Pattern(i, seed);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>
    /// Deletes the file and puts another at its path. The new one is written first, so it cannot get the old
    /// one's inode number back; returns its identity.
    /// </summary>
    private FileIdentity Replace(string path, long size, int seed)
    {
        var aside = _temp.Make(Path.GetFileName(path) + ".new", size, seed);
        File.Delete(path);
        File.Move(aside, path);
        Assert.True(FileStatus.TryOfPath(path, out var status, out _));
        return status.Identity;
    }

    public new void Dispose()
    {
        foreach (var system in _systems) Shutdown(system, verifySystemShutdown: true);
        base.Dispose();
        _temp.Dispose();
    }
}
