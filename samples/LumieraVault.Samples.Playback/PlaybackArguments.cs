using System.Globalization;

namespace LumieraVault.Samples.Playback;

/// <summary>What the command line asked for. Parsing never throws: a bad command line gives <see cref="Error"/>.</summary>
internal sealed record PlaybackArguments
{
    public const string Usage = """
        Usage: LumieraVault.Samples.Playback [options]

          With no options, makes a synthetic clip in a temp folder (640x360 RGBA frames, each stamped
          with its number and a checksum of its pixels), plays it through the vault at its frame rate,
          checks every frame and prints the vault's statistics.

          --file PATH        play this file instead (frames are only checked to be readable)
          --frame-size N     bytes per frame of --file (required with --file)
          --header N         bytes before the first frame of --file (default 0)
          --fps N            frames per second (default 25)
          --title on|off     composite a rendered title over the clip (default on; off with --file)
          --title-cost N     rounds of work per pixel of a title's backdrop (default 2): raise it to see titles dropped
          --render-cache PATH  the render cache's folder (default: lumiera-playback-render-cache in the temp folder,
                             kept between runs; --short uses a fresh one, removed at the end)
          --seconds N        how long to play (default 8)
          --short            play for about one second (for CI)
          --help             show this text

        Exit codes: 0 every frame checked out, 1 a frame was wrong or could not be read,
                    2 bad arguments, 130 interrupted.
        """;

    public string? File { get; init; }
    public bool Title { get; init; } = true;
    public int TitleCost { get; init; } = 2;
    public string? RenderCache { get; init; }
    public int? FrameSize { get; init; }
    public long HeaderBytes { get; init; }
    public int Fps { get; init; } = 25;
    public double Seconds { get; init; } = 8;
    public bool Short { get; init; }
    public bool Help { get; init; }
    public string? Error { get; init; }

    public static PlaybackArguments Parse(IReadOnlyList<string> args)
    {
        var result = new PlaybackArguments();
        bool secondsGiven = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string? Value()
            {
                if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) return args[++i];
                return null;
            }
            switch (arg)
            {
                case "--help" or "-h":
                    result = result with { Help = true };
                    break;
                case "--short":
                    result = result with { Short = true };
                    break;
                case "--title":
                    string? title = Value();
                    if (title is not ("on" or "off")) return Fail("--title needs on or off.");
                    result = result with { Title = title == "on" };
                    break;
                case "--title-cost":
                    if (!TryInt(Value(), 1, 100_000, out int cost)) return Fail("--title-cost needs a whole number from 1 to 100000.");
                    result = result with { TitleCost = cost };
                    break;
                case "--render-cache":
                    if (Value() is not { Length: > 0 } cache) return Fail("--render-cache needs a folder.");
                    result = result with { RenderCache = cache };
                    break;
                case "--file":
                    if (Value() is not { Length: > 0 } path) return Fail("--file needs a path.");
                    result = result with { File = path };
                    break;
                case "--frame-size":
                    if (!TryInt(Value(), 1, int.MaxValue, out int size)) return Fail("--frame-size needs a whole number of bytes, at least 1.");
                    result = result with { FrameSize = size };
                    break;
                case "--header":
                    if (!TryLong(Value(), 0, long.MaxValue, out long header)) return Fail("--header needs a whole number of bytes, 0 or more.");
                    result = result with { HeaderBytes = header };
                    break;
                case "--fps":
                    if (!TryInt(Value(), 1, 1000, out int fps)) return Fail("--fps needs a whole number from 1 to 1000.");
                    result = result with { Fps = fps };
                    break;
                case "--seconds":
                    if (!double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds > 0 && seconds <= 3600))
                        return Fail("--seconds needs a number of seconds, more than 0 and at most 3600.");
                    result = result with { Seconds = seconds };
                    secondsGiven = true;
                    break;
                default:
                    return Fail($"Unknown argument '{arg}'.");
            }
        }
        if (result.Short && !secondsGiven) result = result with { Seconds = 1 };
        if (result.File is null && (result.FrameSize is not null || result.HeaderBytes != 0))
            return Fail("--frame-size and --header describe a --file; give the file too.");
        if (result.File is not null && result.FrameSize is null)
            return Fail("--file needs --frame-size: the vault has to know where the frames lie.");
        return result;
    }

    private static PlaybackArguments Fail(string error) => new() { Error = error };

    private static bool TryInt(string? s, int min, int max, out int value)
        => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    private static bool TryLong(string? s, long min, long max, out long value)
        => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
}
