using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using LumieraVault.Files;
using LumieraVault.Statistics;
using Xunit;
using Xunit.Sdk;

namespace LumieraVault.Tests;

/// <summary>Helpers the mapping specs share: what the kernel says is mapped, and ways to wait for the actors without sleeping.</summary>
public static class MapsProbe
{
    /// <summary>HOCON for a vault with the given budget and window size (HOCON byte sizes, e.g. "256 KiB").</summary>
    public static string Config(string budget, string windowSize, string extra = "")
        => $"lumiera.vault {{ map-cache {{ budget = {budget}\n window-size = {windowSize}\n default-wait = 20s }}\n handle-cache.max-handles = 8 }}\n{extra}";

    /// <summary>Virtual time: deadlines and timers move only when a test advances the TestScheduler.</summary>
    public const string VirtualTime = "akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"";

    /// <summary>
    /// Bytes of this process's address space mapped from <paramref name="path"/>, as /proc/self/maps lists them:
    /// the sum of the sizes of the lines whose path is the file.
    /// </summary>
    public static long MappedBytesOf(string path)
    {
        long total = 0;
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            // address perms offset dev inode path; the path is the sixth field and may hold spaces.
            int at = 0;
            for (int field = 0; field < 5 && at >= 0; field++)
            {
                at = line.IndexOf(' ', at);
                if (at >= 0) while (at < line.Length && line[at] == ' ') at++;
            }
            if (at < 0 || at >= line.Length) continue;
            var mapped = line.AsSpan(at);
            if (!mapped.SequenceEqual(path) && !mapped.SequenceEqual(path + " (deleted)")) continue;
            int dash = line.IndexOf('-');
            int space = line.IndexOf(' ');
            long start = long.Parse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            long end = long.Parse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            total += end - start;
        }
        return total;
    }

    /// <summary>Asserts that <paramref name="bytes"/> hold the pattern of <see cref="TempFolder.Make"/> from <paramref name="offset"/>.</summary>
    public static void AssertPattern(ReadOnlySpan<byte> bytes, long offset, int seed = 0)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != TempFolder.Pattern(offset + i, seed))
                throw new XunitException($"Byte at file offset {offset + i} is {bytes[i]}, expected {TempFolder.Pattern(offset + i, seed)}.");
        }
    }

    /// <summary>
    /// Waits until every message sent so far along the miss path of <paramref name="file"/> was handled: the file's actor,
    /// the map cache and the handle cache each answer Identify only after what is ahead of it in their mailboxes, and the
    /// file's actor is asked again after each so that the replies those two sent it are handled as well.
    /// </summary>
    public static async Task SettleAsync(ActorSystem system, Vault vault, VaultFile file)
    {
        var maps = await Resolve(system, vault.Guardian.Path / "maps");
        var handles = await Resolve(system, vault.Guardian.Path / "handles");
        foreach (var actor in new[] { file.FileMap, maps, file.FileMap, handles, file.FileMap, maps, file.FileMap })
            await actor.Ask<ActorIdentity>(new Identify(null)).WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task<IActorRef> Resolve(ActorSystem system, ActorPath path)
    {
        var identity = await system.ActorSelection(path).Ask<ActorIdentity>(new Identify(null)).WaitAsync(TimeSpan.FromSeconds(10));
        return identity.Subject ?? throw new XunitException($"No actor at {path}.");
    }

    /// <summary>Statistics round trips until <paramref name="condition"/> holds; fails after a generous wall-clock limit.</summary>
    public static async Task<VaultStatistics> StatisticsWhenAsync(this Vault vault, Func<VaultStatistics, bool> condition, string what)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var stats = await vault.GetStatisticsAsync();
            if (condition(stats)) return stats;
            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(15))
                throw new XunitException($"Gave up waiting for: {what}.\n{stats.ToReport()}");
            await Task.Yield();
        }
    }

    /// <summary>Waits for a reply the vault must give; a generous wall-clock limit turns a lost answer into a failure, not a hang.</summary>
    public static Task<T> Answered<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(AnswerLimit);

    /// <summary>Waits for a reply the vault must give; see <see cref="Answered{T}(ValueTask{T})"/>.</summary>
    public static Task<T> Answered<T>(this Task<T> task) => task.WaitAsync(AnswerLimit);

    /// <summary>Longer than the default wait of <see cref="Config"/>, so a request the vault gave up on fails with its own error first.</summary>
    private static readonly TimeSpan AnswerLimit = TimeSpan.FromSeconds(30);

    /// <summary>Asserts the request failed with the named error.</summary>
    public static async Task<VaultException> FailsWith<T>(this ValueTask<T> task, VaultError error)
    {
        var e = await Assert.ThrowsAnyAsync<VaultException>(() => task.Answered());
        Assert.Equal(error, e.Error);
        return e;
    }

    /// <summary>Pins held on all open files, from a statistics snapshot.</summary>
    public static int Pins(this VaultStatistics stats) => stats.Files.Sum(f => f.Pins);
}
