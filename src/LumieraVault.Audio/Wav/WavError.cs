namespace LumieraVault.Audio.Wav;

/// <summary>What was wrong with a WAV file; carried by <see cref="WavFormatException"/>.</summary>
public enum WavError
{
    /// <summary>The file does not start with a RIFF header: it is not a WAV file at all (or a big-endian RIFX one).</summary>
    NotRiff,
    /// <summary>A RIFF file of another form (AVI, WebP, ...), not WAVE.</summary>
    NotWave,
    /// <summary>No "fmt " chunk before the end of the file.</summary>
    MissingFormatChunk,
    /// <summary>No "data" chunk before the end of the file.</summary>
    MissingDataChunk,
    /// <summary>A valid header for an encoding this codec does not handle (A-law, mu-law, ADPCM, 12-bit PCM, ...).</summary>
    UnsupportedFormat,
    /// <summary>A header whose fields contradict each other or run past the end of the file.</summary>
    MalformedHeader,
    /// <summary>The data chunk holds fewer bytes than its header says.</summary>
    DataTruncated,
    /// <summary>An RF64/BW64 file, or data that would not fit the 32-bit sizes of a RIFF header.</summary>
    TooLarge,
}
