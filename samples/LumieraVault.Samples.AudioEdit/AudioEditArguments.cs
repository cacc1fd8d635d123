using System.Globalization;

namespace LumieraVault.Samples.AudioEdit;

/// <summary>The command line. Parsing never throws: a bad command line gives <see cref="Error"/>.</summary>
internal sealed record AudioEditArguments
{
    public const string Usage = """
        Usage: LumieraVault.Samples.AudioEdit [options]

          With no options, writes a stereo tone sweep as a WAV file in a temp folder, imports it into a
          sample store there, cuts, pastes and fades every channel, undoes and redoes, exports the result
          as a WAV, reads the export back to check it against the store, and draws the waveform from the
          store's summaries before and after.

          --file PATH     edit this WAV file instead (PCM 8/16/24/32 bit or float 32/64, any channels)
          --out PATH      write the edited WAV here (default: a file in the temp folder, removed after)
          --seconds N     length of the tone sweep (default 12)
          --short         a 3-second sweep (for CI)
          --help          show this text

        Exit codes: 0 the export matched the store, 1 a failure (bad WAV file, I/O error, mismatch),
                    2 bad arguments, 130 interrupted.
        """;

    public string? File { get; init; }
    public string? Out { get; init; }
    public double Seconds { get; init; } = 12;
    public bool Short { get; init; }
    public bool Help { get; init; }
    public string? Error { get; init; }

    public static AudioEditArguments Parse(IReadOnlyList<string> args)
    {
        var result = new AudioEditArguments();
        bool secondsGiven = false;
        for (int i = 0; i < args.Count; i++)
        {
            string? next = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[i + 1] : null;
            switch (args[i])
            {
                case "--help" or "-h":
                    result = result with { Help = true };
                    continue;
                case "--short":
                    result = result with { Short = true };
                    continue;
                case "--file" when next is { Length: > 0 }:
                    result = result with { File = next };
                    break;
                case "--out" when next is { Length: > 0 }:
                    result = result with { Out = next };
                    break;
                case "--seconds" when double.TryParse(next, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds is >= 1 and <= 3600:
                    result = result with { Seconds = seconds };
                    secondsGiven = true;
                    break;
                case "--file" or "--out":
                    return new() { Error = $"{args[i]} needs a path." };
                case "--seconds":
                    return new() { Error = "--seconds needs a number of seconds from 1 to 3600." };
                default:
                    return new() { Error = $"Unknown argument '{args[i]}'." };
            }
            i++;
        }
        if (result.Short && !secondsGiven) result = result with { Seconds = 3 };
        if (result.File is not null && secondsGiven) return new() { Error = "--seconds is the length of the tone sweep; a --file has its own." };
        return result;
    }
}
