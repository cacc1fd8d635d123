using LumieraVault.Audio.Editing;
using LumieraVault.Audio.Wav;
using Xunit;
using static LumieraVault.Audio.Tests.Wav.WavBytes;

namespace LumieraVault.Audio.Tests.Wav;

public sealed class WavImportSpec : AudioSpec
{
    /// <summary>Writes a WAV of a distinct tone per channel and returns the samples as the reader decodes them.</summary>
    private float[][] WriteTone(string path, WavFormat format, int frames)
    {
        var channels = Enumerable.Range(0, format.Channels).Select(c => Tone(frames, seed: c + 3)).ToArray();
        using (var writer = WavWriter.Create(path, format, bufferBytes: 4000)) writer.Write(channels, 0, frames);
        using var reader = WavReader.Open(path);
        var decoded = Enumerable.Range(0, format.Channels).Select(_ => new float[frames]).ToArray();
        reader.Read(decoded, 0, frames);
        return decoded;
    }

    public static TheoryData<int, WavEncoding, int, SampleFormat> Formats => new()
    {
        { 16, WavEncoding.Pcm, 2, SampleFormat.Int16 },
        { 16, WavEncoding.Pcm, 1, SampleFormat.Int16 },
        { 24, WavEncoding.Pcm, 6, SampleFormat.Float32 },
        { 32, WavEncoding.Pcm, 2, SampleFormat.Float32 },
        { 32, WavEncoding.Float, 1, SampleFormat.Float32 },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task An_imported_file_walks_back_to_exactly_the_decoded_samples(int bits, WavEncoding encoding, int channels, SampleFormat expected)
    {
        var store = await OpenStoreAsync();
        string path = Temp.Sub("in.wav");
        // Not a whole number of blocks of either format, and more than one.
        const int frames = 5 * 1024 + 77;
        var decoded = WriteTone(path, new WavFormat(channels, 44100, bits, encoding), frames);

        var result = await WavImport.ImportAsync(store, path);
        Assert.Equal(channels, result.Sequences.Count);
        Assert.Equal(frames, result.Frames);
        Assert.Equal(44100, result.Format.SampleRate);
        Assert.Equal(WavImport.SequenceNames("in", channels), result.Sequences.Select(s => s.Name));
        using var walker = store.CreateWalker();
        for (int c = 0; c < channels; c++)
        {
            var s = result.Sequences[c];
            Assert.Equal(expected, s.Format);
            Assert.Equal(44100, s.SampleRate);
            AssertSamples(decoded[c], RenderAll(walker, s));
            var summary = walker.Summarize(s, 0, s.Length);
            Assert.Equal(decoded[c].Min(), summary.Min);
            Assert.Equal(decoded[c].Max(), summary.Max);
            Assert.Equal(Math.Sqrt(decoded[c].Sum(x => (double)x * x) / frames), summary.Rms, 9);
        }
    }

    [Fact]
    public async Task Sixteen_bit_files_arrive_in_int16_sequences_without_losing_a_bit()
    {
        var store = await OpenStoreAsync();
        short[] stored = [short.MinValue, -1, 0, 1, short.MaxValue, 12345];
        string path = Temp.Write("exact.wav", Simple(1, 1, 8000, 16, Pcm16(stored)));
        var result = await WavImport.ImportAsync(store, path, "exact");
        using var walker = store.CreateWalker();
        var back = RenderAll(walker, result.Sequences[0]);
        Assert.Equal(stored, back.Select(x => (short)(x * 32768)));
    }

    [Fact]
    public async Task An_empty_data_chunk_makes_empty_sequences()
    {
        var store = await OpenStoreAsync();
        string path = Temp.Write("empty.wav", Simple(3, 2, 8000, 32, []));
        var result = await WavImport.ImportAsync(store, path, "empty");
        Assert.All(result.Sequences, s => Assert.Equal(0, s.Length));
    }

    public static TheoryData<string, byte[], WavError> Broken => new()
    {
        { "not a WAV", Text("just some text, long enough to look like a header"), WavError.NotRiff },
        { "A-law", Simple(6, 1, 8000, 8, [0xD5, 0xD5]), WavError.UnsupportedFormat },
        { "no data chunk", Wave(Chunk("fmt ", FmtBody(1, 2, 8000, 16))), WavError.MissingDataChunk },
        { "truncated", Concat(Wave(Chunk("fmt ", FmtBody(1, 2, 8000, 16))), Text("data"), U32(400_000), new byte[300_000]), WavError.DataTruncated },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public async Task A_failed_import_of_a_malformed_file_leaves_the_store_as_before(string what, byte[] file, WavError error)
    {
        var store = await OpenStoreAsync();
        var before = await FilledAsync(store, "before", Tone(3000));
        int groups = store.BlockGroupCount;
        string path = Temp.Write("broken.wav", file);

        var e = await Assert.ThrowsAsync<WavFormatException>(() => WavImport.ImportAsync(store, path, "broken"));
        Assert.True(error == e.Error, $"{what}: {e.Message}");
        Assert.Equal([before], store.Sequences);
        Assert.Equal(groups, store.BlockGroupCount);
        // The store goes on working.
        var after = await FilledAsync(store, "after", Tone(3000, seed: 2));
        Assert.Equal(3000, after.Length);
    }

    [Fact]
    public async Task An_import_whose_names_are_taken_fails_before_making_anything()
    {
        var store = await OpenStoreAsync();
        await FilledAsync(store, "take.2", Tone(100));
        string path = Temp.Sub("take.wav");
        WriteTone(path, WavFormat.Pcm(2, 8000, 16), 2000);
        var e = await Assert.ThrowsAsync<AudioException>(() => WavImport.ImportAsync(store, path));
        Assert.Equal(AudioError.SequenceExists, e.Error);
        Assert.Single(store.Sequences);
    }

    [Fact]
    public async Task A_missing_file_fails_with_its_path_and_makes_nothing()
    {
        var store = await OpenStoreAsync();
        string path = Temp.Sub("missing.wav");
        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => WavImport.ImportAsync(store, path));
        Assert.Contains(path, e.Message);
        Assert.Empty(store.Sequences);
    }

    [Fact]
    public async Task An_import_cancelled_before_it_starts_makes_nothing()
    {
        var store = await OpenStoreAsync();
        string path = Temp.Sub("tone.wav");
        WriteTone(path, WavFormat.Pcm(1, 8000, 16), 2000);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WavImport.ImportAsync(store, path, cancellationToken: new CancellationToken(true)));
        Assert.Empty(store.Sequences);
    }

    /// <summary>Runs an action when the import reports its first block, on the importing thread.</summary>
    private sealed class AfterFirstBlock(Action action) : IProgress<long>
    {
        public long Reported { get; private set; }

        public void Report(long frames)
        {
            if (Reported == 0) action();
            Reported = frames;
        }
    }

    /// <summary>A 16-bit stereo file of three reader blocks (1 MiB each), so a failure can come after the first.</summary>
    private string ThreeBlockFile(string name)
    {
        string path = Temp.Sub(name);
        WriteTone(path, WavFormat.Pcm(2, 48000, 16), 3 * WavReader.DefaultBufferBytes / 4);
        return path;
    }

    private async Task AssertStoreAsBeforeAsync(SampleStore store, SampleSequence before, string path)
    {
        Assert.Equal([before], store.Sequences);
        Assert.Throws<AudioException>(() => store.GetSequence("take.1"));
        // The names are free again and the store goes on working: the same file imports whole.
        var again = await WavImport.ImportAsync(store, path, "take");
        Assert.Equal(3 * WavReader.DefaultBufferBytes / 4, again.Sequences[1].Length);
    }

    [Fact]
    public async Task An_import_cancelled_part_way_removes_what_it_made()
    {
        var store = await OpenStoreAsync();
        var before = await FilledAsync(store, "before", Tone(3000));
        string path = ThreeBlockFile("take.wav");
        using var cancel = new CancellationTokenSource();
        var progress = new AfterFirstBlock(cancel.Cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WavImport.ImportAsync(store, path, "take", progress, cancel.Token));
        Assert.Equal(WavReader.DefaultBufferBytes / 4, progress.Reported);
        await AssertStoreAsBeforeAsync(store, before, path);
    }

    [Fact]
    public async Task An_import_whose_file_shrinks_part_way_fails_as_truncated_and_removes_what_it_made()
    {
        var store = await OpenStoreAsync();
        var before = await FilledAsync(store, "before", Tone(3000));
        string path = ThreeBlockFile("take.wav");
        var original = File.ReadAllBytes(path);
        var progress = new AfterFirstBlock(() =>
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
            file.SetLength(44 + WavReader.DefaultBufferBytes + 1000);
        });

        var e = await Assert.ThrowsAsync<WavFormatException>(() => WavImport.ImportAsync(store, path, "take", progress));
        Assert.Equal(WavError.DataTruncated, e.Error);
        File.WriteAllBytes(path, original);
        await AssertStoreAsBeforeAsync(store, before, path);
    }

    [Fact]
    public async Task A_store_reopened_after_a_failed_import_does_not_list_its_sequences()
    {
        string path = ThreeBlockFile("take.wav");
        var store = await SampleStore.OpenAsync(Sys, Temp.Sub("reopened"));
        await FilledAsync(store, "kept", Tone(2000));
        using (var cancel = new CancellationTokenSource())
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WavImport.ImportAsync(store, path, "take", new AfterFirstBlock(cancel.Cancel), cancel.Token));
        await store.DisposeAsync();

        var reopened = await OpenStoreAsync("reopened");
        Assert.Equal(["kept"], reopened.Sequences.Select(s => s.Name));
    }

    [Fact]
    public async Task An_edited_float_sequence_exports_as_the_model_of_its_edits()
    {
        var store = await OpenStoreAsync();
        var tone = Tone(6000);
        var s = await FilledAsync(store, "s", tone);
        s.Apply(new SequenceEdit.Cut(1000, 1500));
        s.Apply(new SequenceEdit.Paste(300, s.Id, 3500, 700));
        s.Apply(new SequenceEdit.Gain(100, 50, 0.5f));
        s.Apply(new SequenceEdit.Silence(5000, 20));
        var cut = tone[..1000].Concat(tone[2500..]).ToArray();
        var model = cut[..300].Concat(cut[3500..4200]).Concat(cut[300..]).ToArray();
        for (int i = 100; i < 150; i++) model[i] *= 0.5f;
        Array.Clear(model, 5000, 20);

        string path = Temp.Sub("out.wav");
        Assert.Equal(model.Length, await WavExport.ExportAsync([s], path));
        using var reader = WavReader.Open(path);
        Assert.Equal(WavFormat.Float32(1, 48000), reader.Format);
        var back = new float[reader.FrameCount];
        reader.Read([back], 0, back.Length);
        AssertSamples(model, back);
    }

    [Fact]
    public async Task Edited_int16_sequences_export_to_16_bit_with_the_samples_unchanged()
    {
        var store = await OpenStoreAsync();
        string path = Temp.Sub("stereo.wav");
        const int frames = 4096;
        WriteTone(path, WavFormat.Pcm(2, 8000, 16), frames);
        var stereo = (await WavImport.ImportAsync(store, path, "stereo")).Sequences;
        using var source = WavReader.Open(path);
        var original = new[] { new short[frames], new short[frames] };
        source.ReadBlock();
        source.GetChannel(0, original[0]);
        source.GetChannel(1, original[1]);
        foreach (var s in stereo)
        {
            s.Apply(new SequenceEdit.Cut(0, 1000));
            s.Apply(new SequenceEdit.Paste(2000, s.Id, 0, 10));
        }

        string output = Temp.Sub("edited.wav");
        await WavExport.ExportAsync(stereo, output);
        using var reader = WavReader.Open(output);
        Assert.Equal(WavFormat.Pcm(2, 8000, 16), reader.Format);
        Assert.Equal(frames - 1000 + 10, reader.FrameCount);
        reader.ReadBlock();
        for (int c = 0; c < 2; c++)
        {
            var back = new short[reader.FrameCount];
            reader.GetChannel(c, back);
            var rest = original[c][1000..];
            Assert.Equal(rest[..2000].Concat(rest[..10]).Concat(rest[2000..]), back);
        }
    }

    [Fact]
    public async Task Channels_of_different_lengths_export_with_silence_after_the_shorter()
    {
        var store = await OpenStoreAsync();
        var a = await FilledAsync(store, "a", Tone(1500));
        var b = await FilledAsync(store, "b", Tone(600, seed: 4));
        string path = Temp.Sub("ab.wav");
        await WavExport.ExportAsync([a, b], path, WavFormat.Pcm(2, 8000, 24));
        using var reader = WavReader.Open(path);
        var back = new[] { new float[1500], new float[1500] };
        Assert.Equal(1500, reader.Read(back, 0, 1500));
        AssertSamples(Tone(600, seed: 4), back[1][..600], 1f / (1 << 22));
        Assert.All(back[1][600..], x => Assert.Equal(0f, x));
    }

    [Fact]
    public async Task A_failed_export_leaves_no_partial_file_and_an_existing_file_untouched()
    {
        var store = await OpenStoreAsync();
        var s = await FilledAsync(store, "s", Tone(5000));
        string path = Temp.Write("keep.wav", [1, 2, 3]);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WavExport.ExportAsync([s], path, cancellationToken: new CancellationToken(true)));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal(["keep.wav"], Directory.GetFiles(Temp.Path, "*.wav*").Concat(Directory.GetFiles(Temp.Path, ".*")).Select(Path.GetFileName));

        string missing = Path.Combine(Temp.Path, "no-folder", "out.wav");
        var e = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => WavExport.ExportAsync([s], missing));
        Assert.Contains("no-folder", e.Message);
    }

    [Fact]
    public async Task An_export_refuses_a_format_whose_channels_do_not_match_and_mixed_rates_without_a_format()
    {
        var store = await OpenStoreAsync();
        var s = await FilledAsync(store, "s", Tone(10));
        await Assert.ThrowsAsync<ArgumentException>(() => WavExport.ExportAsync([s], Temp.Sub("x.wav"), WavFormat.Pcm(2, 8000, 16)));
        await Assert.ThrowsAsync<ArgumentException>(() => WavExport.ExportAsync([], Temp.Sub("x.wav")));
        var other = store.CreateSequence("other", SampleFormat.Float32, 44100);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => WavExport.ExportAsync([s, other], Temp.Sub("x.wav")));
        Assert.Contains("sample rates", e.Message);
        await WavExport.ExportAsync([s, other], Temp.Sub("x.wav"), WavFormat.Float32(2, 44100));
    }
}
