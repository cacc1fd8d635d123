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
}
