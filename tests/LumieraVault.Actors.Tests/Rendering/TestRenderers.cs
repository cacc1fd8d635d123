using System.Collections.Concurrent;
using LumieraVault.Frames;
using LumieraVault.Rendering;
using Xunit.Sdk;

namespace LumieraVault.Tests.Rendering;

/// <summary>Renderers for the specs: each writes a pattern that names the frame, and records what it was asked.</summary>
public class RecordingRenderer(string id, int length = 64) : IRenderer
{
    public readonly ConcurrentQueue<long> Order = new();
    private readonly ConcurrentDictionary<long, int> _counts = new();

    public string Id => id;

    public virtual int FrameLength(long time) => length;

    public int Renders(long time) => _counts.GetValueOrDefault(time);

    public int TotalRenders => _counts.Values.Sum();

    public virtual async ValueTask RenderAsync(RenderContext context, CancellationToken cancellation)
    {
        await BeforeAsync(context, cancellation);
        Record(context);
        Fill(context.Target, Seed(id), context.Time);
    }

    protected virtual ValueTask BeforeAsync(RenderContext context, CancellationToken cancellation) => ValueTask.CompletedTask;

    protected void Record(RenderContext context)
    {
        Order.Enqueue(context.Time);
        _counts.AddOrUpdate(context.Time, 1, (_, n) => n + 1);
    }

    public static int Seed(string id) => id.Aggregate(17, (h, c) => h * 31 + c);

    public static byte Pattern(int seed, long time, int i) => (byte)(seed + time * 13 + i);

    public static void Fill(Span<byte> target, int seed, long time)
    {
        for (int i = 0; i < target.Length; i++) target[i] = Pattern(seed, time, i);
    }

    /// <summary>Asserts that the frame holds what this renderer writes for <paramref name="time"/>.</summary>
    public void AssertFrame(Frame frame, long time)
    {
        var span = frame.Span;
        int seed = Seed(id);
        for (int i = 0; i < span.Length; i++)
        {
            if (span[i] != Pattern(seed, time, i))
                throw new XunitException($"Byte {i} of {id}@{time} is {span[i]}, expected {Pattern(seed, time, i)}.");
        }
    }
}

/// <summary>Blocks inside its render until the spec opens it: holds a worker while the spec queues work behind it.</summary>
public sealed class GateRenderer(string id = "gate") : RecordingRenderer(id, 16)
{
    public readonly TaskCompletionSource Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly TaskCompletionSource Open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public CancellationToken Cancellation;

    protected override async ValueTask BeforeAsync(RenderContext context, CancellationToken cancellation)
    {
        Cancellation = cancellation;
        Entered.TrySetResult();
        // Deaf to cancellation on purpose: an abandoned renderer that goes on must not harm anyone.
        await Open.Task;
    }
}

/// <summary>Throws from its render.</summary>
public sealed class ThrowingRenderer(string id = "throws") : RecordingRenderer(id)
{
    protected override ValueTask BeforeAsync(RenderContext context, CancellationToken cancellation)
        => throw new InvalidOperationException("the effect's shader did not compile");
}

/// <summary>Makes its frame from another renderer's frame at the same time (plus one): a chain of dependencies.</summary>
public sealed class DependentRenderer(string id, Func<IRenderer> source) : RecordingRenderer(id)
{
    public override async ValueTask RenderAsync(RenderContext context, CancellationToken cancellation)
    {
        Record(context);
        using var input = await context.GetDependencyAsync(source(), context.Time, cancellation);
        var target = context.Target;
        var bytes = input.Span;
        for (int i = 0; i < target.Length; i++) target[i] = (byte)(bytes[i % bytes.Length] + 1);
    }
}

/// <summary>Takes batches of up to <paramref name="maxBatch"/> frames and records each batch's times.</summary>
public sealed class BatchRenderer(string id, int maxBatch) : RecordingRenderer(id), IRenderer
{
    public readonly ConcurrentQueue<long[]> Batches = new();

    public int MaxBatch => maxBatch;

    public async ValueTask RenderBatchAsync(IReadOnlyList<RenderContext> batch, CancellationToken cancellation)
    {
        Batches.Enqueue(batch.Select(c => c.Time).ToArray());
        foreach (var context in batch) await RenderAsync(context, cancellation);
    }
}
