using LumieraVault.Audio.Editing;

namespace LumieraVault.Audio.Tests;

/// <summary>
/// The plain model the store must agree with: a float array that every edit really changes, and undo by keeping
/// whole copies. Slow and obviously right.
/// </summary>
public sealed class SampleModel
{
    private readonly List<float[]> _undo = new();
    private readonly List<float[]> _redo = new();

    public SampleModel(float[] samples) => Samples = samples;

    public float[] Samples { get; private set; }

    public long Length => Samples.Length;

    public bool CanUndo => _undo.Count > 0;

    public bool CanRedo => _redo.Count > 0;

    /// <summary>Applies an edit whose positions the caller checked; <paramref name="source"/> is the paste's source samples.</summary>
    public void Apply(SequenceEdit edit, float[]? source = null)
    {
        var s = Samples;
        float[] next = edit switch
        {
            SequenceEdit.Cut c => [.. s[..(int)c.Start], .. s[(int)(c.Start + c.Length)..]],
            SequenceEdit.Paste p => [.. s[..(int)p.At], .. (source ?? s)[(int)p.SourceStart..(int)(p.SourceStart + p.Length)], .. s[(int)p.At..]],
            SequenceEdit.InsertSilence i => [.. s[..(int)i.At], .. new float[i.Length], .. s[(int)i.At..]],
            SequenceEdit.Silence z => Map(s, z.Start, z.Length, (_, _) => 0f),
            SequenceEdit.Gain g => Map(s, g.Start, g.Length, (x, _) => x * g.Factor),
            SequenceEdit.Fade f => Map(s, f.Start, f.Length, (x, i) => x * Ramp.Line(f.From, f.To, i, f.Length)),
            SequenceEdit.Trim t => s[(int)t.Start..(int)(t.Start + t.Length)],
            _ => throw new ArgumentException(edit.ToString()),
        };
        _undo.Add(s);
        _redo.Clear();
        Samples = next;
    }

    public void Undo()
    {
        _redo.Add(Samples);
        Samples = _undo[^1];
        _undo.RemoveAt(_undo.Count - 1);
    }

    public void Redo()
    {
        _undo.Add(Samples);
        Samples = _redo[^1];
        _redo.RemoveAt(_redo.Count - 1);
    }

    private static float[] Map(float[] s, long start, long length, Func<float, long, float> f)
    {
        var next = (float[])s.Clone();
        for (long i = 0; i < length; i++) next[start + i] = f(s[start + i], i);
        return next;
    }
}
