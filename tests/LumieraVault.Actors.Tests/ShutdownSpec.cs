using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Frames;
using Xunit;

namespace LumieraVault.Tests;

/// <summary>
/// When the vault's actor system shuts down, every request gets its answer and the process gives back every
/// descriptor and mapping of the vault's files. Counts the process's descriptors, so it runs alone.
/// </summary>
[Collection(ProcessWideCollection.Name)]
public sealed class ShutdownSpec : TestKit, IDisposable
{
    private const int KiB = 1024;

    private readonly TempFolder _temp = new();
    private readonly Vault _vault;

    // The budget holds exactly one window, so a held frame makes every other window wait: requests in flight on demand.
    public ShutdownSpec() : base(VaultProbe.VirtualTime +
        "lumiera.vault { map-cache { budget = 64 KiB\n window-size = 64 KiB }\n handle-cache.max-handles = 4 }")
    {
        _vault = Vault.Get(Sys);
    }

    [Fact]
    public async Task AfterShutdownTheProcessHoldsNoDescriptorOrMappingOfTheVaultsFiles()
    {
        // Whatever the runtime and Akka open once for good is opened by a first round, before the baseline.
        using (var warmUp = new TempFolder()) await UseAndTerminate(warmUp, "warm-up");
        int before = ProcessProbe.OpenDescriptors();
        using var folder = new TempFolder();
        await UseAndTerminate(folder, "measured");
        Assert.Empty(ProcessProbe.DescriptorsUnder(folder.Path));
        Assert.Empty(ProcessProbe.MappingsUnder(folder.Path));
        Assert.Equal(before, ProcessProbe.OpenDescriptors());
    }

    /// <summary>
    /// Opens, reads and writes through a vault of its own, holds frames across its shutdown, and checks that only
    /// the held frames' windows outlive it, until they are disposed.
    /// </summary>
    private static async Task UseAndTerminate(TempFolder folder, string name)
    {
        var config = ConfigurationFactory.ParseString(VaultProbe.VirtualTime +
            "lumiera.vault { map-cache { budget = 1 MiB\n window-size = 64 KiB }\n handle-cache.max-handles = 8 }");
        var system = ActorSystem.Create(name, config);
        var vault = Vault.Get(system);
        var files = new List<VaultFile>();
        for (int i = 0; i < 20; i++)
            files.Add(await vault.OpenAsync(folder.Make($"clip-{i:D2}.bin", 256 * KiB, seed: i), FileOpenMode.Read, FrameLayout.Fixed(4 * KiB)));
        var buffered = await vault.OpenAsync(folder.Make("buffered.bin", 64 * KiB, seed: 7), strategy: ReadStrategy.Buffered);
        var written = await vault.OpenAsync(Path.Combine(folder.Path, "renders", "out.bin"), FileOpenMode.Create);

        var held = new List<Frame>();
        for (int i = 0; i < files.Count; i++)
        {
            foreach (long n in new long[] { 1, 20, 40 })
            {
                var frame = await vault.GetFrameAsync(files[i], n).Answered();
                Assert.Equal(TempFolder.Pattern(n * 4 * KiB, i), frame.Span[0]);
                if (i < 3 && n == 20) held.Add(frame); // three windows held across the shutdown
                else frame.Dispose();
            }
        }
        using (var copy = await vault.GetFrameAtAsync(buffered, 1000, 1000)) Assert.False(copy.IsMapped);
        using (var output = await vault.GetFrameAtAsync(written, 0, 8 * KiB, access: FrameAccess.ReadWrite))
            output.WritableSpan.Fill(0x5a);
        await vault.FlushAsync(written);

        await VaultProbe.SettleAsync(system);
        Assert.NotEmpty(ProcessProbe.DescriptorsUnder(folder.Path));
        Assert.NotEmpty(ProcessProbe.MappingsUnder(folder.Path));

        await system.Terminate().WaitAsync(VaultProbe.Patience);

        Assert.Empty(ProcessProbe.DescriptorsUnder(folder.Path));
        // Only the held frames' windows are still mapped, and their bytes still readable.
        Assert.Equal(3 * 64 * KiB, ProcessProbe.MappedBytesUnder(folder.Path));
        for (int i = 0; i < held.Count; i++) Assert.Equal(TempFolder.Pattern(20 * 4 * KiB, i), held[i].Span[0]);
        foreach (var frame in held) frame.Dispose();
        Assert.Empty(ProcessProbe.MappingsUnder(folder.Path));
        Assert.Equal(0x5a, File.ReadAllBytes(written.Path)[8 * KiB - 1]);
    }

    [Fact]
    public async Task RequestsInFlightWhenTheVaultShutsDownAreAllAnsweredAndNoneHangs()
    {
        var a = await _vault.OpenAsync(_temp.Make("a.bin", 512 * KiB, seed: 1));
        var b = await _vault.OpenAsync(_temp.Make("b.bin", 512 * KiB, seed: 2));
        var buffered = await _vault.OpenAsync(_temp.Make("c.bin", 512 * KiB, seed: 3), strategy: ReadStrategy.Buffered);
        var closing = await _vault.OpenAsync(_temp.Make("d.bin", 512 * KiB, seed: 4));
        var held = await _vault.GetFrameAtAsync(a, 0, 1000); // takes the whole budget

        // Every other window waits for room: these are certainly in flight when the vault stops.
        var waiting = new List<Task<Frame>>();
        for (int w = 1; w < 8; w++) waiting.Add(_vault.GetFrameAtAsync(a, w * 64 * KiB, 1000).AsTask());
        for (int w = 0; w < 8; w++) waiting.Add(_vault.GetFrameAtAsync(b, w * 64 * KiB + 10, 1000, new FrameHints { Droppable = w % 2 == 0 }).AsTask());
        await VaultProbe.SettleAsync(Sys, a, b);
        Assert.Equal(15, (await _vault.GetStatisticsAsync()).BudgetWaits);
        Assert.All(waiting, t => Assert.False(t.IsCompleted));

        // And a burst nobody waited for: buffered reads, more waiting windows, a close, an open and statistics.
        var burst = new List<Task>();
        for (int i = 0; i < 100; i++)
        {
            burst.Add(_vault.GetFrameAtAsync(buffered, i * 5000, 1000).AsTask());
            burst.Add(_vault.GetFrameAtAsync(i % 2 == 0 ? a : closing, (i % 8) * 64 * KiB + 100, 1000).AsTask());
        }
        burst.Add(_vault.CloseAsync(closing));
        burst.Add(_vault.OpenAsync(_temp.Make("e.bin", 10_000)));
        burst.Add(_vault.GetStatisticsAsync());
        var terminated = Sys.Terminate();

        await terminated.WaitAsync(VaultProbe.Patience);
        foreach (var request in waiting)
        {
            var error = await Assert.ThrowsAsync<VaultException>(() => request.Answered());
            Assert.True(error.Error == VaultError.VaultStopped, $"A request waiting for room when the vault stopped: {error.Error}: {error.Message}");
        }
        var outcomes = new Dictionary<string, int>();
        foreach (var request in burst)
        {
            string outcome;
            try
            {
                await request.Answered();
                outcome = "answered";
                if (request is Task<Frame> { Result: var frame }) frame.Dispose();
            }
            catch (VaultException e) when (e.Error is VaultError.VaultStopped or VaultError.FileClosed)
            {
                outcome = e.Error.ToString();
            }
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        Assert.True(outcomes.GetValueOrDefault("VaultStopped") > 0, string.Join(", ", outcomes));

        // The held frame outlives the vault until it is disposed; then nothing of the vault's files is mapped or open.
        Assert.Equal(TempFolder.Pattern(999, 1), held.Span[999]);
        held.Dispose();
        Assert.Empty(ProcessProbe.MappingsUnder(_temp.Path));
        Assert.Empty(ProcessProbe.DescriptorsUnder(_temp.Path));

        // Asked after the shutdown, everything is answered at once.
        var late = await Assert.ThrowsAsync<VaultException>(async () => await _vault.GetFrameAtAsync(a, 0, 1000).Answered());
        Assert.Equal(VaultError.VaultStopped, late.Error);
        var open = await Assert.ThrowsAsync<VaultException>(() => _vault.OpenAsync(a.Path).Answered());
        Assert.Equal(VaultError.VaultStopped, open.Error);
        var stats = await Assert.ThrowsAsync<VaultException>(() => _vault.GetStatisticsAsync().Answered());
        Assert.Equal(VaultError.VaultStopped, stats.Error);
        await _vault.CloseAsync(a).Answered();
    }

    [Fact]
    public async Task WindowsMappedWhileTheVaultShutsDownAreUnmappedToo()
    {
        // Several rounds, because what is being mapped at the moment of the shutdown differs from round to round.
        for (int round = 0; round < 5; round++)
        {
            using var folder = new TempFolder(ProcessProbe.MemoryTempRoot);
            var system = ActorSystem.Create($"mapping-{round}", ConfigurationFactory.ParseString(VaultProbe.VirtualTime +
                "lumiera.vault { map-cache { budget = 64 MiB\n window-size = 64 KiB }\n handle-cache.max-handles = 16 }"));
            var vault = Vault.Get(system);
            var files = new List<VaultFile>();
            for (int i = 0; i < 16; i++) files.Add(await vault.OpenAsync(folder.Make($"clip-{i:D2}.bin", 1024 * KiB, seed: i)));
            var requests = new List<Task<Frame>>();
            for (int w = 0; w < 16; w++)
                foreach (var file in files) requests.Add(vault.GetFrameAtAsync(file, w * 64L * KiB, 1000).AsTask());

            await system.Terminate().WaitAsync(VaultProbe.Patience);
            int served = 0;
            foreach (var request in requests)
            {
                try
                {
                    (await request.Answered()).Dispose();
                    served++;
                }
                catch (VaultException e) when (e.Error is VaultError.VaultStopped or VaultError.FileClosed)
                {
                }
            }
            var left = ProcessProbe.MappingsUnder(folder.Path);
            Assert.True(left.Count == 0, $"Round {round}: {served} of {requests.Count} requests served before the shutdown, and {left.Count} windows still mapped after it.");
            Assert.Empty(ProcessProbe.DescriptorsUnder(folder.Path));
        }
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}
