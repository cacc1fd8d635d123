using System.Text.Json;
using LumieraVault.Audio.Editing;
using Xunit;

namespace LumieraVault.Audio.Tests;

public sealed class SampleStoreSpec : AudioSpec
{
    [Fact]
    public async Task Appended_samples_play_back_exactly_and_a_cut_and_its_undo_change_only_the_index()
    {
        var store = await OpenStoreAsync();
        var tone = Tone(5000);
        var s = await FilledAsync(store, "mono", tone);
        Assert.Equal(5000, s.Length);
        using var walker = store.CreateWalker();
        AssertSamples(tone, RenderAll(walker, s));

        s.Apply(new SequenceEdit.Cut(700, 1300));
        Assert.Equal(3700, s.Length);
        AssertSamples([.. tone[..700], .. tone[2000..]], RenderAll(walker, s));

        Assert.Equal(new SequenceEdit.Cut(700, 1300), s.Undo());
        AssertSamples(tone, RenderAll(walker, s));
        Assert.Equal(1, s.RunCount);
        s.Redo();
        Assert.Equal(3700, s.Length);
    }

    [Fact]
    public async Task The_proposals_cut_of_bins_3_and_4_plays_0_1_2_5_and_keeps_the_cut_blocks()
    {
        var store = await OpenStoreAsync();
        var tone = Tone(6 * 512);
        var s = await FilledAsync(store, "bins", tone);
        var before = Enumerable.Range(0, 6).Select(e => s.GetBaseEntry(e)).ToArray();
        Assert.Equal(Enumerable.Range(0, 6), before.Select(b => b - before[0]));

        s.Apply(new SequenceEdit.Cut(3 * 512, 2 * 512));

        using var walker = store.CreateWalker();
        AssertSamples([.. tone[..(3 * 512)], .. tone[(5 * 512)..]], RenderAll(walker, s));
        // Nothing destroyed: the base index still holds bins 3 and 4, and undo brings them back.
        Assert.Equal(before, Enumerable.Range(0, 6).Select(e => s.GetBaseEntry(e)));
        s.Undo();
        AssertSamples(tone, RenderAll(walker, s));
    }

    [Fact]
    public async Task Edits_on_block_and_block_group_boundaries_agree_with_a_plain_array()
    {
        var store = await OpenStoreAsync();
        const int group = AudioLayout.BlocksPerGroup * 512;
        var tone = Tone(2 * group + 3000, 7);
        var other = Tone(group + 100, 8);
        var s = await FilledAsync(store, "long", tone);
        var o = await FilledAsync(store, "other", other);
        Assert.True(store.BlockGroupCount >= 4);
        var model = new SampleModel(tone);
        SequenceEdit[] edits =
        [
            new SequenceEdit.Cut(group - 512, 512),
            new SequenceEdit.Cut(group - 1, 2),
            new SequenceEdit.Paste(group, o.Id, group - 256, 356),
            new SequenceEdit.Paste(512, s.Id, group - 512, 1024),
            new SequenceEdit.Gain(group - 300, 600, -0.5f),
            new SequenceEdit.Fade(2 * group - 1024, 2048, 1f, 0f),
            new SequenceEdit.Silence(1023, 2),
            new SequenceEdit.InsertSilence(2 * group, 512),
            new SequenceEdit.Trim(511, 2 * group),
        ];
        using var walker = store.CreateWalker();
        foreach (var edit in edits)
        {
            s.Apply(edit);
            model.Apply(edit, edit is SequenceEdit.Paste { Source: 1 } ? other : null);
            AssertSamples(model.Samples, RenderAll(walker, s), 1e-6f);
        }
        EditProperties.AssertSummary(SampleSummary.Of(model.Samples), walker.Summarize(s, 0, s.Length));
        foreach (var _ in edits)
        {
            s.Undo();
            model.Undo();
        }
        AssertSamples(tone, RenderAll(walker, s));
        Assert.Equal(1, s.RunCount);
    }

    [Fact]
    public async Task Walking_backward_gives_the_forward_samples_reversed_across_edits()
    {
        var store = await OpenStoreAsync();
        var tone = Tone(9000, 3);
        var s = await FilledAsync(store, "mono", tone);
        s.Apply(new SequenceEdit.Cut(1000, 777));
        s.Apply(new SequenceEdit.Paste(100, s.Id, 5000, 1500));
        s.Apply(new SequenceEdit.Fade(0, 3000, 0f, 1f));
        using var walker = store.CreateWalker();
        var forward = RenderAll(walker, s);
        foreach (var (end, count) in new[] { (s.Length, (int)s.Length), (4321L, 2000), (1L, 1), (600L, 0) })
        {
            var backward = new float[count];
            walker.RenderBackward(s, end, backward);
            var expected = forward[(int)(end - count)..(int)end];
            Array.Reverse(expected);
            AssertSamples(expected, backward);
        }
    }

    [Fact]
    public async Task Int16_blocks_hold_1024_samples_and_summaries_see_the_quantized_samples()
    {
        var store = await OpenStoreAsync();
        var tone = Tone(4100, 5);
        var s = await FilledAsync(store, "pcm", tone, SampleFormat.Int16);
        Assert.Equal(5, s.BaseIndexCount);
        using var walker = store.CreateWalker();
        var q = Quantized(tone);
        AssertSamples(q, RenderAll(walker, s));
        EditProperties.AssertSummary(SampleSummary.Of(q), walker.Summarize(s, 0, s.Length));
        await s.AppendAsync(new short[] { short.MinValue, short.MaxValue, 0 });
        await s.FinishAppendAsync();
        var tail = new float[3];
        walker.Render(s, 4100, tail);
        AssertSamples([-1f, 32767f / 32768f, 0f], tail);
    }

    [Fact]
    public async Task A_sealed_block_is_never_written_again_and_blocks_are_shared_between_sequences()
    {
        var store = await OpenStoreAsync();
        var first = Tone(700, 1);
        var s = await FilledAsync(store, "take", first);
        int partial = s.GetBaseEntry(1);
        var before = await ReadBlockAsync(store, partial);

        await s.AppendAsync(Tone(900, 2));
        await s.FinishAppendAsync();
        Assert.Equal(1600, s.Length);
        Assert.NotEqual(partial, s.GetBaseEntry(2));
        await store.SaveAsync();
        Assert.Equal(before, await ReadBlockAsync(store, partial));

        var shared = store.CreateSequence("shared");
        shared.AppendBlocks([s.GetBaseEntry(0), s.GetBaseEntry(0), AudioLayout.SilentBlockEntry]);
        using var walker = store.CreateWalker();
        var played = RenderAll(walker, shared);
        AssertSamples([.. first[..512], .. first[..512], .. new float[512]], played);
    }

    private static async Task<byte[]> ReadBlockAsync(SampleStore store, int block)
    {
        var path = Path.Combine(store.Folder, "blocks", $"g{block >> AudioLayout.GroupShift:D7}.blocks");
        await using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var bytes = new byte[AudioLayout.BlockBytes];
        fs.Position = (long)(block & (AudioLayout.BlocksPerGroup - 1)) * AudioLayout.BlockBytes;
        await fs.ReadExactlyAsync(bytes);
        return bytes;
    }

    [Fact]
    public async Task Block_group_files_reopen_after_the_actor_system_restarts()
    {
        string folder = Temp.Sub("restart");
        float[] expectedA, expectedB;
        var tone = Tone(300_000, 4);
        SampleSummary summary;
        var system1 = Akka.Actor.ActorSystem.Create("audio-restart-1", Config);
        try
        {
            var store = await SampleStore.OpenAsync(system1, folder);
            var a = await FilledAsync(store, "left", tone);
            var b = store.CreateSequence("right", SampleFormat.Int16);
            await b.AppendAsync(Tone(5000, 9));
            a.Apply(new SequenceEdit.Cut(10_000, 123_457));
            a.Apply(new SequenceEdit.Fade(0, 4096, 0f, 1f));
            a.Apply(new SequenceEdit.Gain(50_000, 10_000, 0.5f));
            a.Apply(new SequenceEdit.InsertSilence(70_000, 1000));
            using (var walker = store.CreateWalker())
            {
                expectedA = RenderAll(walker, a);
                summary = walker.Summarize(a, 0, a.Length);
            }
            await store.DisposeAsync();
            expectedB = Quantized(Tone(5000, 9));
        }
        finally
        {
            await system1.Terminate();
        }

        var system2 = Akka.Actor.ActorSystem.Create("audio-restart-2", Config);
        try
        {
            var store = await SampleStore.OpenAsync(system2, folder);
            var a = store.GetSequence("left");
            var b = store.GetSequence("right");
            Assert.Equal(SampleFormat.Int16, b.Format);
            Assert.False(a.CanUndo);
            using (var walker = store.CreateWalker())
            {
                AssertSamples(expectedA, RenderAll(walker, a));
                AssertSamples(expectedB, RenderAll(walker, b));
                Assert.Equal(summary, walker.Summarize(a, 0, a.Length));
            }
            // New blocks go into free slots or new groups, never over the old ones.
            int groups = store.BlockGroupCount;
            var c = await FilledAsync(store, "more", Tone(600_000, 5));
            Assert.True(store.BlockGroupCount > groups);
            a.Apply(new SequenceEdit.Paste(0, c.Id, 0, 1000));
            using (var walker = store.CreateWalker())
            {
                var head = new float[1000];
                walker.Render(a, 0, head);
                AssertSamples(Tone(1000, 5), head);
                var rest = new float[expectedA.Length];
                walker.Render(a, 1000, rest);
                AssertSamples(expectedA, rest);
            }
            await store.DisposeAsync();
        }
        finally
        {
            await system2.Terminate();
        }
    }

    [Fact]
    public async Task A_damaged_manifest_is_a_named_error()
    {
        var store = await OpenStoreAsync("damaged");
        await FilledAsync(store, "x", Tone(1000));
        await store.DisposeAsync();
        string manifest = Path.Combine(store.Folder, "store.manifest");
        var bytes = await File.ReadAllBytesAsync(manifest);
        bytes[20] ^= 0xff;
        await File.WriteAllBytesAsync(manifest, bytes);
        var e = await Assert.ThrowsAsync<AudioException>(() => SampleStore.OpenAsync(Sys, store.Folder));
        Assert.Equal(AudioError.CorruptManifest, e.Error);
        await File.WriteAllTextAsync(manifest, "not a manifest");
        e = await Assert.ThrowsAsync<AudioException>(() => SampleStore.OpenAsync(Sys, store.Folder));
        Assert.Equal(AudioError.CorruptManifest, e.Error);
    }

    [Fact]
    public async Task Bad_requests_are_named_errors_that_change_nothing()
    {
        var store = await OpenStoreAsync();
        var tone = Tone(3000);
        var s = await FilledAsync(store, "mono", tone);
        var pcm = await FilledAsync(store, "pcm", Tone(2000), SampleFormat.Int16);
        s.Apply(new SequenceEdit.Cut(0, 10));
        using var walker = store.CreateWalker();
        var before = RenderAll(walker, s);

        void Fails(AudioError error, Action request) => Assert.Equal(error, Assert.Throws<AudioException>(request).Error);
        Fails(AudioError.OutOfRange, () => s.Apply(new SequenceEdit.Cut(2900, 100)));
        Fails(AudioError.OutOfRange, () => s.Apply(new SequenceEdit.Gain(-1, 10, 2f)));
        Fails(AudioError.OutOfRange, () => s.Apply(new SequenceEdit.InsertSilence(2991, 10)));
        Fails(AudioError.OutOfRange, () => s.Apply(new SequenceEdit.Paste(0, s.Id, 2000, 991)));
        Fails(AudioError.OutOfRange, () => s.Apply(new SequenceEdit.Cut(long.MaxValue, 10)));
        Fails(AudioError.NegativeLength, () => s.Apply(new SequenceEdit.Silence(10, -5)));
        Fails(AudioError.NegativeLength, () => s.Apply(new SequenceEdit.Fade(10, -1, 0f, 1f)));
        Fails(AudioError.FormatMismatch, () => s.Apply(new SequenceEdit.Paste(0, pcm.Id, 0, 10)));
        Fails(AudioError.FormatMismatch, () => s.AppendBlocks([pcm.GetBaseEntry(0)]));
        Fails(AudioError.UnknownBlock, () => s.AppendBlocks([1_000_000]));
        Fails(AudioError.UnknownSequence, () => s.Apply(new SequenceEdit.Paste(0, 42, 0, 10)));
        Fails(AudioError.UnknownSequence, () => store.GetSequence("nobody"));
        Fails(AudioError.SequenceExists, () => store.CreateSequence("mono"));
        Fails(AudioError.InvalidArgument, () => s.Apply(new SequenceEdit.Gain(0, 10, float.NaN)));
        Fails(AudioError.OutOfRange, () => s.GetBaseEntry(99));
        Fails(AudioError.OutOfRange, () => walker.Render(s, 2980, new float[11]));
        Fails(AudioError.OutOfRange, () => walker.Render(s, -1, new float[1]));
        Fails(AudioError.OutOfRange, () => walker.RenderBackward(s, 5, new float[6]));
        Fails(AudioError.NegativeLength, () => walker.Summarize(s, 0, -1));
        Fails(AudioError.InvalidArgument, () => walker.Summarize(s, 0, 0, new SampleSummary[1]));
        Fails(AudioError.NothingToRedo, () => s.Redo());
        var fresh = store.CreateSequence("fresh");
        Fails(AudioError.NothingToUndo, () => fresh.Undo());

        Assert.Equal(2990, s.Length);
        Assert.Single(s.History);
        AssertSamples(before, RenderAll(walker, s));
        await using var other = await SampleStore.OpenAsync(Sys, Temp.Sub("other"));
        using var foreign = other.CreateWalker();
        Fails(AudioError.InvalidArgument, () => foreign.Render(s, 0, new float[1]));
    }

    [Fact]
    public async Task A_closed_store_refuses_requests_by_name()
    {
        var store = await OpenStoreAsync("closed");
        var s = await FilledAsync(store, "mono", Tone(100));
        await store.DisposeAsync();
        Assert.Equal(AudioError.StoreClosed, Assert.Throws<AudioException>(() => s.Apply(new SequenceEdit.Cut(0, 1))).Error);
        Assert.Equal(AudioError.StoreClosed, (await Assert.ThrowsAsync<AudioException>(() => s.AppendAsync(new float[3]).AsTask())).Error);
        Assert.Equal(AudioError.StoreClosed, Assert.Throws<AudioException>(() => store.CreateWalker()).Error);
    }

    [Fact]
    public async Task A_second_opening_of_an_open_store_is_refused_by_name_and_takes_nothing_from_the_first()
    {
        string folder = Temp.Sub("owned");
        var store = await SampleStore.OpenAsync(Sys, folder);
        var kept = await FilledAsync(store, "kept", Tone(3000, 2));
        // Blocks appended and not saved yet: a second opening would take their group files for orphans.
        var unsaved = await FilledAsync(store, "unsaved", Tone(AudioLayout.BlocksPerGroup * 512 + 700, 3));
        var groups = Directory.GetFiles(Path.Combine(folder, "blocks"), "g*.blocks").Order().ToArray();

        var again = await Assert.ThrowsAsync<AudioException>(() => SampleStore.OpenAsync(Sys, folder));
        Assert.Equal(AudioError.StoreInUse, again.Error);
        var other = Akka.Actor.ActorSystem.Create("audio-owned-other", Config);
        try
        {
            var fromOther = await Assert.ThrowsAsync<AudioException>(() => SampleStore.OpenAsync(other, folder));
            Assert.Equal(AudioError.StoreInUse, fromOther.Error);
        }
        finally
        {
            await other.Terminate();
        }

        Assert.Equal(groups, Directory.GetFiles(Path.Combine(folder, "blocks"), "g*.blocks").Order().ToArray());
        using (var walker = store.CreateWalker())
            AssertSamples(Tone(AudioLayout.BlocksPerGroup * 512 + 700, 3), RenderAll(walker, unsaved));
        await store.DisposeAsync();

        var reopened = await OpenStoreAsync("owned");
        using var check = reopened.CreateWalker();
        AssertSamples(Tone(3000, 2), RenderAll(check, reopened.GetSequence("kept")));
        AssertSamples(Tone(AudioLayout.BlocksPerGroup * 512 + 700, 3), RenderAll(check, reopened.GetSequence("unsaved")));
        Assert.Equal(kept.Length, reopened.GetSequence("kept").Length);
    }

    [Fact]
    public async Task A_save_or_close_with_nothing_changed_since_the_last_save_writes_nothing_and_one_after_a_change_does()
    {
        string folder = Temp.Sub("unchanged");
        string manifest = Path.Combine(folder, "store.manifest");
        var store = await SampleStore.OpenAsync(Sys, folder);
        var s = await FilledAsync(store, "mono", Tone(5000, 4));
        await store.SaveAsync();
        var written = File.GetLastWriteTimeUtc(manifest);
        byte[] bytes = File.ReadAllBytes(manifest);

        await store.SaveAsync();
        Assert.Equal(written, File.GetLastWriteTimeUtc(manifest));
        // An edit and its undo: the same state as the one saved, so still nothing to write.
        s.Apply(new SequenceEdit.Cut(100, 200));
        s.Undo();
        await store.DisposeAsync();
        Assert.Equal(written, File.GetLastWriteTimeUtc(manifest));
        Assert.Equal(bytes, File.ReadAllBytes(manifest));

        var again = await SampleStore.OpenAsync(Sys, folder);
        var t = again.GetSequence("mono");
        t.Apply(new SequenceEdit.Cut(100, 200));
        await again.DisposeAsync();
        Assert.NotEqual(bytes, File.ReadAllBytes(manifest));
        var third = await OpenStoreAsync("unchanged");
        Assert.Equal(5000 - 200, third.GetSequence("mono").Length);
    }

    [Fact]
    public async Task A_store_whose_actor_system_terminated_fails_appends_by_name_instead_of_hanging()
    {
        var system = Akka.Actor.ActorSystem.Create("audio-terminated", Config);
        var store = await SampleStore.OpenAsync(system, Temp.Sub("terminated"));
        var s = store.CreateSequence("mono");
        await system.Terminate();
        var e = await Assert.ThrowsAsync<AudioException>(() => s.AppendAsync(new float[2000]).AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(AudioError.StoreClosed, e.Error);
        // Its folder is free again for a store of another system, closed or not.
        var reopened = await OpenStoreAsync("terminated");
        Assert.Empty(reopened.Sequences);
        await store.DisposeAsync();
    }

    [Fact]
    public async Task A_removed_sequence_is_gone_for_good_and_one_in_use_is_not_removed()
    {
        var store = await OpenStoreAsync("removal");
        var kept = await FilledAsync(store, "kept", Tone(3000));
        var half = store.CreateSequence("half-imported");
        await half.AppendAsync(Tone(1700));
        await store.RemoveSequenceAsync(half);
        Assert.Equal(AudioError.UnknownSequence, Assert.Throws<AudioException>(() => store.GetSequence(half.Id)).Error);
        Assert.Equal(AudioError.UnknownSequence, Assert.Throws<AudioException>(() => half.Apply(new SequenceEdit.Cut(0, 1))).Error);
        Assert.Equal([kept], store.Sequences);
        var again = store.CreateSequence("half-imported");
        Assert.NotEqual(half.Id, again.Id);

        var source = await FilledAsync(store, "source", Tone(2000, 3));
        kept.Apply(new SequenceEdit.Paste(0, source.Id, 0, 100));
        kept.Undo();
        // Still in the redo history: removing it would leave a redo pointing at nothing.
        var e = await Assert.ThrowsAsync<AudioException>(() => store.RemoveSequenceAsync(source));
        Assert.Equal(AudioError.InvalidArgument, e.Error);

        await store.DisposeAsync();
        await using var reopened = await SampleStore.OpenAsync(Sys, store.Folder);
        Assert.Equal(["kept", "half-imported", "source"], reopened.Sequences.Select(s => s.Name));
        Assert.Equal(AudioError.UnknownSequence, Assert.Throws<AudioException>(() => reopened.GetSequence(half.Id)).Error);
    }

    [Fact]
    public async Task A_walker_on_another_thread_sees_whole_versions_while_edits_and_undos_go_on()
    {
        var store = await OpenStoreAsync();
        var tone = Tone(20_000, 4);
        var s = await FilledAsync(store, "mono", tone);
        float[] cut = [.. tone[..1000], .. tone[1500..6000]];
        var original = tone[..5500];
        using var stop = new CancellationTokenSource();
        int renders = 0;
        var reader = Task.Run(() =>
        {
            using var walker = store.CreateWalker();
            var buffer = new float[5500];
            while (!stop.IsCancellationRequested || renders < 100)
            {
                walker.Render(s, 0, buffer);
                if (!buffer.AsSpan().SequenceEqual(original) && !buffer.AsSpan().SequenceEqual(cut))
                    throw new InvalidOperationException("The walker saw a sequence that no edit made.");
                renders++;
            }
        });
        for (int i = 0; i < 2000; i++)
        {
            s.Apply(new SequenceEdit.Cut(1000, 500));
            s.Undo();
        }
        stop.Cancel();
        await reader.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(renders >= 100);
    }

    [Fact]
    public void Edits_are_values_that_serialize_and_come_back_equal()
    {
        SequenceEdit[] edits =
        [
            new SequenceEdit.Cut(1, 2), new SequenceEdit.Paste(3, 4, 5, 6), new SequenceEdit.InsertSilence(7, 8),
            new SequenceEdit.Silence(9, 10), new SequenceEdit.Gain(11, 12, 0.5f), new SequenceEdit.Fade(13, 14, 0f, 1f),
            new SequenceEdit.Trim(15, 16),
        ];
        string json = JsonSerializer.Serialize(edits);
        Assert.Contains("\"edit\":\"paste\"", json);
        Assert.Equal(edits, JsonSerializer.Deserialize<SequenceEdit[]>(json));
    }

    [Fact]
    public async Task Undo_and_redo_replay_a_long_history_in_order()
    {
        var store = await OpenStoreAsync();
        var tone = Tone(20_000, 2);
        var s = await FilledAsync(store, "mono", tone);
        var model = new SampleModel(tone);
        var r = new Random(5);
        for (int i = 0; i < 200; i++)
        {
            long start = r.NextInt64(0, s.Length - 10);
            SequenceEdit edit = (i % 3) switch
            {
                0 => new SequenceEdit.Cut(start, 7),
                1 => new SequenceEdit.Paste(start, s.Id, r.NextInt64(0, s.Length - 100), 100),
                _ => new SequenceEdit.Gain(start, 10, 0.5f),
            };
            s.Apply(edit);
            model.Apply(edit);
        }
        using var walker = store.CreateWalker();
        AssertSamples(model.Samples, RenderAll(walker, s), 1e-6f);
        while (s.CanUndo) s.Undo();
        AssertSamples(tone, RenderAll(walker, s));
        Assert.Equal(1, s.RunCount);
        while (s.CanRedo) s.Redo();
        AssertSamples(model.Samples, RenderAll(walker, s), 1e-6f);
    }
}
