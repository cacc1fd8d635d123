using System.Runtime.InteropServices;
using LumieraVault.Audio.Walking;
using LumieraVault.Audio.Wav;
using Xunit;

namespace LumieraVault.Audio.Tests;

/// <summary>How blocks reach their group files: staged by the writer, written with pwrite, read through the vault's mapping.</summary>
public sealed class BlockWritingSpec : AudioSpec
{
    private const int GroupSamples16 = AudioLayout.BlocksPerGroup * 1024;

    /// <summary>Reproducible int16 samples over the whole range, the extremes included.</summary>
    private static short[] Pattern(int length, int seed)
    {
        var random = new Random(seed);
        var samples = new short[length];
        for (int i = 0; i < length; i++) samples[i] = (short)random.Next(short.MinValue, short.MaxValue + 1);
        samples[0] = short.MinValue;
        samples[length / 2] = short.MaxValue;
        return samples;
    }

    private static string[] GroupFiles(SampleStore store) => Directory.GetFiles(Path.Combine(store.Folder, "blocks"), "*.blocks").Order().ToArray();

    [Fact]
    public async Task Blocks_written_with_pwrite_are_in_their_group_files_byte_for_byte_and_play_back_identical_through_the_mapping()
    {
        var store = await OpenStoreAsync();
        var samples = Pattern(2 * GroupSamples16 + 10_000, seed: 7);
        var s = store.CreateSequence("pattern", SampleFormat.Int16);
        // Pieces of odd sizes, so blocks and groups fill across calls.
        for (int at = 0; at < samples.Length; at += 10_007)
            await s.AppendAsync(samples.AsMemory(at, Math.Min(10_007, samples.Length - at)));
        await s.FinishAppendAsync();

        Assert.Equal(samples.Length, s.Length);
        Assert.Equal(3, GroupFiles(store).Length);
        Assert.All(GroupFiles(store), f => Assert.Equal(AudioLayout.GroupBytes, new FileInfo(f).Length));
        for (long e = 0; e < s.BaseIndexCount; e++)
        {
            int block = s.GetBaseEntry(e);
            var group = store.Blocks[block >> AudioLayout.GroupShift]!;
            using var file = File.OpenHandle(group.Path);
            var bytes = new byte[AudioLayout.BlockBytes];
            RandomAccess.Read(file, bytes, (long)(block & (AudioLayout.BlocksPerGroup - 1)) * AudioLayout.BlockBytes);
            var expected = new short[1024];
            samples.AsSpan((int)e * 1024, (int)Math.Min(1024, samples.Length - e * 1024)).CopyTo(expected);
            Assert.Equal(expected, MemoryMarshal.Cast<byte, short>(bytes).ToArray());
        }
        using var walker = store.CreateWalker();
        AssertSamples(samples.Select(x => x * SampleMath.Int16Scale).ToArray(), RenderAll(walker, s));
        Assert.Equal(SampleSummary.Of(samples.Select(x => x * SampleMath.Int16Scale).ToArray()), walker.Summarize(s, 0, s.Length));
    }

    [Fact]
    public async Task A_group_is_opened_through_the_vault_only_when_a_reader_first_needs_it()
    {
        var store = await OpenStoreAsync();
        var s = await FilledAsync(store, "tone", Tone(3000));
        var group = store.Blocks[s.GetBaseEntry(0) >> AudioLayout.GroupShift]!;
        Assert.Null(group.OpenedReadFile);

        using var walker = store.CreateWalker();
        AssertSamples(Tone(3000), RenderAll(walker, s));
        Assert.True(group.TryGetReadFile(out _));

        // Blocks written after the group was mapped are seen through the same mapping.
        var t = await FilledAsync(store, "more", Tone(5000, 3));
        Assert.Equal(group.Number, t.GetBaseEntry(0) >> AudioLayout.GroupShift);
        AssertSamples(Tone(5000, 3), RenderAll(walker, t));
    }

    [Theory]
    [InlineData(256)]
    [InlineData(1024)]
    [InlineData(17)]
    [InlineData(300)]
    public void Int16_summaries_equal_those_of_the_widened_samples_exactly(int length)
    {
        var samples = Pattern(length, seed: length);
        samples[^1] = short.MinValue;
        var widened = samples.Select(x => x * SampleMath.Int16Scale).ToArray();
        Assert.Equal(SampleSummary.Of(widened), SampleMath.Summarize(samples));
        var all = Enumerable.Repeat(short.MinValue, length).ToArray();
        Assert.Equal(SampleSummary.Of(all.Select(x => x * SampleMath.Int16Scale).ToArray()), SampleMath.Summarize(all));
    }

    [Fact]
    public async Task Samples_staged_but_not_sealed_when_a_sequence_is_removed_are_never_written_and_its_new_group_goes()
    {
        var store = await OpenStoreAsync();
        var kept = await FilledAsync(store, "kept", Tone(3000), SampleFormat.Int16);
        var s = store.CreateSequence("dropped", SampleFormat.Float32);
        await s.AppendAsync(Tone(300));
        Assert.Equal(0, s.Length);
        Assert.Equal(2, GroupFiles(store).Length);

        await store.RemoveSequenceAsync(s);

        Assert.Single(GroupFiles(store));
        Assert.Equal([kept], store.Sequences);
        using var walker = store.CreateWalker();
        AssertSamples(Quantized(Tone(3000)), RenderAll(walker, kept));
    }

    private static string StereoFile(TempFolder temp, string name, int frames)
    {
        string path = temp.Sub(name);
        using var writer = WavWriter.Create(path, WavFormat.Pcm(2, 48_000, 16));
        writer.Write([Tone(frames, 1), Tone(frames, 2)], 0, frames);
        return path;
    }

    [Fact]
    public async Task A_cancelled_import_leaves_no_block_files_and_the_store_reopens_as_before()
    {
        string folder = Temp.Sub("cancelled");
        var store = await SampleStore.OpenAsync(Sys, folder);
        var kept = await FilledAsync(store, "kept", Tone(2000));
        await store.SaveAsync();
        var before = GroupFiles(store);
        // Four reader blocks of 1 MiB: the import makes several groups before it is cancelled after the second.
        string path = StereoFile(Temp, "take.wav", 4 * WavReader.DefaultBufferBytes / 4);
        using (var cancel = new CancellationTokenSource())
        {
            var progress = new CancelAfter(2, cancel);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WavImport.ImportAsync(store, path, "take", progress, cancel.Token));
            Assert.Equal(2, progress.Reports);
        }

        Assert.Equal(before, GroupFiles(store));
        Assert.Equal(["kept"], store.Sequences.Select(x => x.Name));
        await store.DisposeAsync();

        var reopened = await OpenStoreAsync("cancelled");
        Assert.Equal(before, GroupFiles(reopened));
        using var walker = reopened.CreateWalker();
        AssertSamples(Tone(2000), RenderAll(walker, reopened.GetSequence("kept")));
        Assert.Equal(kept.Length, reopened.GetSequence("kept").Length);
    }

    [Fact]
    public async Task Group_files_no_manifest_names_are_deleted_when_the_store_opens()
    {
        string folder = Temp.Sub("orphans");
        var store = await SampleStore.OpenAsync(Sys, folder);
        await FilledAsync(store, "kept", Tone(2000));
        await store.DisposeAsync();
        var saved = GroupFiles(store);
        // What a run that made groups and ended without saving leaves.
        File.WriteAllBytes(BlockStoreActorPath(folder, 5), new byte[AudioLayout.GroupBytes]);
        File.WriteAllBytes(Path.Combine(folder, "blocks", "notes.txt"), [1, 2, 3]);

        var reopened = await OpenStoreAsync("orphans");
        Assert.Equal(saved, GroupFiles(reopened));
        Assert.True(File.Exists(Path.Combine(folder, "blocks", "notes.txt")));
        using var walker = reopened.CreateWalker();
        AssertSamples(Tone(2000), RenderAll(walker, reopened.GetSequence("kept")));
    }

    [Fact]
    public async Task A_save_of_more_groups_than_sync_threads_makes_every_one_durable_and_leaves_only_the_manifest_beside_them()
    {
        string folder = Temp.Sub("many-groups");
        var store = await SampleStore.OpenAsync(Sys, folder);
        int groups = Blocks.BlockAllocator.SyncThreads + 3;
        var samples = Pattern(groups * GroupSamples16 - 5_000, seed: 11);
        var s = store.CreateSequence("long", SampleFormat.Int16);
        for (int at = 0; at < samples.Length; at += GroupSamples16)
            await s.AppendAsync(samples.AsMemory(at, Math.Min(GroupSamples16, samples.Length - at)));
        await s.FinishAppendAsync();
        Assert.Equal(groups, GroupFiles(store).Length);

        await store.SaveAsync();

        Assert.Equal(["store.lock", "store.manifest"], Directory.GetFiles(folder).Select(f => Path.GetFileName(f)).Order().ToArray());
        var saved = GroupFiles(store);
        await store.DisposeAsync();
        var reopened = await OpenStoreAsync("many-groups");
        Assert.Equal(saved, GroupFiles(reopened));
        using var walker = reopened.CreateWalker();
        AssertSamples(samples.Select(x => x * SampleMath.Int16Scale).ToArray(), RenderAll(walker, reopened.GetSequence("long")));
    }

    [Fact]
    public async Task Imports_leave_only_the_group_files_they_filled_though_files_are_made_ahead_and_numbers_stay_dense()
    {
        string folder = Temp.Sub("made-ahead");
        var store = await SampleStore.OpenAsync(Sys, folder);
        // 2.5 groups per channel: the last group of each is partial, so the second import fills those first and needs
        // fewer new groups than its length says; the files made ahead for it beyond that are deleted at its end.
        int frames = 5 * GroupSamples16 / 2;
        string path = StereoFile(Temp, "take.wav", frames);
        await WavImport.ImportAsync(store, path, "first");
        Assert.Equal(6, GroupFiles(store).Length);
        await WavImport.ImportAsync(store, path, "second");

        string[] expected = Enumerable.Range(0, 10).Select(n => BlockStoreActorPath(folder, n)).ToArray();
        Assert.Equal(expected, GroupFiles(store));
        await store.SaveAsync();
        await store.DisposeAsync();
        var reopened = await OpenStoreAsync("made-ahead");
        Assert.Equal(expected, GroupFiles(reopened));
        using var walker = reopened.CreateWalker();
        foreach (string name in new[] { "first", "second" })
        {
            AssertSamples(Quantized(Tone(frames, 1)), RenderAll(walker, reopened.GetSequence(name + ".1")));
            AssertSamples(Quantized(Tone(frames, 2)), RenderAll(walker, reopened.GetSequence(name + ".2")));
        }
    }

    [Fact]
    public async Task Group_files_made_ahead_for_appends_that_never_came_are_deleted_when_the_expectation_ends()
    {
        var store = await OpenStoreAsync();
        var s = store.CreateSequence("one", SampleFormat.Int16);
        using (store.ExpectAppends(SampleFormat.Int16, 40L * GroupSamples16, 1))
        {
            await s.AppendAsync(Pattern(GroupSamples16 + 10, seed: 3));
            await s.FinishAppendAsync();
        }
        Assert.Equal([BlockStoreActorPath(store.Folder, 0), BlockStoreActorPath(store.Folder, 1)], GroupFiles(store));

        // A new group after that gets the next number, not one of the files made ahead and deleted.
        var t = store.CreateSequence("two", SampleFormat.Float32);
        await t.AppendAsync(Tone(700));
        await t.FinishAppendAsync();
        Assert.Equal([BlockStoreActorPath(store.Folder, 0), BlockStoreActorPath(store.Folder, 1), BlockStoreActorPath(store.Folder, 2)], GroupFiles(store));
    }

    private static string BlockStoreActorPath(string folder, int number) => Blocks.BlockAllocator.GroupPath(folder, number);

    /// <summary>Cancels after the import reported <paramref name="reports"/> blocks, on the importing thread.</summary>
    private sealed class CancelAfter(int reports, CancellationTokenSource cancel) : IProgress<long>
    {
        public int Reports { get; private set; }

        public void Report(long frames)
        {
            if (++Reports == reports) cancel.Cancel();
        }
    }
}
