namespace LumieraVault.Audio;

/// <summary>How the samples of a data block are stored: both make a block of 2 KiB.</summary>
public enum SampleFormat : byte
{
    /// <summary>512 samples of 32-bit IEEE float.</summary>
    Float32,
    /// <summary>1024 samples of 16-bit signed PCM.</summary>
    Int16,
}
