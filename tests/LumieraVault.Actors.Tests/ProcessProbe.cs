using System.Globalization;
using System.Runtime.InteropServices;
using Xunit;

namespace LumieraVault.Tests;

/// <summary>
/// What the kernel says this process holds: open descriptors (<c>/proc/self/fd</c>) and file mappings
/// (<c>/proc/self/maps</c>). Counts of the whole process only mean something while no other test runs,
/// so specs that use them join <see cref="ProcessWideCollection"/>; what names a spec's own temp folder
/// is safe to look at any time.
/// </summary>
public static partial class ProcessProbe
{
    /// <summary>The number of descriptors the process has open now.</summary>
    public static int OpenDescriptors() => Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();

    /// <summary>The files under <paramref name="folder"/> that the process has descriptors open on, one entry per descriptor.</summary>
    public static IReadOnlyList<string> DescriptorsUnder(string folder)
    {
        var prefix = WithSeparator(folder);
        var found = new List<string>();
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
                continue; // closed between listing and reading: the listing's own descriptor, or a racing one
            }
            if (target is not null && target.StartsWith(prefix, StringComparison.Ordinal)) found.Add(StripDeleted(target));
        }
        return found;
    }

    /// <summary>Bytes of address space mapped from files under <paramref name="folder"/> (deleted ones included).</summary>
    public static long MappedBytesUnder(string folder) => MappingsUnder(folder).Sum(m => m.Length);

    /// <summary>The mappings of files under <paramref name="folder"/>: file path and mapped length, one per line of /proc/self/maps.</summary>
    public static IReadOnlyList<(string Path, long Length)> MappingsUnder(string folder)
    {
        var prefix = WithSeparator(folder);
        return FileMappings().Where(m => m.Path.StartsWith(prefix, StringComparison.Ordinal)).ToList();
    }

    /// <summary>Bytes of address space mapped from the file at <paramref name="path"/> (deleted or not).</summary>
    public static long MappedBytesOf(string path) => FileMappings().Where(m => m.Path == path).Sum(m => m.Length);

    /// <summary>Every line of /proc/self/maps that maps a file: its path (without " (deleted)") and mapped length.</summary>
    private static IEnumerable<(string Path, long Length)> FileMappings()
    {
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            // start-end perms offset dev inode   path: no field before the path holds a slash, the path may hold spaces.
            int slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0) continue;
            var range = line[..line.IndexOf(' ', StringComparison.Ordinal)];
            int dash = range.IndexOf('-', StringComparison.Ordinal);
            long start = long.Parse(range[..dash], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            long end = long.Parse(range[(dash + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            yield return (StripDeleted(line[slash..]), end - start);
        }
    }

    /// <summary>
    /// A temp folder in memory (tmpfs) where there is one, for specs that make thousands of files: creating a
    /// file on a disk-backed file system can cost a millisecond, which would make them slow, not more real.
    /// </summary>
    public static string? MemoryTempRoot { get; } = Directory.Exists("/dev/shm") && IsWritable("/dev/shm") ? "/dev/shm" : null;

    private static bool IsWritable(string folder)
    {
        try
        {
            var probe = System.IO.Path.Combine(folder, $"lumiera-vault-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>True when the process may read and write any file regardless of its permissions.</summary>
    public static bool IsRoot => Environment.IsPrivilegedProcess;

    /// <summary>Makes <paramref name="link"/> another name of the file at <paramref name="existing"/>.</summary>
    public static void HardLink(string existing, string link)
    {
        if (Link(existing, link) != 0)
            throw new IOException($"link('{existing}', '{link}') failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string link);

    private static string WithSeparator(string folder) => folder.EndsWith('/') ? folder : folder + "/";

    private static string StripDeleted(string path) => path.EndsWith(" (deleted)", StringComparison.Ordinal) ? path[..^" (deleted)".Length] : path;
}

/// <summary>Specs that count the whole process's descriptors run alone, after every other spec.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideCollection
{
    public const string Name = "process-wide descriptors";
}
