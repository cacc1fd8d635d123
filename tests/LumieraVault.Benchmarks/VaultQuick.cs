namespace LumieraVault.Benchmarks;

/// <summary>The vault core's side-by-side comparisons in the quick run.</summary>
internal static class VaultQuick
{
    public static IEnumerable<string> Run()
    {
        using (var fixture = VaultFixture.Start())
        {
            fixture.MapAllWindows();
            foreach (var line in HitVsRawMmap.Quick(fixture)) yield return line;
            foreach (var line in HitVsRandomAccessRead.Quick(fixture)) yield return line;
            foreach (var line in HitAllocations.Quick(fixture)) yield return line;
        }
        using (var fixture = VaultFixture.Start(MissMapLatency.SmallBudgetConfig))
        {
            foreach (var line in MissMapLatency.Quick(fixture)) yield return line;
        }
    }
}
