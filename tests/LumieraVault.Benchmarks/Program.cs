using System.Diagnostics;
using BenchmarkDotNet.Running;
using LumieraVault.Benchmarks;

// With --quick: every side-by-side comparison in one short in-process run, one line per comparison on
// stdout (`ratio NAME VALUE`, details on stderr). `--quick vault audio` runs only the parts named.
// Otherwise BenchmarkDotNet's suites, e.g. `-- --filter '*HitVsRawMmap*' --job short`.
var parts = new (string Name, Func<IEnumerable<string>> Run)[]
{
    ("vault", VaultQuick.Run),
    ("scheduler", SchedulerQuick.Run),
    ("render-cache", RenderCacheQuick.Run),
    ("audio", AudioQuick.Run),
    ("audio-wav", WavImportQuick.Run),
    ("session", SessionQuick.Run),
    ("prefetch", PrefetchQuick.Run),
    ("cluster-frames", ClusterFramesQuick.Run),
    ("cluster-render", ClusterRenderQuick.Run),
};

if (args.Length > 0 && args[0] == "--quick")
{
    var wanted = args.Skip(1).ToHashSet(StringComparer.OrdinalIgnoreCase);
    var unknown = wanted.Except(parts.Select(p => p.Name), StringComparer.OrdinalIgnoreCase).ToList();
    if (unknown.Count > 0)
    {
        Console.Error.WriteLine($"unknown part(s): {string.Join(", ", unknown)}; the parts are {string.Join(", ", parts.Select(p => p.Name))}");
        return 2;
    }
    // Stdout carries the result lines only: whatever else writes to the console (Akka's standard-out logger, a node's
    // shutdown warnings) goes to stderr with the details.
    var results = Console.Out;
    Console.SetOut(Console.Error);
    var clock = Stopwatch.StartNew();
    using var reporting = HostPageReporting.Pause();
    Console.Error.WriteLine($"== machine: {reporting}");
    foreach (var (name, run) in parts)
    {
        if (wanted.Count > 0 && !wanted.Contains(name)) continue;
        Console.Error.WriteLine($"== {name}");
        foreach (var line in run())
        {
            results.WriteLine(line);
            results.Flush();
        }
    }
    Console.Error.WriteLine($"  quick run took {clock.Elapsed.TotalSeconds:F1} s");
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(VaultFixture).Assembly).Run(args);
return 0;
