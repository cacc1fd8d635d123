using System.Text;
using LumieraVault.Audio;

namespace LumieraVault.Samples.AudioEdit;

/// <summary>Draws a waveform in ASCII from per-column summaries: ':' spans a column's minimum to maximum, '#' its ±RMS, '-' the zero line.</summary>
internal static class TextWaveform
{
    /// <summary>Columns that fit the terminal (or 100 when the output is not one).</summary>
    public static int Columns()
    {
        int width = 100;
        try
        {
            if (!Console.IsOutputRedirected && Console.WindowWidth > 0) width = Console.WindowWidth - 8;
        }
        catch (IOException)
        {
            // No terminal after all; keep the default.
        }
        return Math.Clamp(width, 20, 240);
    }

    public static string Draw(string label, ReadOnlySpan<SampleSummary> columns, int rows)
    {
        var grid = new char[rows][];
        for (int r = 0; r < rows; r++) grid[r] = new char[columns.Length];
        for (int c = 0; c < columns.Length; c++)
        {
            var s = columns[c];
            int top = Row(s.Max, rows), bottom = Row(s.Min, rows);
            int rmsTop = Row((float)s.Rms, rows), rmsBottom = Row((float)-s.Rms, rows);
            for (int r = 0; r < rows; r++)
            {
                grid[r][c] = s.Count == 0 ? ' '
                    : r >= rmsTop && r <= rmsBottom && s.Rms > 0 ? '#'
                    : r >= top && r <= bottom && s.Max > s.Min ? ':'
                    : r == rows / 2 ? '-'
                    : ' ';
            }
        }
        var text = new StringBuilder();
        for (int r = 0; r < rows; r++) text.Append(r == rows / 2 ? label.PadLeft(4) : "    ").Append(" |").Append(grid[r]).Append('|').AppendLine();
        return text.ToString();
    }

    /// <summary>The row of a sample value: +1 at the top, -1 at the bottom.</summary>
    private static int Row(float value, int rows)
        => (int)MathF.Round((1 - Math.Clamp(value, -1f, 1f)) / 2 * (rows - 1));
}
