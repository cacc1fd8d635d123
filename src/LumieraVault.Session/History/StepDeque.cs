namespace LumieraVault.Session.History;

/// <summary>
/// The undo stack: pushed and popped at the newest end, trimmed at the oldest end when the undo depth is
/// bounded. A ring of slots, so dropping the oldest step costs the same as pushing one: forgetting old history
/// never makes the editor wait.
/// </summary>
internal sealed class StepDeque
{
    private Step[] _ring = new Step[64];
    private int _oldest;

    public int Count { get; private set; }

    public Step Newest => _ring[Slot(Count - 1)];

    /// <summary>Step <paramref name="index"/>, counted from the oldest.</summary>
    public Step this[int index] => _ring[Slot(index)];

    public void Push(Step step)
    {
        if (Count == _ring.Length) Grow();
        _ring[Slot(Count)] = step;
        Count++;
    }

    public Step Pop()
    {
        int slot = Slot(Count - 1);
        var step = _ring[slot];
        _ring[slot] = null!;
        Count--;
        return step;
    }

    public void DropOldest()
    {
        _ring[_oldest] = null!;
        _oldest = (_oldest + 1) % _ring.Length;
        Count--;
    }

    /// <summary>The steps, oldest first.</summary>
    public Step[] ToArray()
    {
        var all = new Step[Count];
        int first = Math.Min(Count, _ring.Length - _oldest);
        Array.Copy(_ring, _oldest, all, 0, first);
        Array.Copy(_ring, 0, all, first, Count - first);
        return all;
    }

    private int Slot(int index) => (_oldest + index) % _ring.Length;

    private void Grow()
    {
        var bigger = ToArray();
        Array.Resize(ref bigger, _ring.Length * 2);
        _ring = bigger;
        _oldest = 0;
    }
}
