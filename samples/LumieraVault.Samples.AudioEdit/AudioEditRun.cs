using System.Diagnostics;
using Akka.Actor;
using LumieraVault.Audio;
using LumieraVault.Audio.Editing;
using LumieraVault.Audio.Walking;
using LumieraVault.Audio.Wav;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LumieraVault.Samples.AudioEdit;

/// <summary>One run of the sample: get a WAV, import it, edit every channel alike, undo and redo, export, check the export, draw before and after. Returns the exit code.</summary>
internal sealed class AudioEditRun(ActorSystem system, IHostApplicationLifetime lifetime, ILogger<AudioEditRun> log)
{
    private const int WaveformRows = 9;

    public async Task<int> RunAsync(AudioEditArguments arguments)
    {
        var stopping = lifetime.ApplicationStopping;
        string temp = Directory.CreateTempSubdirectory("lumiera-audio-edit-").FullName;
        try
        {
            string source = arguments.File ?? Path.Combine(temp, "sweep.wav");
            if (arguments.File is null)
            {
                ToneSweep.Write(source, arguments.Seconds, stopping);
                log.LogInformation("Wrote a {Seconds} s stereo tone sweep (24-bit, {Rate} Hz) to {Path}", arguments.Seconds, ToneSweep.SampleRate, source);
            }
            string output = arguments.Out ?? Path.Combine(temp, "edited.wav");
            await using var store = await SampleStore.OpenAsync(system, Path.Combine(temp, "store"));
            return await EditAsync(store, source, output, stopping) ? 0 : 1;
        }
        catch (Exception e) when (e is WavFormatException or AudioException or IOException or UnauthorizedAccessException or VaultException
                                  && !stopping.IsCancellationRequested)
        {
            log.LogError("{Kind}: {Message}", e.GetType().Name, e.Message);
            return 1;
        }
        catch (Exception e) when (stopping.IsCancellationRequested && e is OperationCanceledException or VaultException or AudioException)
        {
            log.LogWarning("Interrupted");
            return 130;
        }
        finally
        {
            try
            {
                Directory.Delete(temp, recursive: true);
            }
            catch (IOException e)
            {
                log.LogWarning("Could not remove {Folder}: {Message}", temp, e.Message);
            }
        }
    }

    private async Task<bool> EditAsync(SampleStore store, string source, string output, CancellationToken stopping)
    {
        var clock = Stopwatch.StartNew();
        var imported = await WavImport.ImportAsync(store, source, "take", cancellationToken: stopping);
        var channels = imported.Sequences;
        int rate = imported.Format.SampleRate;
        long length = channels[0].Length;
        log.LogInformation("Imported {Path} ({Format}, {Frames} frames, {Seconds:F1} s) as {Count} {StoreFormat} sequences in {Ms} ms",
            source, imported.Format, length, (double)length / rate, channels.Count, channels[0].Format, clock.ElapsedMilliseconds);
        if (length < rate / 10)
        {
            log.LogError("{Path} holds {Frames} frames; editing needs at least 0.1 s", source, length);
            return false;
        }

        using var walker = store.CreateWalker();
        Draw("before", walker, channels, length);

        // Positions are fractions of the length, so any file gets the same kind of edits.
        long At(double fraction) => (long)(length * fraction);
        long cut = At(0.40) - At(0.30), copied = At(0.15) - At(0.05);
        long editedLength = length - cut + copied;
        SequenceEdit[] Edits(int self) =>
        [
            new SequenceEdit.Cut(At(0.30), cut),
            new SequenceEdit.Paste(At(0.55), self, At(0.05), copied),
            new SequenceEdit.Fade(0, At(0.05), 0f, 1f),
            new SequenceEdit.Fade(editedLength - At(0.10), At(0.10), 1f, 0f),
        ];
        foreach (var channel in channels)
        {
            foreach (var edit in Edits(channel.Id)) channel.Apply(edit);
        }
        foreach (var edit in channels[0].History) log.LogInformation("Edit on every channel: {Edit}", edit);
        var edited = Fingerprint(walker, channels);

        foreach (var channel in channels)
        {
            channel.Undo();
            channel.Undo();
        }
        var undone = Fingerprint(walker, channels);
        log.LogInformation("Undid the two fades: {Length} samples a channel, {Verdict}", channels[0].Length, undone == edited ? "SAME as edited (wrong)" : "samples differ from the edited ones");
        foreach (var channel in channels)
        {
            channel.Redo();
            channel.Redo();
        }
        var redone = Fingerprint(walker, channels);
        bool redoGood = redone == edited && undone != edited && channels.All(c => c.Length == editedLength);
        log.LogInformation("Redid them: {Length} samples a channel, {Verdict}", channels[0].Length, redone == edited ? "the same samples as before the undo" : "OTHER samples than before the undo");

        clock.Restart();
        var format = WavExport.DefaultFormat(channels);
        long frames = await WavExport.ExportAsync(channels, output, format, stopping);
        log.LogInformation("Exported {Frames} frames ({Format}) to {Path} in {Ms} ms", frames, format, output, clock.ElapsedMilliseconds);
        bool exportGood = ExportMatches(walker, channels, output);
        log.LogInformation("Read the export back: {Verdict}", exportGood
            ? $"every sample equals the store's{(format.IsInt16 ? " (rounded to 16 bits, as the export writes them)" : "")}"
            : "it DIFFERS from the store");

        Draw("after", walker, channels, length);
        bool good = redoGood && exportGood;
        Console.WriteLine(good
            ? "PASS: undo and redo restored the edit exactly, and the exported WAV equals the edited sequences."
            : "FAIL: see the log above.");
        return good;
    }

    /// <summary>A waveform per channel from the store's summaries: no sample is read outside fades and edit boundaries.</summary>
    private static void Draw(string title, SampleWalker walker, IReadOnlyList<SampleSequence> channels, long scale)
    {
        int columns = TextWaveform.Columns();
        int bucket = (int)Math.Max(1, (scale + columns - 1) / columns);
        var buckets = new SampleSummary[columns];
        Console.WriteLine();
        Console.WriteLine($"  {title}: {channels[0].Length} samples a channel, {bucket} samples a column, ':' peaks, '#' RMS");
        for (int c = 0; c < channels.Count; c++)
        {
            walker.Summarize(channels[c], 0, bucket, buckets);
            Console.Write(TextWaveform.Draw($"{c + 1}", buckets, WaveformRows));
        }
        Console.WriteLine();
    }

    private static ulong Fingerprint(SampleWalker walker, IReadOnlyList<SampleSequence> channels)
    {
        var hash = new System.IO.Hashing.XxHash3();
        var buffer = new float[16 * 1024];
        foreach (var channel in channels)
        {
            for (long at = 0; at < channel.Length; at += buffer.Length)
            {
                var part = buffer.AsSpan(0, (int)Math.Min(buffer.Length, channel.Length - at));
                walker.Render(channel, at, part);
                hash.Append(System.Runtime.InteropServices.MemoryMarshal.AsBytes(part));
            }
        }
        return hash.GetCurrentHashAsUInt64();
    }

    private static bool ExportMatches(SampleWalker walker, IReadOnlyList<SampleSequence> channels, string path)
    {
        using var reader = WavReader.Open(path);
        if (reader.Format.Channels != channels.Count || reader.FrameCount != channels.Max(c => c.Length)) return false;
        var expected = new float[reader.MaxBlockFrames];
        var actual = new float[reader.MaxBlockFrames];
        for (long at = 0; reader.ReadBlock() is var n and > 0; at += n)
        {
            for (int c = 0; c < channels.Count; c++)
            {
                reader.GetChannel(c, actual);
                int have = (int)Math.Clamp(channels[c].Length - at, 0, n);
                walker.Render(channels[c], at, expected.AsSpan(0, have));
                expected.AsSpan(have, n - have).Clear();
                // Fades and gains give int16 sequences values between the steps of 16 bits: the export rounds them.
                if (reader.Format.IsInt16)
                {
                    foreach (ref float x in expected.AsSpan(0, n)) x = Math.Clamp(MathF.Round(x * 32768f), -32768f, 32767f) / 32768f;
                }
                if (!expected.AsSpan(0, n).SequenceEqual(actual.AsSpan(0, n))) return false;
            }
        }
        return true;
    }
}
