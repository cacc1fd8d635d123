using System.Globalization;

namespace LumieraVault.Samples.Playback;

/// <summary>What the command line asked for. Parsing never throws: a bad command line gives <see cref="Error"/>.</summary>
internal sealed record PlaybackArguments
{
    public const string Usage = """
        Usage: LumieraVault.Samples.Playback [options]

          With no options, makes a synthetic clip in a temp folder (640x360 RGBA frames, each stamped
          with its number and a checksum of its pixels) and plays it through the vault at its frame rate:
          forward, backward, at twice the speed and scrubbing, while the prefetcher looks ahead of the
          play head. A live view shows frames shown, late and dropped, the share of frames ready when
          asked, the look-ahead and the mapped bytes (one refreshing line on a terminal, a log line a
          second otherwise). At the end every frame is checked and the statistics are printed.

          --file PATH        play this file instead (frames are only checked to be readable)
          --frame-size N     bytes per frame of --file (required with --file)
          --header N         bytes before the first frame of --file (default 0)
          --fps N            frames per second (default 25)
          --seconds N        how long to play (default 8)
          --pattern LIST     how to play, parts separated by commas, each an equal share of the time:
                             forward, backward, 2x, 4x, -2x, scrub (default forward,backward,2x,scrub)
          --prefetch on|off  look ahead of the play head, or only measure (default on)
          --titles on|off    composite a rendered title band over the synthetic clip (default on):
                             rendered by the render scheduler into the render cache, queued ahead
                             by the prefetcher; a second run finds the titles in the cache
          --title-cost N     rounds of work per pixel of a title's backdrop (default 2): 20 or more
                             makes titles miss their deadlines, and be dropped
          --render-cache DIR the render cache's folder (default: lumiera-playback-render-cache in the
                             temp folder, kept between runs; --short uses a fresh one, removed at the end)
          --short            play for about four seconds (for CI)
          --help             show this text

        Exit codes: 0 every frame checked out, 1 a frame was wrong or could not be read,
                    2 bad arguments, 130 interrupted.
        """;

    public string? File { get; init; }
    public int? FrameSize { get; init; }
    public long HeaderBytes { get; init; }
    public int Fps { get; init; } = 25;
    public double Seconds { get; init; } = 8;
    public bool Short { get; init; }
    public IReadOnlyList<PlaySegment> Pattern { get; init; } = DefaultPattern;
    public bool Prefetch { get; init; } = true;
    public bool Titles { get; init; } = true;
    public string? RenderCache { get; init; }
    public int TitleCost { get; init; } = 2;

    private static readonly PlaySegment[] DefaultPattern =
        [PlaySegment.Known["forward"], PlaySegment.Known["backward"], PlaySegment.Known["2x"], PlaySegment.Known["scrub"]];
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
                case "--pattern":
                    var parts = (Value() ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (parts.Length == 0) return Fail("--pattern needs a list such as forward,backward,2x,scrub.");
                    var segments = new List<PlaySegment>();
                    foreach (var part in parts)
                    {
                        if (!PlaySegment.Known.TryGetValue(part, out var segment))
                            return Fail($"--pattern: unknown part '{part}'; the parts are {string.Join(", ", PlaySegment.Known.Keys)}.");
                        segments.Add(segment);
                    }
                    result = result with { Pattern = segments };
                    break;
                case "--prefetch":
                    string? onOff = Value();
                    if (onOff is not ("on" or "off")) return Fail("--prefetch needs on or off.");
                    result = result with { Prefetch = onOff == "on" };
                    break;
                case "--titles":
                    string? titles = Value();
                    if (titles is not ("on" or "off")) return Fail("--titles needs on or off.");
                    result = result with { Titles = titles == "on" };
                    break;
                case "--title-cost":
                    if (!TryInt(Value(), 1, 100_000, out int cost)) return Fail("--title-cost needs a whole number from 1 to 100000.");
                    result = result with { TitleCost = cost };
                    break;
                case "--render-cache":
                    if (Value() is not { Length: > 0 } folder) return Fail("--render-cache needs a folder.");
                    result = result with { RenderCache = folder };
                    break;
                default:
                    return Fail($"Unknown argument '{arg}'.");
            }
        }
        if (result.Short && !secondsGiven) result = result with { Seconds = 4 };
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
