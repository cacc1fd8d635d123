using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using LumieraVault.Audio;
using LumieraVault.Audio.Wav;

namespace LumieraVault.Benchmarks;

/// <summary>
/// WAV import beside a plain sequential read of the same file, in the same run: the import's goal is disk speed.
/// The file (16-bit stereo at 48 kHz) is written first, so both sides read it from the page cache; the import
/// decodes, deinterleaves, seals 2 KiB blocks into block groups and summarizes them. Rounds alternate
/// which side goes first; the figures are medians over the rounds. Each round then also times the durable pair,
/// end to end and in alternating order: the import with the store's save (the bytes and the manifest on disk)
/// against a copy of the file followed by an fsync, both starting with the source out of the page cache.
/// </summary>
internal static partial class WavImportQuick
{
    private const long FileBytes = 128L << 20;
    private const int Rounds = 5;

    private const string Config = """
        lumiera.vault {
          map-cache {
            budget = 1 GiB
            window-size = 1 MiB
          }
        }
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        """;

    public static IEnumerable<string> Run()
    {
        string folder = Directory.CreateTempSubdirectory("lumiera-wav-bench-").FullName;
        try
        {
            string wav = Path.Combine(folder, "stereo16.wav");
            WriteFile(wav);
            long bytes = new FileInfo(wav).Length;
            using var system = ActorSystem.Create("bench-wav", ConfigurationFactory.ParseString(Config));

            // One of each first, so the JIT has settled and the file is in the page cache.
            ReadFile(wav);
            CopyFile(wav);
            Import(system, folder, wav, "warm");
            double decode = Enumerable.Range(0, 3).Min(_ => Decode(wav));
            var importSeconds = new double[Rounds];
            var ratios = new double[Rounds];
            var readSeconds = new double[Rounds];
            var copyRatios = new double[Rounds];
            var durableSeconds = new double[Rounds];
            var durableSaveSeconds = new double[Rounds];
            var durableCopySeconds = new double[Rounds];
            var durableRatios = new double[Rounds];
            DurableCopy(wav, folder);
            DurableImport(system, folder, wav, "warm-durable");
            ReadFile(wav);
            for (int round = 0; round < Rounds; round++)
            {
                double read, import;
                if (round % 2 == 0)
                {
                    read = ReadFile(wav);
                    import = Import(system, folder, wav, $"r{round}");
                    copyRatios[round] = CopyFile(wav) / import;
                }
                else
                {
                    copyRatios[round] = CopyFile(wav);
                    import = Import(system, folder, wav, $"r{round}");
                    copyRatios[round] /= import;
                    read = ReadFile(wav);
                }
                importSeconds[round] = import;
                readSeconds[round] = read;
                ratios[round] = read / import;

                double copyDurable;
                (double Total, double Save) importDurable;
                if (round % 2 == 0)
                {
                    copyDurable = DurableCopy(wav, folder);
                    importDurable = DurableImport(system, folder, wav, $"d{round}");
                }
                else
                {
                    importDurable = DurableImport(system, folder, wav, $"d{round}");
                    copyDurable = DurableCopy(wav, folder);
                }
                durableSeconds[round] = importDurable.Total;
                durableSaveSeconds[round] = importDurable.Save;
                durableCopySeconds[round] = copyDurable;
                durableRatios[round] = copyDurable / importDurable.Total;
                // The next round's page-cache sides find the file cached again, as they always did.
                ReadFile(wav);
            }
            double mbps = bytes / 1e6 / QuickHarness.Median(importSeconds);
            Console.Error.WriteLine(
                $"  wav-import: {bytes >> 20} MiB 16-bit stereo, {Rounds} rounds; import median {QuickHarness.Median(importSeconds) * 1000:F0} ms " +
                $"({mbps:F0} MB/s), plain read median {QuickHarness.Median(readSeconds) * 1000:F0} ms ({bytes / 1e6 / QuickHarness.Median(readSeconds):F0} MB/s); " +
                $"round ratios {ratios.Min():F3}..{ratios.Max():F3}; against a copy {copyRatios.Min():F3}..{copyRatios.Max():F3}; decoding alone (read, deinterleave to int16) {bytes / 1e6 / decode:F0} MB/s");
            double durableMbps = bytes / 1e6 / QuickHarness.Median(durableSeconds);
            Console.Error.WriteLine(
                $"  wav-import-durable: source dropped from the page cache first; import + save median {QuickHarness.Median(durableSeconds) * 1000:F0} ms " +
                $"({durableMbps:F0} MB/s; rounds {Ms(durableSeconds)} ms), of it the save {Ms(durableSaveSeconds)} ms (median {QuickHarness.Median(durableSaveSeconds) * 1000:F0}); " +
                $"copy + fsync median {QuickHarness.Median(durableCopySeconds) * 1000:F0} ms ({bytes / 1e6 / QuickHarness.Median(durableCopySeconds):F0} MB/s; rounds {Ms(durableCopySeconds)} ms); " +
                $"round ratios {durableRatios.Min():F3}..{durableRatios.Max():F3}");
            return [$"mbps wav-import {mbps:F0}", $"ratio wav-import/read-file {QuickHarness.Median(ratios):F3}",
                    $"ratio wav-import/file-copy {QuickHarness.Median(copyRatios):F3}",
                    $"mbps wav-import-durable {durableMbps:F0}",
                    $"ratio wav-import-durable/file-copy-durable {QuickHarness.Median(durableRatios):F3}"];
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A 16-bit stereo WAV of a pattern that is not silence, so nothing downstream can take a shortcut.</summary>
    private static void WriteFile(string path)
    {
        var format = WavFormat.Pcm(2, 48_000, 16);
        using var writer = WavWriter.Create(path, format);
        var left = new short[writer.MaxBlockFrames];
        var right = new short[writer.MaxBlockFrames];
        for (int i = 0; i < left.Length; i++)
        {
            left[i] = (short)(i * 37);
            right[i] = (short)(i * -53);
        }
        for (long frames = FileBytes / format.BlockAlign; frames > 0;)
        {
            int n = (int)Math.Min(frames, left.Length);
            writer.BeginBlock(n);
            writer.PutChannel(0, left.AsSpan(0, n));
            writer.PutChannel(1, right.AsSpan(0, n));
            writer.EndBlock();
            frames -= n;
        }
    }

    /// <summary>The baseline: the whole file in 1 MiB reads, as the reader reads it, with nothing done to the bytes but a fold.</summary>
    private static double ReadFile(string path)
    {
        var buffer = new byte[WavReader.DefaultBufferBytes];
        var clock = Stopwatch.StartNew();
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan))
        {
            int n;
            while ((n = stream.Read(buffer)) > 0) QuickHarness.Sink ^= buffer[n - 1];
        }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The disk-speed baseline: a copy of the file into a new one beside it, 1 MiB at a time, as much written as an import
    /// writes and no more flushed (neither side syncs inside its timing). An import that matches it runs at disk speed.
    /// </summary>
    private static double CopyFile(string path)
    {
        string copy = path + ".copy";
        var clock = Stopwatch.StartNew();
        Copy(path, copy, durable: false);
        double seconds = clock.Elapsed.TotalSeconds;
        File.Delete(copy);
        return seconds;
    }

    /// <summary>The copy both baselines make: 1 MiB at a time, unbuffered streams; <paramref name="durable"/> fsyncs the copy.</summary>
    private static void Copy(string path, string copy, bool durable)
    {
        var buffer = new byte[WavReader.DefaultBufferBytes];
        using var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        using var target = new FileStream(copy, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        int n;
        while ((n = source.Read(buffer)) > 0) target.Write(buffer, 0, n);
        if (durable) target.Flush(flushToDisk: true);
    }

    private static string Ms(double[] seconds) => $"{seconds.Min() * 1000:F0}..{seconds.Max() * 1000:F0}";

    /// <summary>
    /// Before a durable side: whatever earlier steps left dirty on the file system is written out (syncfs), and the
    /// source's pages are dropped from the page cache (posix_fadvise DONTNEED; they are clean after the syncfs), so
    /// both durable sides read the WAV from the disk and pay for no one else's writes.
    /// </summary>
    private static void Settle(string source)
    {
        using var handle = File.OpenHandle(source, FileMode.Open, FileAccess.Read, FileShare.Read);
        int fd = (int)handle.DangerousGetHandle();
        if (Syncfs(fd) != 0) throw new IOException($"syncfs failed: errno {Marshal.GetLastPInvokeError()}");
        int error = LumieraVault.Native.Libc.PosixFadvise(fd, 0, 0, LumieraVault.Native.Libc.PosixFadvDontNeed);
        if (error != 0) throw new IOException($"posix_fadvise failed: errno {error}");
    }

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int Syncfs(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    /// <summary>fsync of a folder (.NET cannot open one): makes the names made in it durable.</summary>
    private static void SyncFolder(string folder)
    {
        int fd = Open(folder, 0x80000); // O_RDONLY | O_CLOEXEC
        if (fd < 0) throw new IOException($"open '{folder}' failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"fsync '{folder}' failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// The durable baseline, end to end: the source (not cached) copied into a new file, 1 MiB at a time, then the
    /// copy fsynced and its folder too, so that its bytes and its name are on the disk.
    /// </summary>
    private static double DurableCopy(string path, string folder)
    {
        Settle(path);
        string copy = path + ".durable-copy";
        var clock = Stopwatch.StartNew();
        Copy(path, copy, durable: true);
        SyncFolder(folder);
        double seconds = clock.Elapsed.TotalSeconds;
        File.Delete(copy);
        return seconds;
    }

    /// <summary>
    /// Seconds to import the source (not cached) into a new store and save it (every group file and the manifest
    /// durable), and of them the save's; opening the store, closing and removing it are not timed.
    /// </summary>
    private static (double Total, double Save) DurableImport(ActorSystem system, string folder, string wav, string name)
    {
        string storeFolder = Path.Combine(folder, name);
        var store = SampleStore.OpenAsync(system, storeFolder).GetAwaiter().GetResult();
        try
        {
            Settle(wav);
            var clock = Stopwatch.StartNew();
            var result = WavImport.ImportAsync(store, wav).GetAwaiter().GetResult();
            double imported = clock.Elapsed.TotalSeconds;
            store.SaveAsync().GetAwaiter().GetResult();
            double seconds = clock.Elapsed.TotalSeconds;
            QuickHarness.Sink ^= (ulong)result.Frames;
            return (seconds, seconds - imported);
        }
        finally
        {
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Directory.Delete(storeFolder, recursive: true);
        }
    }

    /// <summary>The reader's share of an import: read and deinterleave every block, store nothing.</summary>
    private static double Decode(string path)
    {
        var clock = Stopwatch.StartNew();
        using var reader = WavReader.Open(path);
        var left = new short[reader.MaxBlockFrames];
        var right = new short[reader.MaxBlockFrames];
        while (reader.ReadBlock() > 0)
        {
            reader.GetChannel(0, left);
            reader.GetChannel(1, right);
            QuickHarness.Sink ^= (ulong)(left[0] ^ right[^1]);
        }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Seconds to import into a new store, up to the last block sealed; saving and removing the store are not timed.</summary>
    private static double Import(ActorSystem system, string folder, string wav, string name)
    {
        string storeFolder = Path.Combine(folder, name);
        var store = SampleStore.OpenAsync(system, storeFolder).GetAwaiter().GetResult();
        try
        {
            var clock = Stopwatch.StartNew();
            var result = WavImport.ImportAsync(store, wav).GetAwaiter().GetResult();
            double seconds = clock.Elapsed.TotalSeconds;
            QuickHarness.Sink ^= (ulong)result.Frames;
            return seconds;
        }
        finally
        {
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Directory.Delete(storeFolder, recursive: true);
        }
    }
}
