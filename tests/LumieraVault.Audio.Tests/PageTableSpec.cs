using System.Text.Json;
using LumieraVault.Audio.Editing;
using LumieraVault.Audio.Indexes;
using LumieraVault.Audio.Persistence;
using Xunit;

namespace LumieraVault.Audio.Tests;

/// <summary>The recorded form of a sequence: its base index with the edits in it as events that keep what they replaced.</summary>
public sealed class PageTableSpec : AudioSpec
{
    [Fact]
    public async Task The_proposals_cut_of_bins_3_and_4_is_a_jump_at_bin_3_that_keeps_it_and_resumes_at_bin_5()
    {
        var store = await OpenStoreAsync();
        var s = await FilledAsync(store, "bins", Tone(6 * 512));
        s.Apply(new SequenceEdit.Cut(3 * 512, 2 * 512));

        var table = s.GetPageTable();
        Assert.Equal([0, 1, 2, PageTable.EventEntry(0), 4, 5], table.Entries);
        Assert.Equal(-2, table[3]);
        Assert.Equal([new PageEvent.Jump(3, PageCursor.At(5, 0))], table.Events);
        Assert.Equal([0, 1, 2, 3, 4, 5], table.KeptEntries());
        Assert.Equal(4 * 512, table.Length);

        s.Undo();
        Assert.Equal([0, 1, 2, 3, 4, 5], s.GetPageTable().Entries);
        Assert.Empty(s.GetPageTable().Events);
    }

    [Fact]
    public async Task A_cut_inside_blocks_is_one_trim_that_resumes_sample_accurately_in_the_block_it_keeps()
    {
        var store = await OpenStoreAsync();
        var tone = Tone(4 * 512);
        var s = await FilledAsync(store, "mono", tone);
        s.Apply(new SequenceEdit.Cut(700, 300));

        var table = s.GetPageTable();
        Assert.Equal([0, -2, 2, 3], table.Entries);
        Assert.Equal([new PageEvent.Trim(1, 0, 700 - 512, PageCursor.At(1, 1000 - 512))], table.Events);
        AssertDecodes(store, s);
    }

    [Fact]
    public async Task A_paste_at_a_block_boundary_is_a_splice_that_comes_back_to_the_entry_it_keeps()
    {
        var store = await OpenStoreAsync();
        var a = await FilledAsync(store, "a", Tone(4 * 512, 1));
        var b = await FilledAsync(store, "b", Tone(2 * 512, 2));
        a.Apply(new SequenceEdit.Paste(2 * 512, b.Id, 100, 700));

        var table = a.GetPageTable();
        Assert.Equal([0, 1, -2, 3], table.Entries);
        Assert.Equal([new PageEvent.Splice(2, b.Id, 100, 700, PageCursor.At(2, 0))], table.Events);
        AssertDecodes(store, a);
    }

    [Fact]
    public async Task Gain_silence_and_fades_are_envelope_and_silence_events_and_the_blocks_stay_in_the_stream()
    {
        var store = await OpenStoreAsync();
        var s = await FilledAsync(store, "mono", Tone(8 * 512));
        s.Apply(new SequenceEdit.Gain(512, 2 * 512, 0.5f));
        s.Apply(new SequenceEdit.Fade(4 * 512, 1024, 1f, 0f));
        s.Apply(new SequenceEdit.InsertSilence(7 * 512, 300));

        var table = s.GetPageTable();
        Assert.Equal([0, -2, 2, 3, -3, 5, 6, -4], table.Entries);
        Assert.Equal(
            [
                new PageEvent.Gain(1, 1024, 0.5f, PageCursor.At(1, 0)),
                new PageEvent.Fade(4, 1024, 1f, [new FadeLine(0, 1024, 1f, 0f)], PageCursor.At(4, 0)),
                new PageEvent.Silence(7, 300, PageCursor.At(7, 0)),
            ],
            table.Events);
        AssertDecodes(store, s);
    }

    [Fact]
    public async Task A_sequence_without_a_take_of_its_own_grows_its_table_for_the_events_it_plays()
    {
        var store = await OpenStoreAsync();
        var a = await FilledAsync(store, "a", Tone(3 * 512));
        var mix = store.CreateSequence("mix");
        mix.Apply(new SequenceEdit.InsertSilence(0, 100));
        mix.Apply(new SequenceEdit.Paste(100, a.Id, 10, 1000));

        var table = mix.GetPageTable();
        Assert.Equal(0, table.TakeEntries);
        Assert.Equal([-2, -3], table.Entries);
        Assert.Equal(
            [
                new PageEvent.Silence(PageTable.NoEntry, 100, PageCursor.Step(1)),
                new PageEvent.Splice(PageTable.NoEntry, a.Id, 10, 1000, default),
            ],
            table.Events);
        Assert.Empty(table.KeptEntries());
        AssertDecodes(store, mix);
    }

    [Fact]
    public async Task Every_event_keeps_the_entry_it_replaced_so_putting_them_back_gives_the_plain_base_index()
    {
        var store = await OpenStoreAsync();
        var s = await FilledAsync(store, "mono", Tone(12 * 512 + 100));
        var other = await FilledAsync(store, "other", Tone(2000, 2));
        var plain = Enumerable.Range(0, 13).Select(e => s.GetBaseEntry(e)).ToArray();
        SequenceEdit[] edits =
        [
            new SequenceEdit.Cut(3 * 512, 2 * 512),
            new SequenceEdit.Paste(512, s.Id, 0, 3000),
            new SequenceEdit.Paste(4000, other.Id, 17, 1500),
            new SequenceEdit.Silence(100, 900),
            new SequenceEdit.Gain(2000, 4000, -1f),
            new SequenceEdit.Fade(5000, 2500, 1f, 0f),
            new SequenceEdit.Trim(50, 9000),
            new SequenceEdit.InsertSilence(0, 10),
        ];
        foreach (var edit in edits)
        {
            s.Apply(edit);
            var table = s.GetPageTable();
            Assert.Equal(plain, table.KeptEntries());
            Assert.All(Enumerable.Range(0, table.Count).Where(p => PageTable.IsEvent(table[p])),
                p => Assert.Equal(p < plain.Length ? plain[p] : PageTable.NoEntry, table.EventAt(p)!.Replaced));
            Assert.Contains(table.Entries, PageTable.IsEvent);
            RoundTrip(store, s);
        }
        Assert.Contains(s.GetPageTable().Events, e => e.Replaced == PageTable.NoEntry);
    }

    [Fact]
    public async Task Page_events_are_values_that_serialize_and_come_back_equal()
    {
        var store = await OpenStoreAsync();
        var s = await FilledAsync(store, "mono", Tone(8 * 512));
        s.Apply(new SequenceEdit.Fade(100, 3000, 0f, 1f));
        s.Apply(new SequenceEdit.Paste(3000, s.Id, 10, 900));
        s.Apply(new SequenceEdit.Cut(200, 50));
        var events = s.GetPageTable().Events.ToArray();
        Assert.Contains(events, e => e is PageEvent.Fade);
        var json = JsonSerializer.Serialize(events);
        Assert.Contains("\"event\":\"fade\"", json);
        Assert.Equal(events, JsonSerializer.Deserialize<PageEvent[]>(json));
    }

    [Fact]
    public async Task The_manifest_records_a_cut_as_an_event_entry_and_the_reopened_store_plays_what_it_decodes()
    {
        var store = await OpenStoreAsync("recorded");
        var tone = Tone(20 * 512, 3);
        var s = await FilledAsync(store, "left", tone);
        var o = await FilledAsync(store, "other", Tone(3000, 4));
        s.Apply(new SequenceEdit.Cut(3 * 512, 2 * 512));
        s.Apply(new SequenceEdit.Paste(9000, o.Id, 5, 1234));
        s.Apply(new SequenceEdit.Fade(6000, 500, 0f, 1f));
        s.Apply(new SequenceEdit.Silence(4000, 777));
        float[] expected;
        using (var walker = store.CreateWalker()) expected = RenderAll(walker, s);
        var recorded = s.GetPageTable();
        int firstBlock = s.GetBaseEntry(0);
        await store.DisposeAsync();

        var manifest = await Manifest.ReadAsync(Path.Combine(store.Folder, "store.manifest"));
        var left = manifest!.Sequences.Single(q => q.Name == "left").Table;
        Assert.Contains(left.Entries, PageTable.IsEvent);
        Assert.Equal(new PageEvent.Jump(firstBlock + 3, PageCursor.At(5, 0)), left.EventAt(3));
        Assert.Equal(Enumerable.Range(firstBlock, 20), left.KeptEntries());
        Assert.Equal(recorded.Entries, left.Entries);
        Assert.Equal(recorded.Events, left.Events);

        var reopened = await SampleStore.OpenAsync(Sys, store.Folder);
        try
        {
            var again = reopened.GetSequence("left");
            using var walker = reopened.CreateWalker();
            AssertSamples(expected, RenderAll(walker, again));
            Assert.Equal(recorded.Entries, again.GetPageTable().Entries);
            Assert.Equal(recorded.Events, again.GetPageTable().Events);
        }
        finally
        {
            await reopened.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_page_table_that_loops_or_runs_past_its_end_is_a_corrupt_manifest()
    {
        var store = await OpenStoreAsync("looping");
        var s = await FilledAsync(store, "bins", Tone(6 * 512));
        s.Apply(new SequenceEdit.Cut(3 * 512, 2 * 512));
        await store.DisposeAsync();
        string path = Path.Combine(store.Folder, "store.manifest");
        var bytes = await File.ReadAllBytesAsync(path);
        // The jump's Next entry (5) follows its tag byte and kept entry: make it jump to itself (3), then past the take.
        int at = FindJump(bytes);
        foreach (int target in new[] { 3, 6 })
        {
            BitConverter.GetBytes(target).CopyTo(bytes, at);
            BitConverter.GetBytes(-1).CopyTo(bytes, at + 4);
            Rehash(bytes);
            await File.WriteAllBytesAsync(path, bytes);
            var e = await Assert.ThrowsAsync<AudioException>(() => SampleStore.OpenAsync(Sys, store.Folder));
            Assert.Equal(AudioError.CorruptManifest, e.Error);
            Assert.Contains("'bins'", e.Message);
        }
    }

    /// <summary>Where the Next of the only jump event lies in a manifest (after its tag 0 and kept entry 3: Next is 5, 0).</summary>
    private static int FindJump(byte[] bytes)
    {
        byte[] pattern = [0, 3, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0];
        for (int i = 0; i + pattern.Length <= bytes.Length; i++)
        {
            if (bytes.AsSpan(i, pattern.Length).SequenceEqual(pattern)) return i + 5;
        }
        throw new InvalidOperationException("no jump event in the manifest");
    }

    private static void Rehash(byte[] bytes)
    {
        ulong hash = System.IO.Hashing.XxHash64.HashToUInt64(bytes.AsSpan(0, bytes.Length - 8));
        BitConverter.GetBytes(hash).CopyTo(bytes, bytes.Length - 8);
    }

    private static void AssertDecodes(SampleStore store, SampleSequence s) => RoundTrip(store, s);

    /// <summary>
    /// Encodes the sequence's version, checks that every event keeps the entry it replaced (so the kept entries are
    /// the plain base index), decodes it back, checks the runs are the same and that encoding is deterministic.
    /// Returns the decoded version.
    /// </summary>
    internal static SequenceState RoundTrip(SampleStore store, SampleSequence s)
    {
        var state = s.State;
        var table = s.GetPageTable();
        int n = (int)s.Take.Count;
        Assert.Equal(n, table.TakeEntries);
        var plain = Enumerable.Range(0, n).Select(e => s.Take[e]).ToArray();
        Assert.Equal(plain, table.KeptEntries());
        for (int p = 0; p < table.Count; p++)
        {
            var e = table.EventAt(p);
            if (e is not null) Assert.Equal(p < n ? plain[p] : PageTable.NoEntry, e.Replaced);
            else Assert.True(p < n && table[p] == plain[p], $"position {p} holds {table[p]}");
        }
        var decoded = PageTableDecoder.Decode(table, s.Take, id => store.AllSequences[id].Take);
        AssertSameRuns(state.Runs, decoded.Runs);
        var again = PageTableEncoder.Encode(decoded.Runs, s.Take, n);
        Assert.Equal(table.Entries, again.Entries);
        Assert.Equal(table.Events, again.Events);
        return decoded;
    }

    private static void AssertSameRuns(Run[] expected, Run[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            Assert.True(ReferenceEquals(e.Source, a.Source) && e.SourceStart == a.SourceStart && e.Length == a.Length && e.Gain.Equals(a.Gain)
                && (e.Ramps ?? []).SequenceEqual(a.Ramps ?? []), $"run {i} is {Show(a)}, expected {Show(e)}");
        }
    }

    private static string Show(Run r) => $"#{r.Source?.Owner.ToString() ?? "silence"} {r.SourceStart}+{r.Length} x{r.Gain} [{string.Join(", ", r.Ramps ?? [])}]";
}
