using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LumieraVault.Audio.Editing;
using Xunit;

namespace LumieraVault.Audio.Tests;

/// <summary>
/// Random edits, undos, redos and bad requests applied both to the store and to a plain array must always leave
/// the same samples, the same summaries and the same length. Each case decodes its operations from a list of
/// integers (so FsCheck shrinks a failure to a short list), on takes of a few thousand samples: long enough for
/// several blocks, short enough that the suite stays fast.
/// </summary>
public sealed class EditProperties : AudioSpec
{
    private const float Tolerance = 2e-6f;
    private static int s_case;

    [Property(MaxTest = 100)]
    public void Float32_edits_agree_with_a_plain_array(int[] codes, NonNegativeInt size) => Run(codes, size.Get, SampleFormat.Float32);

    [Property(MaxTest = 50)]
    public void Int16_edits_agree_with_a_plain_array(int[] codes, NonNegativeInt size) => Run(codes, size.Get, SampleFormat.Int16);

    /// <summary>
    /// The same, with every version written as its page table and read back before the next edit: the recorded form
    /// decodes to the runs it encodes, and the store goes on editing and playing the decoded runs.
    /// </summary>
    [Property(MaxTest = 60)]
    public void Edits_agree_with_a_plain_array_through_their_page_tables(int[] codes, NonNegativeInt size)
        => Run(codes, size.Get, size.Get % 4 == 0 ? SampleFormat.Int16 : SampleFormat.Float32, recorded: true);

    private void Run(int[] codes, int size, SampleFormat format, bool recorded = false)
    {
        var store = Store.Value;
        int n = Interlocked.Increment(ref s_case);
        // FsCheck's sizes stay small (under about 100): spread them over a few thousand samples, so that takes span
        // several blocks and edits fall inside, across and on their boundaries.
        int spread = (int)((uint)(size * -1640531535) % 4000);
        int length = spread + (size % 3 == 0 ? 1024 : 37);
        var a0 = Tone(length, n);
        var b0 = Tone(1500 + spread % 900, n + 1000);
        if (format == SampleFormat.Int16)
        {
            a0 = Quantized(a0);
            b0 = Quantized(b0);
        }
        var a = FilledAsync(store, $"a{n}", a0, format).GetAwaiter().GetResult();
        var b = FilledAsync(store, $"b{n}", b0, format).GetAwaiter().GetResult();
        var model = new SampleModel(a0);
        using var walker = store.CreateWalker();
        foreach (int code in codes.Take(40))
        {
            // Seeds that lie close give close first draws: spread each code before seeding.
            Step(new Random(unchecked(code * -1640531535)), a, b, b0, model);
            if (recorded) a.Restore(PageTableSpec.RoundTrip(store, a));
            Assert.Equal(model.Length, a.Length);
            Assert.Equal(model.CanUndo, a.CanUndo);
            Assert.Equal(model.CanRedo, a.CanRedo);
        }
        AssertSamples(model.Samples, RenderAll(walker, a), Tolerance);
        AssertSummaries(walker, a, model.Samples, new Random(n));
    }

    private static void Step(Random r, SampleSequence a, SampleSequence b, float[] b0, SampleModel model)
    {
        long len = model.Length;
        int kind = r.Next(11);
        if (kind == 8)
        {
            if (!model.CanUndo) return;
            a.Undo();
            model.Undo();
            return;
        }
        if (kind == 9)
        {
            if (!model.CanRedo) return;
            a.Redo();
            model.Redo();
            return;
        }
        if (kind == 10)
        {
            BadRequest(r, a, model);
            return;
        }
        long start = Position(r, len);
        long span = Math.Min(len - start, Position(r, len / 2 + 1));
        SequenceEdit edit = kind switch
        {
            0 => new SequenceEdit.Cut(start, span),
            1 => new SequenceEdit.Paste(Position(r, len), a.Id, start, Math.Min(span, 3000)),
            2 => PasteOther(r, len, a, b, b0.Length),
            3 => new SequenceEdit.InsertSilence(start, r.Next(1200)),
            4 => new SequenceEdit.Silence(start, span),
            5 => new SequenceEdit.Gain(start, span, new[] { 0.5f, -1f, 2f, 0.25f, 0f, 1.5f }[r.Next(6)]),
            6 => new SequenceEdit.Fade(start, span, new[] { 0f, 1f, 0.3f }[r.Next(3)], new[] { 1f, 0f, 0.7f }[r.Next(3)]),
            _ => new SequenceEdit.Trim(start, span),
        };
        if (len > 60_000 && edit is SequenceEdit.Paste or SequenceEdit.InsertSilence) edit = new SequenceEdit.Cut(start, span);
        a.Apply(edit);
        model.Apply(edit, edit is SequenceEdit.Paste p && p.Source == b.Id ? b0 : null);
    }

    private static SequenceEdit PasteOther(Random r, long len, SampleSequence a, SampleSequence b, int otherLength)
    {
        long from = Position(r, otherLength);
        return new SequenceEdit.Paste(Position(r, len), b.Id, from, Math.Min(otherLength - from, r.Next(2000)));
    }

    /// <summary>Anywhere from 0 to <paramref name="max"/>, often on a fine-summary or block boundary.</summary>
    private static long Position(Random r, long max)
    {
        long p = r.NextInt64(0, max + 1);
        return r.Next(4) switch
        {
            0 => p / 512 * 512,
            1 => p / 256 * 256,
            _ => p,
        };
    }

    private static void BadRequest(Random r, SampleSequence a, SampleModel model)
    {
        long len = model.Length;
        var (edit, error) = r.Next(5) switch
        {
            0 => ((SequenceEdit)new SequenceEdit.Cut(0, -1 - r.Next(10)), AudioError.NegativeLength),
            1 => (new SequenceEdit.Cut(len - r.Next((int)Math.Min(len, 10) + 1), 11), AudioError.OutOfRange),
            2 => (new SequenceEdit.InsertSilence(len + 1 + r.Next(5), 3), AudioError.OutOfRange),
            3 => (new SequenceEdit.Paste(0, a.Id, -1, 1), AudioError.OutOfRange),
            _ => (new SequenceEdit.Paste(0, 999_999, 0, 1), AudioError.UnknownSequence),
        };
        var history = a.History.Count;
        var e = Assert.Throws<AudioException>(() => a.Apply(edit));
        Assert.Equal(error, e.Error);
        Assert.Equal(history, a.History.Count);
    }

    private static void AssertSummaries(Walking.SampleWalker walker, SampleSequence a, float[] samples, Random r)
    {
        AssertSummary(SampleSummary.Of(samples), walker.Summarize(a, 0, a.Length));
        foreach (int bucket in new[] { 256, 512, 1000 })
        {
            long start = r.NextInt64(0, Math.Max(1, a.Length / 3));
            var buckets = new SampleSummary[(a.Length - start + bucket - 1) / bucket + 1];
            walker.Summarize(a, start, bucket, buckets);
            for (int k = 0; k < buckets.Length; k++)
            {
                long from = start + (long)k * bucket;
                var expected = from >= samples.Length ? SampleSummary.Empty : SampleSummary.Of(samples.AsSpan((int)from, (int)Math.Min(bucket, samples.Length - from)));
                AssertSummary(expected, buckets[k]);
            }
        }
    }

    public static void AssertSummary(SampleSummary expected, SampleSummary actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        if (expected.Count == 0) return;
        Assert.True(Close(expected.Min, actual.Min) && Close(expected.Max, actual.Max), $"summary {actual}, expected {expected}");
        Assert.True(Math.Abs(expected.SumOfSquares - actual.SumOfSquares) <= 1e-4 * Math.Max(1, expected.SumOfSquares), $"sum of squares {actual.SumOfSquares}, expected {expected.SumOfSquares}");
    }

    private static bool Close(float e, float a) => MathF.Abs(e - a) <= Tolerance * MathF.Max(1, MathF.Abs(e));

    private Lazy<SampleStore> Store => _store ??= new Lazy<SampleStore>(() => OpenStoreAsync("properties").GetAwaiter().GetResult());

    private Lazy<SampleStore>? _store;
}
