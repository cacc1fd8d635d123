using LumieraVault.Audio.Wav;

namespace LumieraVault.Samples.AudioEdit;

/// <summary>A stereo sine sweep as a 24-bit WAV file: 60 Hz to 6 kHz, exponentially, one channel a quarter period behind the other, with a swelling level so the waveform has a shape.</summary>
internal static class ToneSweep
{
    public const int SampleRate = 48_000;

    public static void Write(string path, double seconds, CancellationToken cancellationToken)
    {
        long frames = (long)(seconds * SampleRate);
        double low = 60, high = 6000, k = Math.Log(high / low) / seconds;
        using var writer = WavWriter.Create(path, WavFormat.Pcm(2, SampleRate, 24));
        var left = new float[writer.MaxBlockFrames];
        var right = new float[writer.MaxBlockFrames];
        for (long at = 0; at < frames;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = (int)Math.Min(frames - at, left.Length);
            for (int i = 0; i < n; i++)
            {
                double t = (double)(at + i) / SampleRate;
                // The phase of an exponential sweep is the integral of its frequency.
                double phase = 2 * Math.PI * low * (Math.Exp(k * t) - 1) / k;
                double level = 0.2 + 0.7 * Math.Pow(Math.Sin(Math.PI * t / seconds), 2);
                left[i] = (float)(level * Math.Sin(phase));
                right[i] = (float)(level * Math.Cos(phase));
            }
            writer.BeginBlock(n);
            writer.PutChannel(0, left.AsSpan(0, n));
            writer.PutChannel(1, right.AsSpan(0, n));
            writer.EndBlock();
            at += n;
        }
        writer.Complete();
    }
}
