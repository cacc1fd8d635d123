using System.Buffers;
using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using LumieraVault.Frames;
using LumieraVault.Rendering;
using LumieraVault.Rendering.Cache;
using Microsoft.Win32.SafeHandles;

namespace LumieraVault.Benchmarks;

/// <summary>
/// The render cache's hit path against reading the same bytes of the same segment files with
/// <see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/> into a pooled buffer, and what a commit costs
/// (checksum, flush of the segment, durable index record).
/// </summary>
internal static class RenderCacheQuick
{
    private const long CachedBytes = 48L << 20;

    public static IEnumerable<string> Run()
    {
        var folder = Path.Combine(Path.GetTempPath(), "lumiera-vault-bench", Guid.NewGuid().ToString("N"));
        var config = ConfigurationFactory.ParseString(VaultFixture.AllMappedConfig + "\nakka.loglevel = WARNING\nakka.stdout-loglevel = WARNING");
        var system = ActorSystem.Create("bench-render-cache", config);
        var cache = RenderCache.OpenAsync(system, new RenderCacheOptions(folder) { MaxBytes = 256L << 20, SegmentBytes = 64L << 20 }).GetAwaiter().GetResult();
        var handles = new Dictionary<string, SafeFileHandle>();
        try
        {
            foreach (var (size, label) in new[] { (64 << 10, "64KiB"), (1 << 20, "1MiB") })
            {
                var (keys, places, commitUs) = Fill(cache, size, handles);
                Console.Error.WriteLine($"  render-cache commit of {label} frames: median {QuickHarness.Median(commitUs):F0} us, p99 {QuickHarness.Percentile(commitUs, 99):F0} us");
                yield return $"us render-cache-commit-{label}-p50 {QuickHarness.Median(commitUs):F0}";
                int nextCache = 0, nextRead = 0;
                double ratio = QuickHarness.ThroughputRatio($"render-cache-hit-{label}/random-access-read",
                    frames =>
                    {
                        ulong sum = 0;
                        var buffer = ArrayPool<byte>.Shared.Rent(size);
                        for (int i = 0; i < frames; i++)
                        {
                            var (handle, offset) = places[nextRead];
                            nextRead = (nextRead + 1) % places.Length;
                            int read = RandomAccess.Read(handle, buffer.AsSpan(0, size), offset);
                            sum ^= Consumer.Touch(buffer.AsSpan(0, read));
                        }
                        ArrayPool<byte>.Shared.Return(buffer);
                        return sum;
                    },
                    frames =>
                    {
                        ulong sum = 0;
                        for (int i = 0; i < frames; i++)
                        {
                            var pending = cache.TryGetAsync(keys[nextCache]);
                            nextCache = (nextCache + 1) % keys.Length;
                            if (!pending.IsCompletedSuccessfully || pending.Result is not { } frame)
                                throw new InvalidOperationException("A cached frame missed the hit path: the benchmark expects every segment window to stay mapped.");
                            using (frame) sum ^= Consumer.Touch(frame.Span);
                        }
                        return sum;
                    });
                yield return $"ratio render-cache-hit-{label}/random-access-read {ratio:F2}";
            }
            double serial = CommitsPerSecond(cache, writers: 1);
            double concurrent = CommitsPerSecond(cache, writers: 4);
            Console.Error.WriteLine($"  render-cache commits of 64 KiB frames: {serial:F0}/s one writer, {concurrent:F0}/s four writers (they share index fsyncs)");
            yield return $"persec render-cache-commits-1-writer {serial:F0}";
            yield return $"persec render-cache-commits-4-writers {concurrent:F0}";
        }
        finally
        {
            foreach (var h in handles.Values) h.Dispose();
            cache.DisposeAsync().AsTask().GetAwaiter().GetResult();
            system.Terminate().GetAwaiter().GetResult();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Commits of 64 KiB frames per second by <paramref name="writers"/> tasks rendering at once, for about a second.</summary>
    private static double CommitsPerSecond(RenderCache cache, int writers)
    {
        const int Size = 64 << 10;
        int committed = 0;
        var clock = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var bytes = new byte[Size];
            new Random(w).NextBytes(bytes);
            for (int i = 0; clock.Elapsed < TimeSpan.FromSeconds(1); i++)
            {
                var slot = await cache.ReserveAsync(FrameKey.For("bench-commits").Add(writers).Add(w).Time(i).Build(), Size);
                bytes.CopyTo(slot.Frame.WritableSpan);
                (await cache.CommitAsync(slot)).Dispose();
                Interlocked.Increment(ref committed);
            }
        })).ToArray();
        Task.WaitAll(tasks);
        return committed / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Renders random frames of <paramref name="size"/> bytes into the cache; where each lies, and each commit's microseconds.</summary>
    private static (FrameKey[] Keys, (SafeFileHandle Handle, long Offset)[] Places, double[] CommitUs) Fill(RenderCache cache, int size, Dictionary<string, SafeFileHandle> handles)
    {
        int count = (int)(CachedBytes / size);
        var keys = new FrameKey[count];
        var places = new (SafeFileHandle, long)[count];
        var commitUs = new double[count];
        var random = new Random(20261123);
        for (int i = 0; i < count; i++)
        {
            keys[i] = FrameKey.For("bench").Add(size).Time(i).Build();
            var slot = cache.ReserveAsync(keys[i], size).AsTask().GetAwaiter().GetResult();
            random.NextBytes(slot.Frame.WritableSpan);
            long start = Stopwatch.GetTimestamp();
            using var frame = cache.CommitAsync(slot).AsTask().GetAwaiter().GetResult();
            commitUs[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            var path = frame.File.Path;
            if (!handles.TryGetValue(path, out var handle))
                handles[path] = handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            places[i] = (handle, frame.Offset);
        }
        return (keys, places, commitUs);
    }
}
