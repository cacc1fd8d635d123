using LumieraVault.Session.Model;

namespace LumieraVault.Session.History;

/// <summary>
/// The model together with its undo and redo stacks: what the session actor holds and what a snapshot saves.
/// Every event of the log is applied through <see cref="Apply"/>, when it is made and when it is replayed, so
/// replay rebuilds the same state.
/// </summary>
internal sealed class SessionState
{
    private readonly StepDeque _done = new();
    private readonly List<Step> _undone = new();

    public SessionState(int undoDepth) => UndoDepth = undoDepth;

    /// <summary>Steps kept for undo at most; 0 keeps them all.</summary>
    public int UndoDepth { get; }

    public SessionModel Model { get; private set; } = SessionModel.Empty;

    /// <summary>The number the next step gets.</summary>
    public long NextStep { get; private set; } = 1;

    public int UndoCount => _done.Count;

    public int RedoCount => _undone.Count;

    public void Apply(SessionEvent e)
    {
        switch (e)
        {
            case SessionEvent.StepDone d:
                Commit(d.Step, ChangeList.Do(Model, d.Step.Changes));
                break;
            case SessionEvent.Undone u:
                Replayed(() => Undo(u.Steps));
                break;
            case SessionEvent.Redone r:
                Replayed(() => Redo(r.Steps));
                break;
        }
    }

    private void Replayed(Action step)
    {
        try
        {
            step();
        }
        catch (SessionException e) when (e.Error is SessionError.NothingToUndo or SessionError.NothingToRedo)
        {
            throw new SessionException(SessionError.LogInconsistent,
                $"The log undoes or redoes more steps than the history it rebuilds holds ({e.Message}); was it written with a larger lumiera.session.undo-depth than {UndoDepth}?", e);
        }
    }

    /// <summary>Records a step whose changes the caller applied already (to <paramref name="after"/>).</summary>
    public void Commit(Step step, SessionModel after)
    {
        if (step.Number != NextStep)
            throw new SessionException(SessionError.LogInconsistent, $"The log holds step {step.Number} where step {NextStep} belongs.");
        Model = after;
        NextStep = step.Number + 1;
        _done.Push(step);
        if (UndoDepth > 0 && _done.Count > UndoDepth) _done.DropOldest();
        _undone.Clear();
    }

    public void Undo(int steps)
    {
        CheckUndo(steps);
        for (int i = 0; i < steps; i++)
        {
            var step = _done.Pop();
            Model = ChangeList.Undo(Model, step.Changes);
            _undone.Add(step);
        }
    }

    public void Redo(int steps)
    {
        CheckRedo(steps);
        for (int i = 0; i < steps; i++)
        {
            var step = _undone[^1];
            _undone.RemoveAt(_undone.Count - 1);
            Model = ChangeList.Do(Model, step.Changes);
            _done.Push(step);
        }
    }

    public void CheckUndo(int steps)
    {
        if (steps < 1) throw new SessionException(SessionError.InvalidArgument, $"Undo needs 1 step or more, not {steps}.");
        if (steps > _done.Count)
            throw new SessionException(SessionError.NothingToUndo, $"Only {_done.Count} step(s) can be undone; {steps} were asked for.");
    }

    public void CheckRedo(int steps)
    {
        if (steps < 1) throw new SessionException(SessionError.InvalidArgument, $"Redo needs 1 step or more, not {steps}.");
        if (steps > _undone.Count)
            throw new SessionException(SessionError.NothingToRedo, $"Only {_undone.Count} undone step(s) can be redone; {steps} were asked for.");
    }

    /// <summary>A picture of the state that later changes do not touch (the model is immutable, the stacks are copied).</summary>
    public SessionSnapshot Capture() => new(Model, NextStep, _done.ToArray(), _undone.ToArray());

    public static SessionState Restore(SessionSnapshot snapshot, int undoDepth)
    {
        var state = new SessionState(undoDepth) { Model = snapshot.Model, NextStep = snapshot.NextStep };
        // A smaller undo depth than the snapshot was taken with keeps the newest steps.
        int skip = undoDepth > 0 ? Math.Max(0, snapshot.Done.Length - undoDepth) : 0;
        for (int i = skip; i < snapshot.Done.Length; i++) state._done.Push(snapshot.Done[i]);
        state._undone.AddRange(snapshot.Undone);
        return state;
    }

    /// <summary>The number of the newest step that can be undone.</summary>
    public long NewestStep => _done.Newest.Number;

    /// <summary>Labels of the newest <paramref name="most"/> steps that can be undone, newest first.</summary>
    public IReadOnlyList<string> UndoLabels(int most)
    {
        var labels = new List<string>(Math.Min(most, _done.Count));
        for (int i = _done.Count - 1; i >= 0 && labels.Count < most; i--) labels.Add(_done[i].Label);
        return labels;
    }

    /// <summary>Labels of the next <paramref name="most"/> steps that can be redone, next first.</summary>
    public IReadOnlyList<string> RedoLabels(int most)
    {
        var labels = new List<string>(Math.Min(most, _undone.Count));
        for (int i = _undone.Count - 1; i >= 0 && labels.Count < most; i--) labels.Add(_undone[i].Label);
        return labels;
    }
}
