namespace LumieraVault.Audio;

/// <summary>How the samples of a data block are stored: both make a block of 2 KiB.</summary>
public enum SampleFormat : byte
{
    /// <summary>512 samples of 32-bit IEEE float.</summary>
    Float32,
    /// <summary>1024 samples of 16-bit signed PCM.</summary>
    Int16,
}

/// <summary>The sizes that follow from a <see cref="SampleFormat"/>.</summary>
public static class SampleFormatExtensions
{
    /// <summary>Samples in one 2 KiB block: 512 for <see cref="SampleFormat.Float32"/>, 1024 for <see cref="SampleFormat.Int16"/>.</summary>
    public static int SamplesPerBlock(this SampleFormat format) => format == SampleFormat.Int16 ? 1024 : 512;

    /// <summary>log2 of <see cref="SamplesPerBlock"/>: the bits of the sample-within-block part of a sample address (9 or 10).</summary>
    public static int BlockShift(this SampleFormat format) => format == SampleFormat.Int16 ? 10 : 9;

    /// <summary>Bytes per sample: 4 or 2.</summary>
    public static int BytesPerSample(this SampleFormat format) => format == SampleFormat.Int16 ? 2 : 4;

    internal static void Check(this SampleFormat format)
    {
        if (format is not (SampleFormat.Float32 or SampleFormat.Int16))
            throw new AudioException(AudioError.InvalidArgument, $"Unknown sample format {(int)format}.");
    }
}
