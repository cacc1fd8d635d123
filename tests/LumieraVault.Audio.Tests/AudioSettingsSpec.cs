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
}
