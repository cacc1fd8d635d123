using LumieraVault.Audio.Editing;
using LumieraVault.Audio.Walking;
using Xunit;

namespace LumieraVault.Audio.Tests;

/// <summary>
/// Sequences of hours. Writing 518 million distinct samples per channel would make the suite slow and the disk
/// full, so a long take is built the way a loop is: one block group of tone is written for real (512 blocks,
/// 5.46 s), and the long take's base index names those blocks over and over (<see cref="SampleSequence.AppendBlocks"/>).
/// The index, the edits, the walker and the summaries then do all their real work: only the sample values repeat,
/// with a period of one group (262,144 samples), which is what the expected values below use.
/// </summary>
public sealed class LongSequenceSpec : AudioSpec
{
    private const int Period = AudioLayout.BlocksPerGroup * 512;
    private const long ThreeHours = 3L * 3600 * 48_000;

    /// <summary>A take of <paramref name="blocks"/> blocks that repeats one group of tone; its samples are <c>tone[p % Period]</c>.</summary>
    private static async Task<(SampleSequence Sequence, float[] Tone)> LoopAsync(SampleStore store, string name, long blocks, int seed)
    {
        var tone = Tone(Period, seed);
        var source = await FilledAsync(store, name + "-tone", tone);
        var pattern = Enumerable.Range(0, AudioLayout.BlocksPerGroup).Select(e => source.GetBaseEntry(e)).ToArray();
        var entries = new int[blocks];
        for (long e = 0; e < blocks; e++) entries[e] = pattern[e % pattern.Length];
        var loop = store.CreateSequence(name);
        loop.AppendBlocks(entries);
        return (loop, tone);
    }

    [Fact]
    public async Task A_sequence_longer_than_one_index_group_walks_edits_and_summarizes_across_the_boundary()
    {
        var store = await OpenStoreAsync();
        long blocks = AudioLayout.IndexGroupEntries + 10_000;
        var (s, tone) = await LoopAsync(store, "long", blocks, 3);
        Assert.Equal(blocks * 512, s.Length);
        Assert.Equal(blocks, s.BaseIndexCount);
        Func<long, float> model = p => tone[p % Period];
        long boundary = (long)AudioLayout.IndexGroupEntries * 512;
        using var walker = store.CreateWalker();
        AssertWindow(walker, s, model, boundary - 1000, 2000);

        s.Apply(new SequenceEdit.Cut(boundary - 300, 700));
        model = Cut(model, boundary - 300, 700);
        s.Apply(new SequenceEdit.Paste(boundary + 5, s.Id, 1000, 2000));
        model = Paste(model, model, boundary + 5, 1000, 2000);
        Assert.Equal(blocks * 512 - 700 + 2000, s.Length);
        AssertWindow(walker, s, model, boundary - 1000, 5000);
        AssertWindow(walker, s, model, s.Length - 3000, 3000);

        var expected = new float[400_000];
        for (int i = 0; i < expected.Length; i++) expected[i] = model(boundary - 100_000 + i);
        EditProperties.AssertSummary(SampleSummary.Of(expected), walker.Summarize(s, boundary - 100_000, expected.Length));
        var whole = walker.Summarize(s, 0, s.Length);
        Assert.Equal(s.Length, whole.Count);
        Assert.Equal(tone.Min(), whole.Min);
        Assert.Equal(tone.Max(), whole.Max);

        s.Undo();
        s.Undo();
        Assert.Equal(1, s.RunCount);
        AssertWindow(walker, s, p => tone[p % Period], boundary - 1000, 2000);
    }

    [Fact]
    public async Task A_three_hour_stereo_sequence_is_edited_undone_and_walked_end_to_end()
    {
        var store = await OpenStoreAsync();
        long blocks = ThreeHours / 512;
        var (left, toneL) = await LoopAsync(store, "left", blocks, 1);
        var (right, toneR) = await LoopAsync(store, "right", blocks, 2);
        Assert.Equal(518_400_000, left.Length);
        Assert.Equal(518_400_000, right.Length);
        Func<long, float> l = p => toneL[p % Period], r = p => toneR[p % Period];
        Func<long, float> original = l;
        var points = new List<long>();

        void Edit(SequenceEdit edit, Func<Func<long, float>, Func<long, float>> modelled, params long[] at)
        {
            left.Apply(edit);
            l = modelled(l);
            points.AddRange(at);
        }

        Edit(new SequenceEdit.Cut(1000, 48_000), m => Cut(m, 1000, 48_000), 1000);
        Edit(new SequenceEdit.Cut(259_200_000, 480_000), m => Cut(m, 259_200_000, 480_000), 259_200_000);
        Edit(new SequenceEdit.Paste(100_000_000, right.Id, 300_000_000, 480_000), m => Paste(m, r, 100_000_000, 300_000_000, 480_000), 100_000_000, 100_480_000);
        Edit(new SequenceEdit.Gain(200_000_123, 96_000, -0.5f), m => Map(m, 200_000_123, 96_000, (x, _) => x * -0.5f), 200_000_123, 200_096_123);
        long end = left.Length;
        Edit(new SequenceEdit.Fade(end - 240_000, 240_000, 1f, 0f), m => Map(m, end - 240_000, 240_000, (x, i) => x * Ramp.Line(1f, 0f, i, 240_000)), end - 240_000);
        Edit(new SequenceEdit.InsertSilence(134_217_728, 4800), m => Paste(m, _ => 0f, 134_217_728, 0, 4800), 134_217_728, 134_222_528);
        right.Apply(new SequenceEdit.Cut(1000, 48_000));
        r = Cut(r, 1000, 48_000);

        Assert.Equal(518_400_000 - 48_000 - 480_000 + 480_000 + 4800, left.Length);
        using var walker = store.CreateWalker();
        foreach (long p in points) AssertWindow(walker, left, l, Math.Max(0, p - 1500), (int)Math.Min(3000, left.Length - Math.Max(0, p - 1500)));
        AssertWindow(walker, left, l, 99_999_000, 480_000 + 2000);
        AssertWindow(walker, right, r, 0, 100_000);
        var random = new Random(11);
        for (int i = 0; i < 20; i++)
        {
            long p = random.NextInt64(0, left.Length - 4096);
            AssertWindow(walker, left, l, p, 4096);
        }
        var bucket = new SampleSummary[3];
        walker.Summarize(left, end - 240_000 - 100_000, 100_000, bucket);
        for (int k = 0; k < bucket.Length; k++)
        {
            var samples = new float[100_000];
            walker.Render(left, end - 240_000 - 100_000 + k * 100_000L, samples);
            EditProperties.AssertSummary(SampleSummary.Of(samples), bucket[k]);
        }

        while (left.CanUndo) left.Undo();
        right.Undo();
        Assert.Equal(1, left.RunCount);
        // Walk both channels end to end, a second at a time, against the tone they repeat.
        var buffer = new float[48_000];
        foreach (var (sequence, tone) in new[] { (left, toneL), (right, toneR) })
        {
            for (long p = 0; p < sequence.Length; p += buffer.Length)
            {
                walker.Render(sequence, p, buffer);
                int at = (int)(p % Period);
                int first = Math.Min(buffer.Length, Period - at);
                if (!buffer.AsSpan(0, first).SequenceEqual(tone.AsSpan(at, first)) || !buffer.AsSpan(first).SequenceEqual(tone.AsSpan(0, buffer.Length - first)))
                    Assert.Fail($"{sequence.Name} differs from its tone in the second at sample {p}.");
            }
        }
    }

    private static void AssertWindow(SampleWalker walker, SampleSequence s, Func<long, float> model, long start, int length)
    {
        var actual = new float[length];
        walker.Render(s, start, actual);
        var expected = new float[length];
        for (int i = 0; i < length; i++) expected[i] = model(start + i);
        AssertSamples(expected, actual, 1e-6f);
    }

    private static Func<long, float> Cut(Func<long, float> f, long start, long length) => p => p < start ? f(p) : f(p + length);

    private static Func<long, float> Paste(Func<long, float> f, Func<long, float> source, long at, long sourceStart, long length)
        => p => p < at ? f(p) : p < at + length ? source(sourceStart + p - at) : f(p - length);

    private static Func<long, float> Map(Func<long, float> f, long start, long length, Func<float, long, float> g)
        => p => p >= start && p < start + length ? g(f(p), p - start) : f(p);
}
