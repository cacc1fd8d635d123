using System.Diagnostics;
using Akka.Actor;
using LumieraVault.Files;
using LumieraVault.Statistics;
using Xunit;
using Xunit.Sdk;

namespace LumieraVault.Tests;

/// <summary>
/// How specs configure a vault and wait for it: by messages rather than time, with one wall-clock limit that
/// turns a lost answer into a failure instead of a hang.
/// </summary>
public static class VaultProbe
{
    /// <summary>Virtual time: deadlines and periodic checks move only when a spec advances the TestScheduler.</summary>
    public const string VirtualTime = "akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"\n";

    /// <summary>
    /// How long a spec waits for anything the vault must do before it fails. Longer than the default wait of
    /// <see cref="Config"/>, so that a request the vault gave up on fails with its own error first.
    /// </summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>HOCON for a vault with the given budget and window size (HOCON byte sizes, e.g. "256 KiB").</summary>
    public static string Config(string budget, string windowSize, string extra = "")
        => $"lumiera.vault {{ map-cache {{ budget = {budget}\n window-size = {windowSize}\n default-wait = 20s }}\n handle-cache.max-handles = 8 }}\n{extra}";

    /// <summary>
    /// Waits until everything sent so far along the miss path of <paramref name="files"/> was handled. An Identify is
    /// answered only after every message queued ahead of it, so the file actors are asked first (their handles given
    /// back, their windows announced), then the map cache and the handle cache in turn, and the file actors again
    /// after each, so that the replies the caches sent them are handled as well, and what those replies made them send.
    /// </summary>
    public static async Task SettleAsync(ActorSystem system, params VaultFile[] files)
    {
        var guardian = Vault.Get(system).Guardian.Path;
        var maps = await ResolveAsync(system, guardian / "maps");
        var handles = await ResolveAsync(system, guardian / "handles");
        foreach (var cache in new[] { maps, handles, maps, handles })
        {
            foreach (var file in files) await IdentifyAsync(file.FileMap);
            await IdentifyAsync(cache);
        }
        foreach (var file in files) await IdentifyAsync(file.FileMap);
    }

    private static async Task<IActorRef> ResolveAsync(ActorSystem system, ActorPath path)
    {
        var identity = await system.ActorSelection(path).Ask<ActorIdentity>(new Identify(null)).WaitAsync(Patience);
        return identity.Subject ?? throw new XunitException($"No actor at {path}.");
    }

    private static async Task IdentifyAsync(IActorRef actor)
    {
        var identity = await actor.Ask<ActorIdentity>(new Identify(null)).WaitAsync(Patience);
        Assert.True(identity.Subject is not null, $"{actor.Path} has stopped.");
    }

    /// <summary>Statistics round trips until <paramref name="condition"/> holds; fails after <see cref="Patience"/>.</summary>
    public static async Task<VaultStatistics> StatisticsWhenAsync(this Vault vault, Func<VaultStatistics, bool> condition, string what)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var stats = await vault.GetStatisticsAsync().Answered();
            if (condition(stats)) return stats;
            if (Stopwatch.GetElapsedTime(started) > Patience)
                throw new XunitException($"Gave up waiting for: {what}.\n{stats.ToReport()}");
            await Task.Yield();
        }
    }

    /// <summary>Waits for a reply the vault must give, at most <see cref="Patience"/>.</summary>
    public static Task<T> Answered<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Patience);

    /// <summary>Waits for a reply the vault must give, at most <see cref="Patience"/>.</summary>
    public static Task<T> Answered<T>(this Task<T> task) => task.WaitAsync(Patience);

    /// <summary>Waits for the vault to finish something that returns no value, at most <see cref="Patience"/>.</summary>
    public static Task Answered(this Task task) => task.WaitAsync(Patience);

    /// <summary>Asserts that the request failed with the named error.</summary>
    public static async Task<VaultException> FailsWith<T>(this ValueTask<T> task, VaultError error)
    {
        var e = await Assert.ThrowsAnyAsync<VaultException>(() => task.Answered());
        Assert.True(error == e.Error, $"Expected {error}, got {e.Error}: {e.Message}");
        return e;
    }

    /// <summary>Pins held on all open files, from a statistics snapshot.</summary>
    public static int Pins(this VaultStatistics stats) => stats.Files.Sum(f => f.Pins);
}
