using System.Collections.Immutable;
using LumieraVault.Session.Commands;

namespace LumieraVault.Session.Tests;

/// <summary>
/// The plain reference for the undo property: clips as (position, length) in a dictionary, history as two stacks
/// of whole states. Decides from its own state whether a command fits, without the session's code.
/// </summary>
public sealed class UndoModel
{
    public const int Spacing = 20;

    private readonly Stack<ImmutableDictionary<string, (long Position, long Length)>> _done = new();
    private readonly Stack<ImmutableDictionary<string, (long Position, long Length)>> _undone = new();

    public ImmutableDictionary<string, (long Position, long Length)> Clips { get; private set; } = ImmutableDictionary<string, (long, long)>.Empty;

    public int UndoCount => _done.Count;

    public int RedoCount => _undone.Count;

    /// <summary>Applies a step of moves (clip, new position) and trims (clip, new length), or none of it; true when it fits.</summary>
    public bool Step(IEnumerable<(string Clip, long? Position, long? Length)> changes)
    {
        var next = Clips;
        foreach (var (clip, position, length) in changes)
        {
            if (!next.TryGetValue(clip, out var c)) return false;
            var moved = (Position: position ?? c.Position, Length: length ?? c.Length);
            if (next.Any(o => o.Key != clip && o.Value.Position < moved.Position + moved.Length && moved.Position < o.Value.Position + o.Value.Length)) return false;
            next = next.SetItem(clip, moved);
        }
        Push(next);
        return true;
    }

    public void Push(ImmutableDictionary<string, (long Position, long Length)> next)
    {
        _done.Push(Clips);
        _undone.Clear();
        Clips = next;
    }

    public bool Undo(int steps)
    {
        if (steps > _done.Count) return false;
        for (int i = 0; i < steps; i++)
        {
            _undone.Push(Clips);
            Clips = _done.Pop();
        }
        return true;
    }

    public bool Redo(int steps)
    {
        if (steps > _undone.Count) return false;
        for (int i = 0; i < steps; i++)
        {
            _done.Push(Clips);
            Clips = _undone.Pop();
        }
        return true;
    }

    /// <summary>The session command for one change of <see cref="Step"/>.</summary>
    public static SessionCommand Command((string Clip, long? Position, long? Length) change)
        => change.Position is { } p ? new SessionCommand.MoveClip(change.Clip, p) : new SessionCommand.TrimClip(change.Clip, 0, change.Length!.Value);
}
