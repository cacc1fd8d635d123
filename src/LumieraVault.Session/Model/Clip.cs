namespace LumieraVault.Session.Model;

/// <summary>Where a clip's material comes from.</summary>
public abstract record ClipSource
{
    private ClipSource() { }

    // Only for probing the model's ordered index; never in a clip.
    internal static readonly ClipSource None = new File("");

    /// <summary>A media file opened through the vault.</summary>
    public sealed record File(string Path) : ClipSource
    {
        /// <inheritdoc />
        public override string ToString() => $"file {Path}";
    }

    /// <summary>A sequence of the sample store, by its id there.</summary>
    public sealed record Audio(int Sequence) : ClipSource
    {
        /// <inheritdoc />
        public override string ToString() => $"audio #{Sequence}";
    }
}

/// <summary>
/// A clip on a track: the part [<paramref name="In"/>, <paramref name="Out"/>) of its source placed at
/// <paramref name="Position"/> of the timeline. Times are in the session's time units (frames or samples, as
/// the editor chooses).
/// </summary>
public sealed record Clip(string Id, string Track, ClipSource Source, long In, long Out, long Position)
{
    /// <summary>Time units the clip lasts.</summary>
    public long Duration => Out - In;

    /// <summary>The first time after the clip.</summary>
    public long End => Position + Duration;
}
