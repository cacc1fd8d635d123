using Xunit;

namespace LumieraVault.Audio.Tests;

public sealed class SampleFormatSpec
{
    [Fact]
    public void Float32_is_the_default_format() => Assert.Equal(SampleFormat.Float32, default(SampleFormat));
}
