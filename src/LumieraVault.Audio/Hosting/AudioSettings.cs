using Akka.Configuration;

namespace LumieraVault.Audio.Hosting;

/// <summary>The sample store's settings, read from the <c>lumiera.audio</c> section of the actor system's configuration.</summary>
public sealed record AudioSettings
{
    /// <summary>Block groups a walker keeps pinned between calls.</summary>
    public required int PinnedGroups { get; init; }

    /// <summary>Edits each sequence keeps for undo (0: all).</summary>
    public required int HistoryLimit { get; init; }

    /// <summary>The embedded reference configuration with every default.</summary>
    public static Config Reference { get; } = LoadReference();

    /// <summary>Reads the settings from <paramref name="config"/>, falling back to the reference defaults.</summary>
    public static AudioSettings From(Config config)
    {
        var c = config.WithFallback(Reference).GetConfig("lumiera.audio");
        return new AudioSettings
        {
            PinnedGroups = c.GetInt("walker.pinned-groups", 16),
            HistoryLimit = c.GetInt("history-limit", 0),
        }.Validated();
    }

    /// <summary>These settings, checked: an out-of-range value throws <see cref="ArgumentOutOfRangeException"/> naming its key.</summary>
    public AudioSettings Validated()
    {
        if (PinnedGroups < 1)
            throw new ArgumentOutOfRangeException(nameof(PinnedGroups), PinnedGroups, "lumiera.audio.walker.pinned-groups must be at least 1.");
        if (HistoryLimit < 0)
            throw new ArgumentOutOfRangeException(nameof(HistoryLimit), HistoryLimit, "lumiera.audio.history-limit cannot be negative.");
        return this;
    }

    private static Config LoadReference()
    {
        using var stream = typeof(AudioSettings).Assembly.GetManifestResourceStream("LumieraVault.Audio.reference.conf")
            ?? throw new InvalidOperationException("The embedded reference.conf of LumieraVault.Audio is missing.");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
