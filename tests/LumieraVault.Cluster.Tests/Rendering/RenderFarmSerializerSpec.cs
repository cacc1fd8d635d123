using System.Runtime.Serialization;
using Akka.Configuration;
using LumieraVault.Cluster.Hosting;
using LumieraVault.Cluster.Rendering;
using LumieraVault.Frames;
using Xunit;

namespace LumieraVault.Cluster.Tests.Rendering;

public sealed class RenderFarmSerializerSpec : Akka.TestKit.Xunit2.TestKit
{
    public RenderFarmSerializerSpec() : base(ClusterConfig.Complete(ConfigurationFactory.Empty)) { }

    public static TheoryData<string> Messages => new() { "hello", "render", "result", "refused" };

    private static object Sample(string name) => name switch
    {
        "hello" => new Hello(["title:Hello:1920x1080", "blur:ünïcode", ""], 4, Reply: true),
        "render" => new RenderRequest(long.MaxValue - 3, 2, "title:Hello", -42, new DateTimeOffset(2026, 12, 2, 18, 0, 0, TimeSpan.Zero).UtcTicks, true, FramePriority.Background),
        "result" => new RenderResult(7, 1, Enumerable.Range(0, 3000).Select(i => (byte)(i * 13)).ToArray()),
        "refused" => new RenderRefused(9, 3, VaultError.RenderFailed, "the renderer threw: división por cero"),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private (byte[] Bytes, string Manifest, RenderFarmSerializer Serializer) Write(object message)
    {
        var serializer = Assert.IsType<RenderFarmSerializer>(Sys.Serialization.FindSerializerFor(message));
        return (serializer.ToBinary(message), serializer.Manifest(message), serializer);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_message_type_is_bound_to_the_farm_serializer_and_comes_back_the_same(string name)
    {
        var message = Sample(name);
        var (bytes, manifest, serializer) = Write(message);
        Assert.Equal(RenderFarmSerializer.SerializerId, serializer.Identifier);
        Assert.Equal(RenderFarmSerializer.Version, bytes[0]);
        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
        switch (message)
        {
            case Hello h:
                var hb = Assert.IsType<Hello>(back);
                Assert.Equal(h.Renderers, hb.Renderers);
                Assert.Equal((h.Workers, h.Reply), (hb.Workers, hb.Reply));
                break;
            case RenderResult r:
                var rb = Assert.IsType<RenderResult>(back);
                Assert.Equal((r.JobId, r.Attempt), (rb.JobId, rb.Attempt));
                Assert.Equal(r.Bytes, rb.Bytes);
                break;
            default:
                Assert.Equal(message, back); // records of plain values
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void A_message_cut_short_or_with_bytes_left_over_is_refused(string name)
    {
        var (bytes, manifest, serializer) = Write(Sample(name));
        for (int length = 0; length < bytes.Length; length += Math.Max(1, length / 4))
            Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..length], manifest));
        Assert.Throws<SerializationException>(() => serializer.FromBinary([.. bytes, 0], manifest));
    }

    [Fact]
    public void An_unknown_manifest_another_version_or_a_value_out_of_range_is_refused_with_what_is_wrong()
    {
        var (bytes, manifest, serializer) = Write(Sample("render"));
        Assert.Contains("manifest", Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "render-v9")).Message);

        var version = (byte[])bytes.Clone();
        version[0] = 2;
        Assert.Contains("version 2", Assert.Throws<SerializationException>(() => serializer.FromBinary(version, manifest)).Message);

        var priority = (byte[])bytes.Clone();
        priority[^1] = 200;
        Assert.Contains("priority", Assert.Throws<SerializationException>(() => serializer.FromBinary(priority, manifest)).Message);

        var flag = (byte[])bytes.Clone();
        flag[^2] = 7;
        Assert.Contains("flag", Assert.Throws<SerializationException>(() => serializer.FromBinary(flag, manifest)).Message);

        var (refused, refusedManifest, _) = Write(Sample("refused"));
        refused[1 + 8 + 4] = 0xFF; // the error code's low byte
        Assert.Contains("error code", Assert.Throws<SerializationException>(() => serializer.FromBinary(refused, refusedManifest)).Message);

        var (hello, helloManifest, _) = Write(new Hello(["abc"], 1, false));
        hello[^1] = 0xFF; // not UTF-8
        Assert.Contains("UTF-8", Assert.Throws<SerializationException>(() => serializer.FromBinary(hello, helloManifest)).Message);

        Assert.Throws<SerializationException>(() => serializer.ToBinary("not a farm message"));
    }
}
