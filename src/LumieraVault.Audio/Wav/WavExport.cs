namespace LumieraVault.Audio.Wav;

/// <summary>Writes sequences of a sample store, as they are after their edits, to a WAV file: one sequence per channel.</summary>
public static class WavExport
{
    /// <summary>
    /// The format of the sequences' blocks at their sample rate: 16-bit PCM when every sequence is <see cref="SampleFormat.Int16"/>, else
    /// 32-bit float. Unedited samples come out exactly as stored; gains and fades on int16 sequences are rounded to
    /// 16 bits (choose float 32 to keep them exactly).
    /// </summary>
    /// <exception cref="ArgumentException">No sequences, or sequences of different sample rates.</exception>
    public static WavFormat DefaultFormat(IReadOnlyList<SampleSequence> channels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Count == 0) throw new ArgumentException("An export needs at least one sequence.", nameof(channels));
        int sampleRate = channels[0].SampleRate;
        if (channels.Any(s => s.SampleRate != sampleRate))
            throw new ArgumentException($"The sequences have different sample rates ({string.Join(", ", channels.Select(s => s.SampleRate).Distinct())} Hz): give the export a format.", nameof(channels));
        return channels.All(s => s.Format == SampleFormat.Int16) ? WavFormat.Pcm(channels.Count, sampleRate, 16) : WavFormat.Float32(channels.Count, sampleRate);
    }

    /// <summary>
    /// Renders <paramref name="channels"/> with a walker of their store and writes them to <paramref name="path"/>
    /// in <paramref name="format"/> (default <see cref="DefaultFormat"/>, at the sequences' sample rate); a channel shorter than the longest is
    /// followed by silence. The file is written beside its final name and renamed into place when complete, so a
    /// failed or cancelled export leaves no partial file and an existing file at <paramref name="path"/> untouched.
    /// Returns the frames written.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// No channels, channels of different stores, a format with another channel count, or no format for channels of different sample rates.
    /// </exception>
    /// <exception cref="WavFormatException"><see cref="WavError.TooLarge"/>: the result would pass 4 GiB.</exception>
    /// <exception cref="IOException">Writing failed (the message names the path).</exception>
    public static async Task<long> ExportAsync(IReadOnlyList<SampleSequence> channels, string path,
        WavFormat? format = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (channels.Count == 0) throw new ArgumentException("An export needs at least one sequence.", nameof(channels));
        var store = channels[0].Store;
        if (channels.Any(s => !ReferenceEquals(s.Store, store))) throw new ArgumentException("The sequences of one export must share a store.", nameof(channels));
        format ??= DefaultFormat(channels);
        if (format.Channels != channels.Count)
            throw new ArgumentException($"A format of {format.Channels} channels for {channels.Count} sequences.", nameof(format));

        // Lengths are taken once: an edit made during the export changes what is rendered, never how much.
        long[] lengths = channels.Select(s => s.Length).ToArray();
        long frames = lengths.Max();
        string full = Path.GetFullPath(path);
        string partial = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
        try
        {
            using (var walker = store.CreateWalker())
            using (var writer = WavWriter.Create(partial, format))
            {
                var buffer = new float[Math.Min(writer.MaxBlockFrames, ExportBlockFrames)];
                for (long at = 0; at < frames;)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int n = (int)Math.Min(buffer.Length, frames - at);
                    writer.BeginBlock(n);
                    for (int c = 0; c < channels.Count; c++)
                    {
                        int have = (int)Math.Clamp(lengths[c] - at, 0, n);
                        if (have > 0)
                        {
                            // Pin the groups first so that rendering never waits on this thread.
                            await walker.PrepareAsync(channels[c], at, have);
                            walker.Render(channels[c], at, buffer.AsSpan(0, have));
                        }
                        buffer.AsSpan(have, n - have).Clear();
                        writer.PutChannel(c, buffer.AsSpan(0, n));
                    }
                    writer.EndBlock();
                    at += n;
                }
                writer.Complete();
            }
            File.Move(partial, full, overwrite: true);
            return frames;
        }
        catch
        {
            TryDelete(partial);
            throw;
        }
    }

    /// <summary>Frames rendered per step: a walker pins a bounded number of groups, so a step stays well within them.</summary>
    private const int ExportBlockFrames = 64 * 1024;

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The failure that brought us here is the one to report.
        }
    }
}
