using Akka.Actor;
using Akka.Configuration;

namespace LumieraVault.Cluster.Tests.Files;

/// <summary>Media roots in temp folders and the configuration of nodes that see them: each root plays a node's view of the shared storage.</summary>
internal static class MediaNodes
{
    /// <summary>A node configuration whose media root is <paramref name="root"/>, with short attempts.</summary>
    public static Config Config(string root, string extra = "", params string[] roles)
        => ClusterNodes.NodeConfig($"""
            lumiera.cluster.files.media-root = {Hosting.ClusterConfig.Quote(root)}
            lumiera.cluster.files.attempt-timeout = 300ms
            lumiera.cluster.files.shards = 8
            lumiera.cluster.files.max-attempts = 100
            {extra}
            """, roles);

    /// <summary>Writes a file of <paramref name="length"/> bytes whose byte i is a function of i and <paramref name="seed"/>.</summary>
    public static byte[] Write(string root, string name, int length, int seed)
    {
        var bytes = Pattern(length, seed);
        string path = Path.Combine(root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return bytes;
    }

    public static byte[] Pattern(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)(i * 31 + seed)).ToArray();

    public static string NewRoot(string name) => Directory.CreateTempSubdirectory("lumiera-media-" + name + "-").FullName;

    public static void Delete(string root)
    {
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }

    /// <summary>Waits until <paramref name="system"/> sees <paramref name="count"/> members up.</summary>
    public static async Task MembersUpAsync(ActorSystem system, int count, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (!ClusterNodes.MembersUp(system, count))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"{count} members were not up within {within}.");
            await Task.Delay(50);
        }
    }
}
