using System.Diagnostics;
using BenchmarkDotNet.Running;
using LumieraVault.Benchmarks;

// With --quick: every side-by-side comparison in one short in-process run, one line per comparison on
// stdout (details on stderr). Otherwise BenchmarkDotNet's suites, e.g. `-- --filter '*HitVsRawMmap*' --job short`.
if (args.Contains("--quick"))
{
    var clock = Stopwatch.StartNew();
    using (var fixture = VaultFixture.Start())
    {
        fixture.MapAllWindows();
        foreach (var line in HitVsRawMmap.Quick(fixture)) Console.WriteLine(line);
        foreach (var line in HitVsRandomAccessRead.Quick(fixture)) Console.WriteLine(line);
        foreach (var line in HitAllocations.Quick(fixture)) Console.WriteLine(line);
    }
    using (var fixture = VaultFixture.Start(MissMapLatency.SmallBudgetConfig))
    {
        foreach (var line in MissMapLatency.Quick(fixture)) Console.WriteLine(line);
    }
    Console.Error.WriteLine($"  quick run took {clock.Elapsed.TotalSeconds:F1} s");
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(VaultFixture).Assembly).Run(args);
return 0;
