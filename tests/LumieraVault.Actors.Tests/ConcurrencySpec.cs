using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Frames;
using Xunit;

namespace LumieraVault.Tests;

public sealed class ConcurrencySpec : TestKit, IDisposable
{
    private const int Window = 64 * 1024;
    private const long Budget = 8 * Window;
    private const long Size = 32 * Window + 1000;
    private const int Readers = 16;
    private const int RequestsPerReader = 250;
    private readonly TempFolder _temp = new();

    public ConcurrencySpec() : base(VaultProbe.Config("512 KiB", "64 KiB"))
    {
    }

    private Vault Vault => Vault.Get(Sys);

    private sealed class Tally
    {
        public int Calls, Served, OutOfRange, Unexpected, Corrupt, Hits;
        public readonly List<string> Problems = new();
    }

    [Fact]
    public async Task Sixteen_concurrent_readers_get_exactly_one_correct_answer_per_request_and_return_every_pin()
    {
        var file = await Vault.OpenAsync(_temp.Make("c.bin", Size, seed: 9));
        var tallies = await Task.WhenAll(Enumerable.Range(0, Readers).Select(i => Task.Run(() => Read(file, seed: 100 + i))));
        // The last pins returned may still have the map cache unmapping retired windows and counting its waiters.
        await VaultProbe.SettleAsync(Sys, file);

        var stats = await Vault.GetStatisticsAsync();
        string report = string.Join("\n", tallies.SelectMany(t => t.Problems).Take(10)) + "\n" + stats.ToReport();
        int issued = Readers * RequestsPerReader;
        Assert.True(tallies.Sum(t => t.Served + t.OutOfRange + t.Unexpected) == issued, report);
        Assert.True(tallies.Sum(t => t.Unexpected) == 0, report);
        Assert.True(tallies.Sum(t => t.Corrupt) == 0, report);
        Assert.Equal(tallies.Sum(t => t.Calls), stats.FrameRequests);
        Assert.Equal(issued, stats.FrameRequests); // every request counted once, whichever path served it
        Assert.InRange(stats.FastPathHits, tallies.Sum(t => t.Hits), tallies.Sum(t => t.Calls)); // GetFrameAtAsync hits count too
        Assert.Equal(tallies.Sum(t => t.OutOfRange), stats.Failures);
        Assert.True(tallies.Sum(t => t.OutOfRange) > 100, report);
        Assert.True(stats.FastPathHits > 100 && stats.Misses > 100, report);
        Assert.True(stats.WindowsUnmapped > 50, report);

        Assert.All(stats.Files, f => Assert.Equal(0, f.Pins));
        Assert.InRange(Vault.MappedBytes, 0, Budget);
        Assert.InRange(stats.MappedBytesPeak, 0, Budget);
        Assert.Equal(Vault.MappedBytes, file.Cache.Reserved);
        Assert.False(file.Cache.HasWaiters);
    }

    private async Task<Tally> Read(VaultFile file, int seed)
    {
        var random = new Random(seed);
        var tally = new Tally();
        for (int i = 0; i < RequestsPerReader; i++)
        {
            int kind = random.Next(10);
            long offset;
            int length;
            if (kind == 0)
            {
                // Out of range: ends past the end of the file, sometimes far past it.
                length = random.Next(1, 8192);
                offset = Size - length + 1 + random.NextInt64(0, random.Next(2) == 0 ? 1L << 32 : 4096);
            }
            else if (kind <= 3)
            {
                offset = random.Next(0, Window - 512); // a hot window, mostly mapped
                length = random.Next(1, 512);
            }
            else
            {
                length = random.Next(1, 8192);
                offset = random.NextInt64(0, Size - length + 1);
            }
            bool inRange = offset + length <= Size;

            Frame frame;
            try
            {
                // Half the requests try the fast path first, as a player does; the rest go straight to the message path.
                bool hit = false;
                frame = default;
                if (random.Next(2) == 0)
                {
                    hit = Vault.TryGetFrameAt(file, offset, length, out frame);
                    if (hit)
                    {
                        tally.Calls++; // a probe that finds nothing is not a request: the GetFrameAtAsync below is
                        tally.Hits++;
                    }
                }
                if (!hit)
                {
                    tally.Calls++;
                    frame = await Vault.GetFrameAtAsync(file, offset, length).Answered();
                }
            }
            catch (VaultException e) when (e.Error == VaultError.OutOfRange && !inRange)
            {
                tally.OutOfRange++;
                continue;
            }
            catch (Exception e)
            {
                tally.Unexpected++;
                tally.Problems.Add($"({offset}, {length}): {e.GetType().Name}: {e.Message}");
                continue;
            }
            using (frame)
            {
                if (!inRange)
                {
                    tally.Unexpected++;
                    tally.Problems.Add($"({offset}, {length}) lies past the end but was served");
                    continue;
                }
                tally.Served++;
                var span = frame.Span;
                if (frame.Offset != offset || span.Length != length)
                {
                    tally.Corrupt++;
                    continue;
                }
                for (int b = 0; b < span.Length; b++)
                {
                    if (span[b] != TempFolder.Pattern(offset + b, seed: 9))
                    {
                        tally.Corrupt++;
                        tally.Problems.Add($"({offset}, {length}): byte {b} is {span[b]}");
                        break;
                    }
                }
            }
            if (random.Next(4) == 0) await Task.Yield();
        }
        return tally;
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}
