namespace LumieraVault.Audio.Wav;

/// <summary>How the samples of a WAV file are coded.</summary>
public enum WavEncoding : byte
{
    /// <summary>Integer PCM: unsigned for 8 bits, signed little-endian two's complement for 16, 24 and 32 bits.</summary>
    Pcm,
    /// <summary>IEEE 754 floating point, 32 or 64 bits, little-endian; full scale is -1..1.</summary>
    Float,
}
