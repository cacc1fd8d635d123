using LumieraVault.Session.Model;

namespace LumieraVault.Session.History;

/// <summary>What the journal keeps: a step done, or steps undone or redone. Undo and redo are events too, so the log tells the whole story.</summary>
internal abstract record SessionEvent
{
    private SessionEvent() { }

    /// <summary>The event as one line of text for a person.</summary>
    public string Describe() => this switch
    {
        StepDone d => $"step {d.Step.Number} '{d.Step.Label}': {string.Join("; ", d.Step.Changes.Select(c => c.ToString()))}",
        Undone u => $"undo {u.Steps} step(s)",
        Redone r => $"redo {r.Steps} step(s)",
        _ => ToString(),
    };

    public sealed record StepDone(Step Step) : SessionEvent;

    public sealed record Undone(int Steps) : SessionEvent;

    public sealed record Redone(int Steps) : SessionEvent;
}

/// <summary>The state at one place in the log: the model, the number of the next step, the undo stack (oldest first) and the redo stack (as kept: the next to redo last).</summary>
internal sealed record SessionSnapshot(SessionModel Model, long NextStep, Step[] Done, Step[] Undone);
