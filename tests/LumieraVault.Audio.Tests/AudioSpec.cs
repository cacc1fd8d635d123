using Akka.TestKit.Xunit2;
using LumieraVault.Audio.Walking;
using Xunit;

namespace LumieraVault.Audio.Tests;

/// <summary>
/// The base of the store's specs: an actor system whose vault maps one block group per 1 MiB window, a temp
/// folder, and helpers that make tones and compare samples.
/// </summary>
public abstract class AudioSpec : TestKit, IAsyncLifetime
{
    public const string Config = "lumiera.vault { map-cache { budget = 512 MiB\n window-size = 1 MiB\n default-wait = 20s }\n handle-cache.max-handles = 64 }\n"
        + "lumiera.audio { walker.pinned-groups = 8 }\n";

    protected AudioSpec(string? extra = null) : base(Config + (extra ?? ""))
    {
    }

    protected TempFolder Temp { get; } = new();

    private readonly List<SampleStore> _stores = new();

    protected async Task<SampleStore> OpenStoreAsync(string name = "store", Akka.Actor.ActorSystem? system = null)
    {
        var store = await SampleStore.OpenAsync(system ?? Sys, Temp.Sub(name));
        _stores.Add(store);
        return store;
    }

    /// <summary>A sequence filled with <paramref name="samples"/> (the append finished).</summary>
    protected static async Task<SampleSequence> FilledAsync(SampleStore store, string name, float[] samples, SampleFormat format = SampleFormat.Float32)
    {
        var s = store.CreateSequence(name, format);
        await s.AppendAsync(samples);
        await s.FinishAppendAsync();
        return s;
    }

    /// <summary>Distinct, reproducible samples in (-1, 1): sample i of seed s.</summary>
    public static float[] Tone(int length, int seed = 1)
    {
        var a = new float[length];
        for (int i = 0; i < length; i++) a[i] = MathF.Sin((i + 1) * 0.001f * (seed + 1) + seed) * 0.9f * ((i % 7) + 1) / 7f;
        return a;
    }

    /// <summary>The samples as an int16 sequence stores them.</summary>
    public static float[] Quantized(float[] samples) => samples.Select(x => Walking.SampleMath.ToInt16(x) * Walking.SampleMath.Int16Scale).ToArray();

    protected static float[] RenderAll(SampleWalker walker, SampleSequence s)
    {
        var buffer = new float[s.Length];
        walker.Render(s, 0, buffer);
        return buffer;
    }

    public static void AssertSamples(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance = 0)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float diff = MathF.Abs(expected[i] - actual[i]);
            if (diff > tolerance * MathF.Max(1, MathF.Abs(expected[i])))
                Assert.Fail($"Sample {i} is {actual[i]:R}, expected {expected[i]:R} (of {expected.Length}).");
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            try { await store.DisposeAsync(); }
            catch (AudioException) { }
        }
        Temp.Dispose();
    }
}
