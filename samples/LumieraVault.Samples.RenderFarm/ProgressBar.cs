namespace LumieraVault.Samples.RenderFarm;

/// <summary>A one-line progress bar on stderr, redrawn in place when stderr is a terminal and every tenth otherwise.</summary>
internal sealed class ProgressBar(int total)
{
    private const int Width = 40;
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private int _lastPrinted = -1;

    public void Show(int done)
    {
        int step = Math.Max(1, total / 10);
        if (!_terminal && done != total && done / step == _lastPrinted / step) return;
        _lastPrinted = done;
        int filled = (int)((long)done * Width / total);
        string bar = $"[{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total}";
        if (_terminal) Console.Error.Write("\r" + bar);
        else Console.Error.WriteLine(bar);
    }

    public void Note(string text)
    {
        if (_terminal) Console.Error.WriteLine();
        Console.Error.WriteLine("  " + text);
    }

    public void Done()
    {
        if (_terminal) Console.Error.WriteLine();
    }
}
