using Akka.Actor;
using Akka.Configuration;
using LumieraVault.Files;
using LumieraVault.Frames;
using LumieraVault.Native;
using Microsoft.Win32.SafeHandles;

namespace LumieraVault.Benchmarks;

/// <summary>
/// What every comparison reads: a 64 MiB file of random bytes in a temp folder, opened through a vault of
/// its own actor system, opened once more as a plain handle (for <see cref="RandomAccess"/>), and mapped
/// whole by hand (the raw-mapping baseline). Dispose removes all of it.
/// </summary>
public sealed unsafe class VaultFixture : IDisposable
{
    public const long FileSize = 64L << 20;

    /// <summary>Room for every window of the file at once, so that after warming every frame is a fast-path hit.</summary>
    public const string AllMappedConfig = """
        lumiera.vault {
          map-cache {
            budget = 256 MiB
            window-size = 4 MiB
          }
        }
        """;

    private readonly string _folder;
    private bool _disposed;

    private VaultFixture(string folder, string path, ActorSystem system, Vault vault, VaultFile file, SafeFileHandle handle, nint raw)
    {
        _folder = folder;
        Path = path;
        System = system;
        Vault = vault;
        File = file;
        Handle = handle;
        RawMapping = raw;
    }

    public string Path { get; }

    public ActorSystem System { get; }

    public Vault Vault { get; }

    public VaultFile File { get; }

    /// <summary>A read handle of the file's own, apart from the vault's handle cache.</summary>
    public SafeFileHandle Handle { get; }

    /// <summary>The whole file, mapped read-only with one mmap.</summary>
    public nint RawMapping { get; }

    public static VaultFixture Start(string vaultConfig = AllMappedConfig)
    {
        var folder = global::System.IO.Path.Combine(global::System.IO.Path.GetTempPath(), "lumiera-vault-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var path = global::System.IO.Path.Combine(folder, "media.bin");
        WriteRandomFile(path, FileSize);
        var config = ConfigurationFactory.ParseString(vaultConfig + "\nakka.loglevel = WARNING\nakka.stdout-loglevel = WARNING");
        var system = ActorSystem.Create("bench", config);
        var vault = Vault.Get(system);
        var file = vault.OpenAsync(path).GetAwaiter().GetResult();
        var handle = global::System.IO.File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        nint raw = Libc.Mmap(0, (nuint)FileSize, Libc.ProtRead, Libc.MapShared, (int)handle.DangerousGetHandle(), 0);
        if (raw == Libc.MapFailed) throw new IOException("mmap of the benchmark file failed: " + Libc.Describe(Libc.LastError));
        return new VaultFixture(folder, path, system, vault, file, handle, raw);
    }

    /// <summary>
    /// Maps every window of the file through the vault (the message path), then reads the whole file once
    /// through the vault and once through the raw mapping, so that every page is resident and in both
    /// page tables before anything is timed.
    /// </summary>
    public void MapAllWindows()
    {
        long window = Vault.Settings.WindowSize;
        for (long offset = 0; offset < FileSize; offset += window)
        {
            using var frame = Vault.GetFrameAtAsync(File, offset, 1).AsTask().GetAwaiter().GetResult();
        }
        var stream = new FrameStream((int)Math.Min(window, 1 << 20), FileSize);
        for (long read = 0; read < FileSize; read += stream.FrameSize) ReadHit(stream);
        Consumer.Touch(new ReadOnlySpan<byte>((void*)RawMapping, (int)FileSize));
    }

    /// <summary>The vault's fast path: the next frame of <paramref name="stream"/> from its mapped window.</summary>
    public ulong ReadHit(FrameStream stream)
    {
        long offset = stream.Next();
        if (!Vault.TryGetFrameAt(File, offset, stream.FrameSize, out var frame)) throw Missed(offset);
        using (frame) return Consumer.Touch(frame.Span);
    }

    /// <summary>The same through <see cref="Vault.GetFrameAtAsync"/>, which completes at once on a hit.</summary>
    public ulong ReadHitAsync(FrameStream stream)
    {
        long offset = stream.Next();
        var pending = Vault.GetFrameAtAsync(File, offset, stream.FrameSize);
        if (!pending.IsCompletedSuccessfully) throw Missed(offset);
        using var frame = pending.Result;
        return Consumer.Touch(frame.Span);
    }

    private static InvalidOperationException Missed(long offset) =>
        new($"The frame at {offset} missed the fast path: the benchmark expects every window to stay mapped.");

    private static void WriteRandomFile(string path, long size)
    {
        var random = new Random(20240611);
        var chunk = new byte[1 << 20];
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0);
        for (long written = 0; written < size; written += chunk.Length)
        {
            random.NextBytes(chunk);
            stream.Write(chunk, 0, (int)Math.Min(chunk.Length, size - written));
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Libc.Munmap(RawMapping, (nuint)FileSize);
        Handle.Dispose();
        Vault.CloseAsync(File).GetAwaiter().GetResult();
        System.Terminate().GetAwaiter().GetResult();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
