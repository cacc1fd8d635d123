using System.Text.Json.Serialization;

namespace LumieraVault.Audio.Editing;

/// <summary>
/// An edit of a sequence, as a value: what the user asked for, in sample positions of the sequence as it was
/// then. Applying the same edits in the same order to the same takes gives the same sequence, so a session log
/// can store them (they serialize with System.Text.Json, polymorphically by the <c>edit</c> discriminator) and
/// replay them. Positions and lengths count samples of one channel.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "edit")]
[JsonDerivedType(typeof(Cut), "cut")]
[JsonDerivedType(typeof(Paste), "paste")]
[JsonDerivedType(typeof(InsertSilence), "insert-silence")]
[JsonDerivedType(typeof(Silence), "silence")]
[JsonDerivedType(typeof(Gain), "gain")]
[JsonDerivedType(typeof(Fade), "fade")]
[JsonDerivedType(typeof(Trim), "trim")]
public abstract record SequenceEdit
{
    private SequenceEdit() { }

    /// <summary>Removes <paramref name="Length"/> samples from <paramref name="Start"/>; what follows moves up.</summary>
    public sealed record Cut(long Start, long Length) : SequenceEdit;

    /// <summary>
    /// Inserts at <paramref name="At"/> the <paramref name="Length"/> samples of sequence <paramref name="Source"/>
    /// (this one or another of the same format) from <paramref name="SourceStart"/>, as they are when the edit is
    /// applied. No sample is copied: the pasted part shares the source's blocks.
    /// </summary>
    public sealed record Paste(long At, int Source, long SourceStart, long Length) : SequenceEdit;

    /// <summary>Inserts <paramref name="Length"/> samples of silence at <paramref name="At"/>.</summary>
    public sealed record InsertSilence(long At, long Length) : SequenceEdit;

    /// <summary>Silences <paramref name="Length"/> samples from <paramref name="Start"/>; the length stays.</summary>
    public sealed record Silence(long Start, long Length) : SequenceEdit;

    /// <summary>Multiplies <paramref name="Length"/> samples from <paramref name="Start"/> by <paramref name="Factor"/>.</summary>
    public sealed record Gain(long Start, long Length, float Factor) : SequenceEdit;

    /// <summary>
    /// Multiplies <paramref name="Length"/> samples from <paramref name="Start"/> by a straight line from
    /// <paramref name="From"/> to <paramref name="To"/>: sample <c>i</c> of the range by <c>From + (To - From) * (i / Length)</c>.
    /// A fade in is (0, 1), a fade out (1, 0); fades over the same samples multiply.
    /// </summary>
    public sealed record Fade(long Start, long Length, float From, float To) : SequenceEdit;

    /// <summary>Keeps only the <paramref name="Length"/> samples from <paramref name="Start"/> (sample-accurate, anywhere in a block).</summary>
    public sealed record Trim(long Start, long Length) : SequenceEdit;
}
