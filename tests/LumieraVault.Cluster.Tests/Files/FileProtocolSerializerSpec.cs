using System.Runtime.Serialization;
using LumieraVault.Cluster.Files;
using LumieraVault.Frames;
using Xunit;

namespace LumieraVault.Cluster.Tests.Files;

/// <summary>The file protocol's own serializer: every message type round-trips, and bytes that do not decode are refused.</summary>
public sealed class FileProtocolSerializerSpec : Akka.TestKit.Xunit2.TestKit
{
    public FileProtocolSerializerSpec() : base(ClusterNodes.NodeConfig(), ClusterNodes.SystemName) { }

    public static TheoryData<string> Messages => new() { "describe", "described", "read", "bytes", "failed" };

    private static object Message(string name) => name switch
    {
        "describe" => new DescribeFile(7, "clips/día 1.mov"),
        "described" => new FileDescribed(8, 1L << 40, 638_000_000_000_000_000),
        "read" => new ReadFrame(9, "clips/a.mov", 123_456, 42, 65_536, 4096, 250, true, FramePriority.Background),
        "bytes" => new FrameBytes(10, 4096, Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray()),
        "failed" => new RequestFailed(11, VaultError.FileChanged, "File changed: «clip»."),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_message_type_is_bound_to_the_protocol_serializer_and_round_trips(string name)
    {
        var message = Message(name);
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<FileProtocolSerializer>(serializer);
        Assert.Equal(1_634_101, serializer.Identifier);
        var bytes = serializer.ToBinary(message);
        var back = Akka.Serialization.Serialization.WithTransport(Sys as Akka.Actor.ExtendedActorSystem, () =>
            Sys.Serialization.Deserialize(bytes, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message)));
        if (message is FrameBytes sent)
        {
            var got = Assert.IsType<FrameBytes>(back);
            Assert.Equal((sent.RequestId, sent.Offset), (got.RequestId, got.Offset));
            Assert.True(sent.Bytes.Span.SequenceEqual(got.Bytes.Span));
        }
        else
        {
            Assert.Equal(message, back);
        }
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Truncated_or_padded_bytes_are_refused(string name)
    {
        var serializer = new FileProtocolSerializer((Akka.Actor.ExtendedActorSystem)Sys);
        var message = Message(name);
        var bytes = serializer.ToBinary(message);
        string manifest = serializer.Manifest(message);
        for (int cut = 0; cut < bytes.Length; cut += Math.Max(1, bytes.Length / 40))
            Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..cut], manifest));
        Assert.Throws<SerializationException>(() => serializer.FromBinary([.. bytes, 0], manifest));
    }

    [Fact]
    public void An_unknown_manifest_or_schema_version_is_refused()
    {
        var serializer = new FileProtocolSerializer((Akka.Actor.ExtendedActorSystem)Sys);
        var bytes = serializer.ToBinary(new DescribeFile(1, "a.bin"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "Z"));
        bytes[0] = 99;
        var error = Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "D"));
        Assert.Contains("version", error.Message);
    }

    [Fact]
    public void Fields_out_of_their_range_are_refused()
    {
        var serializer = new FileProtocolSerializer((Akka.Actor.ExtendedActorSystem)Sys);
        var failed = serializer.ToBinary(new RequestFailed(1, VaultError.IoError, "x"));
        failed[9] = 200;
        Assert.Throws<SerializationException>(() => serializer.FromBinary(failed, "F"));
        var read = serializer.ToBinary(new ReadFrame(1, "a", 1, 1, 0, 1, 1, false, FramePriority.JustInTime));
        read[^2] = 7;
        Assert.Throws<SerializationException>(() => serializer.FromBinary(read, "R"));
    }
}
