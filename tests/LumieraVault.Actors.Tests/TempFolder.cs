using Xunit.Sdk;

namespace LumieraVault.Tests;

/// <summary>A folder under the system's temp folder, removed with everything in it on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    /// <param name="root">Where to make the folder; the system's temp folder unless given.</param>
    public TempFolder(string? root = null)
    {
        Path = System.IO.Path.Combine(root ?? System.IO.Path.GetTempPath(), "lumiera-vault-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes a file whose byte at offset i is (byte)(i * 7 + seed).</summary>
    public string Make(string name, long size, int seed = 0)
    {
        var path = File(name);
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
        var buffer = new byte[1 << 16];
        for (long pos = 0; pos < size; pos += buffer.Length)
        {
            int n = (int)Math.Min(buffer.Length, size - pos);
            for (int i = 0; i < n; i++) buffer[i] = Pattern(pos + i, seed);
            fs.Write(buffer, 0, n);
        }
        return path;
    }

    public static byte Pattern(long offset, int seed = 0) => (byte)(offset * 7 + seed);

    /// <summary>Asserts that <paramref name="bytes"/> hold the pattern of <see cref="Make"/> from <paramref name="offset"/>.</summary>
    public static void AssertPattern(ReadOnlySpan<byte> bytes, long offset, int seed = 0)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != Pattern(offset + i, seed))
                throw new XunitException($"Byte at file offset {offset + i} is {bytes[i]}, expected {Pattern(offset + i, seed)}.");
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
