using System.IO.Hashing;
using LumieraVault.Rendering;
using Xunit;

namespace LumieraVault.Tests.Rendering;

/// <summary>
/// Frame keys name rendered frames on disk, so they must never change: the values below were computed once and are
/// pinned here. A change to how keys are hashed fails this spec (and would orphan every render cache).
/// </summary>
public sealed class FrameKeySpec
{
    [Theory]
    [InlineData("title", 0, "1ce909a16728b5de4bab7ad0c3b40222")]
    [InlineData("title", 7, "e079b734ce075e4d5ede1bb93a5d06bd")]
    [InlineData("ü€", 1, "87891f79856e6412e65b60cd30f9be79")]
    public void KeysOfANodeAndATimeKeepTheirPinnedValues(string node, long time, string expected)
    {
        Assert.Equal(expected, FrameKey.Of(node, time).ToString());
        Assert.Equal(expected, FrameKey.For(node).Time(time).Build().ToString());
    }

    [Fact]
    public void KeysWithParametersOfEveryKindKeepTheirPinnedValues()
    {
        Assert.Equal("0f2c28a3cbf44f14a11097a590c42d11", FrameKey.For("blur").Add("radius").Add(2.5).Add(42L).Time(-3).Build().ToString());
        Assert.Equal("e94def0c08399cd6fb68e28dc3c9b8ef",
            FrameKey.For("mix").Add(FrameKey.Of("title", 7)).Add(new byte[] { 1, 2, 3 }).Time(long.MaxValue).Build().ToString());
        Assert.Equal("624d00ca1a5816e84487fda79cc1828d", FrameKey.For("").Build().ToString());
    }

    [Fact]
    public void TheHashUnderTheKeysIsXxh3With128BitsAsPublished()
    {
        // The reference test vector of XXH3-128 (seed 0) for empty input, as the xxHash project publishes it.
        Span<byte> digest = stackalloc byte[16];
        XxHash128.Hash(ReadOnlySpan<byte>.Empty, digest);
        Assert.Equal("99aa06d3014798d86001c324468d497f", Convert.ToHexStringLower(digest));
    }

    [Fact]
    public void ARenderersOneShotKeyEqualsTheBuildersKey()
    {
        var prefix = FrameKeyBuilder.NodePrefix("title:Hello");
        foreach (long time in new[] { 0L, 1, -1, 1234567, long.MinValue, long.MaxValue })
            Assert.Equal(FrameKey.Of("title:Hello", time), FrameKeyBuilder.KeyAt(prefix, time));
        var longName = new string('n', 1000);
        Assert.Equal(FrameKey.Of(longName, 5), FrameKeyBuilder.KeyAt(FrameKeyBuilder.NodePrefix(longName), 5));
    }

    [Fact]
    public void FieldsThatRunTogetherGiveDifferentKeys()
    {
        Assert.NotEqual(FrameKey.For("ab").Add("c").Build(), FrameKey.For("a").Add("bc").Build());
        Assert.NotEqual(FrameKey.For("n").Add(1L).Build(), FrameKey.For("n").Time(1).Build());
        Assert.Equal(FrameKey.For("n").Add(0.0).Build(), FrameKey.For("n").Add(-0.0).Build());
    }

    [Fact]
    public void AKeyRoundTripsThroughItsTextAndItsBytes()
    {
        var key = FrameKey.Of("title", 7);
        Assert.Equal(key, FrameKey.Parse(key.ToString()));
        Span<byte> bytes = stackalloc byte[16];
        key.WriteTo(bytes);
        Assert.Equal(key, FrameKey.ReadFrom(bytes));
        Assert.Throws<FormatException>(() => FrameKey.Parse("abc"));
    }
}
