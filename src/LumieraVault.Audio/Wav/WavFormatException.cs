namespace LumieraVault.Audio.Wav;

/// <summary>A WAV file could not be read or written because of what it holds (not because of I/O): see <see cref="Error"/>.</summary>
public sealed class WavFormatException : Exception
{
    /// <summary>Makes the exception; <paramref name="path"/> is null when the WAV data came from a stream.</summary>
    public WavFormatException(WavError error, string? path, string detail)
        : base($"{(path is null ? "WAV stream" : $"'{path}'")}: {error}: {detail}")
    {
        Error = error;
        Path = path;
        Detail = detail;
    }

    /// <summary>What was wrong.</summary>
    public WavError Error { get; }

    /// <summary>The file, or null for a stream.</summary>
    public string? Path { get; }

    /// <summary>The explanation without the path and error name.</summary>
    public string Detail { get; }
}
