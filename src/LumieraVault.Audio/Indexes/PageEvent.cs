using System.Text.Json.Serialization;

namespace LumieraVault.Audio.Indexes;

/// <summary>
/// Where the walk of a <see cref="PageTable"/> goes on after an event. With <see cref="Sample"/> 0 or more it
/// resumes in the base index: it plays the entry at position <see cref="Entry"/> from that sample (the entry an
/// event there keeps, if one took its place; landing never fires an event), then steps on to the next position.
/// With <see cref="Sample"/> -1 it steps onto position <see cref="Entry"/>, firing the event there.
/// </summary>
public readonly record struct PageCursor(int Entry, int Sample)
{
    /// <summary>Resume the base index at <paramref name="entry"/>, from <paramref name="sample"/> within its block.</summary>
    public static PageCursor At(int entry, int sample) => new(entry, sample);

    /// <summary>Step onto <paramref name="entry"/>: fire its event (or play its block whole).</summary>
    public static PageCursor Step(int entry) => new(entry, -1);

    /// <summary>True when the walk steps onto the position rather than resuming inside its kept block.</summary>
    [JsonIgnore]
    public bool Steps => Sample < 0;

    /// <inheritdoc />
    public override string ToString() => Steps ? $"step {Entry}" : $"{Entry}:{Sample}";
}

/// <summary>A straight line of a fade, from sample <see cref="Offset"/> of the event's span for <see cref="Length"/> samples.</summary>
public readonly record struct FadeLine(long Offset, long Length, float From, float To);

/// <summary>
/// An event of a <see cref="PageTable"/>: what a negative entry names. Each keeps the entry it took the place of
/// (<see cref="Replaced"/>: a block number, -1 for a silent block, or <see cref="PageTable.NoEntry"/> for a position
/// past the take's end, where the table grew to hold events), so putting the kept entries back gives the plain base
/// index. Each says where the walk goes on (<see cref="Next"/>). Values that serialize with System.Text.Json,
/// polymorphically by the <c>event</c> discriminator.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "event")]
[JsonDerivedType(typeof(Jump), "jump")]
[JsonDerivedType(typeof(Splice), "splice")]
[JsonDerivedType(typeof(Silence), "silence")]
[JsonDerivedType(typeof(Gain), "gain")]
[JsonDerivedType(typeof(Fade), "fade")]
[JsonDerivedType(typeof(Trim), "trim")]
public abstract record PageEvent(int Replaced, PageCursor Next)
{
    /// <summary>A cut: plays nothing, goes on at <paramref name="Next"/> (sample-accurate).</summary>
    public sealed record Jump(int Replaced, PageCursor Next) : PageEvent(Replaced, Next);

    /// <summary>
    /// An insert or paste: plays <paramref name="Length"/> samples of the base index of sequence
    /// <paramref name="Source"/> (another or this one) from its sample <paramref name="Start"/>, then comes back at
    /// <paramref name="Next"/> (often the entry this event keeps).
    /// </summary>
    public sealed record Splice(int Replaced, int Source, long Start, long Length, PageCursor Next) : PageEvent(Replaced, Next);

    /// <summary>Plays <paramref name="Length"/> samples of silence that no block holds.</summary>
    public sealed record Silence(int Replaced, long Length, PageCursor Next) : PageEvent(Replaced, Next);

    /// <summary>An envelope: the next <paramref name="Span"/> samples played from <paramref name="Next"/> on are multiplied by <paramref name="Factor"/>.</summary>
    public sealed record Gain(int Replaced, long Span, float Factor, PageCursor Next) : PageEvent(Replaced, Next);

    /// <summary>
    /// An envelope with fades: the next <paramref name="Span"/> samples are multiplied by <paramref name="Factor"/>
    /// and by every line (sample i of the span by <c>From + (To - From) * ((i - Offset) / Length)</c> where
    /// <c>0 &lt;= i - Offset &lt; Length</c>; lines may begin before the span or end after it, as a fade that was cut).
    /// </summary>
    public sealed record Fade(int Replaced, long Span, float Factor, IReadOnlyList<FadeLine> Lines, PageCursor Next) : PageEvent(Replaced, Next)
    {
        /// <inheritdoc />
        public bool Equals(Fade? other) => other is not null && Replaced == other.Replaced && Next == other.Next && Span == other.Span
            && Factor.Equals(other.Factor) && Lines.SequenceEqual(other.Lines);

        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(Replaced, Next, Span, Factor, Lines.Count);
    }

    /// <summary>A sample-accurate trim: plays samples [<paramref name="From"/>, <paramref name="To"/>) of the block this event keeps.</summary>
    public sealed record Trim(int Replaced, int From, int To, PageCursor Next) : PageEvent(Replaced, Next);
}
