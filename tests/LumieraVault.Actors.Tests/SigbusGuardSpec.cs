using System.Runtime.InteropServices;
using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Native;
using Xunit;

namespace LumieraVault.Tests;

/// <summary>
/// A frame held while another program truncates its file: touching its bytes past the new end would kill the
/// process with SIGBUS. With the guard those pages read as zeros and the file is reported changed.
/// Nothing else notices the truncation here (no periodic check, no inotify), so the guard's notice is what is tested.
/// If the guard did not work, this spec would take the test host down with it.
/// </summary>
public sealed class SigbusGuardSpec : TestKit, IDisposable
{
    private readonly TempFolder _temp = new();

    public SigbusGuardSpec() : base(VaultProbe.Config("1 MiB", "256 KiB",
        "lumiera.vault.files { change-check-interval = off\n watch-changes = off\n sigbus-guard = on }"))
    {
    }

    private Vault Vault => Vault.Get(Sys);

    [Fact]
    public async Task AHeldFrameOfATruncatedFileReadsZerosInsteadOfKillingTheProcessAndTheFileIsReportedChanged()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            // The documented behaviour elsewhere: no guard, and the reason says so.
            Assert.False(SigbusGuard.TryInstall(out string? why));
            Assert.Contains("x64", why);
            return;
        }
        Assert.True(SigbusGuard.TryInstall(out string? refusal), refusal);
        var path = _temp.Make("clip.bin", 200_000);
        var file = await Vault.OpenAsync(path, layout: FrameLayout.Fixed(100_000));
        long faultsBefore = SigbusGuard.Faults;

        using (var frame = await Vault.GetFrameAsync(file, 1).Answered())
        {
            TempFolder.AssertPattern(frame.Span[..1000], 100_000);
            using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) fs.SetLength(4096);

            // Every byte of the frame now lies past the end of the file.
            long sum = 0;
            foreach (byte b in frame.Span) sum += b;
            Assert.Equal(0, sum);
        }

        Assert.True(SigbusGuard.Faults > faultsBefore);
        var stats = await Vault.StatisticsWhenAsync(s => s.WindowsMapped == 0, "the guard's notice to retire the truncated file's window");
        Assert.True(stats.GuardedFaults > 0);
        Assert.Contains("Guarded", stats.ToReport());
        Assert.Contains("shrank", file.ChangedReason);
        await Vault.GetFrameAsync(file, 0).FailsWith(VaultError.FileChanged);
    }

    [Fact]
    public void AFaultOutsideTheVaultsWindowsStillReachesTheRuntime()
    {
        Assert.Equal(RuntimeInformation.ProcessArchitecture == Architecture.X64, SigbusGuard.TryInstall(out _));
        // A null dereference is SIGSEGV, handled by the runtime as before; the guard handles only SIGBUS and
        // passes foreign ones on. The runtime's own fault handling keeps working with the guard installed.
        string? nothing = Environment.GetEnvironmentVariable("LUMIERA_VAULT_NO_SUCH_VARIABLE_" + Guid.NewGuid().ToString("N"));
        Assert.Throws<NullReferenceException>(() => nothing!.Length);
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}
