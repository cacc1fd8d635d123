using Akka.Configuration;
using LumieraVault.Audio.Editing;
using LumieraVault.Audio.Hosting;
using Xunit;

namespace LumieraVault.Audio.Tests;

public sealed class AudioSettingsSpec : AudioSpec
{
    public AudioSettingsSpec() : base("lumiera.audio.history-limit = 3\n")
    {
    }

    [Fact]
    public void The_reference_config_gives_every_default()
    {
        var settings = AudioSettings.From(ConfigurationFactory.Empty);
        Assert.Equal(16, settings.PinnedGroups);
        Assert.Equal(0, settings.HistoryLimit);
    }

    [Fact]
    public void Out_of_range_settings_name_their_key()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => AudioSettings.From(ConfigurationFactory.ParseString("lumiera.audio.walker.pinned-groups = 0")));
        Assert.Contains("lumiera.audio.walker.pinned-groups", e.Message);
    }

    [Fact]
    public async Task The_history_limit_of_the_systems_config_forgets_the_oldest_edits()
    {
        var store = await OpenStoreAsync();
        Assert.Equal(3, store.Settings.HistoryLimit);
        var s = await FilledAsync(store, "mono", Tone(1000));
        for (int i = 0; i < 5; i++) s.Apply(new SequenceEdit.Cut(0, 10));
        Assert.Equal(3, s.History.Count);
        for (int i = 0; i < 3; i++) s.Undo();
        Assert.Equal(980, s.Length);
        Assert.False(s.CanUndo);
    }

    [Fact]
    public async Task Settings_given_in_code_win_over_the_config_and_the_sample_rate_is_kept()
    {
        var store = await OpenStoreAsync();
        await using var coded = await SampleStore.OpenAsync(Sys, Temp.Sub("coded"), new AudioSettings { PinnedGroups = 2, HistoryLimit = 0 });
        Assert.Equal(2, coded.Settings.PinnedGroups);
        var s = coded.CreateSequence("rate", SampleFormat.Int16, 44_100);
        await coded.DisposeAsync();
        await using var reopened = await SampleStore.OpenAsync(Sys, coded.Folder);
        Assert.Equal(44_100, reopened.GetSequence("rate").SampleRate);
        Assert.Equal(AudioError.InvalidArgument, Assert.Throws<AudioException>(() => store.CreateSequence("bad", SampleFormat.Float32, 0)).Error);
    }

    [Fact]
    public async Task A_walker_that_pins_two_groups_plays_a_sequence_that_jumps_between_five()
    {
        await using var store = await SampleStore.OpenAsync(Sys, Temp.Sub("pins"), new AudioSettings { PinnedGroups = 2, HistoryLimit = 0 });
        const int group = AudioLayout.BlocksPerGroup * 512;
        var tone = Tone(5 * group, 6);
        var s = await FilledAsync(store, "long", tone);
        var model = new SampleModel(tone);
        for (int k = 0; k < 4; k++)
        {
            var edit = new SequenceEdit.Paste(1000 * k, s.Id, (4 - k) * (long)group + 77, 3000);
            s.Apply(edit);
            model.Apply(edit);
        }
        using var walker = store.CreateWalker();
        await walker.PrepareAsync(s, 0, 20_000);
        Assert.Equal(2, walker.PinnedGroups);
        var played = new float[20_000];
        walker.Render(s, 0, played);
        AssertSamples(model.Samples.AsSpan(0, 20_000), played);
        AssertSamples(model.Samples, RenderAll(walker, s));
        Assert.Equal(2, walker.PinnedGroups);
    }
}
