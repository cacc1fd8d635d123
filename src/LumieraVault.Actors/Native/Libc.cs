using System.Runtime.InteropServices;

namespace LumieraVault.Native;

/// <summary>
/// The few libc calls the vault needs that .NET does not expose: mapping windows of a file,
/// advising the kernel, reserving disk space and reading a file's identity.
/// Linux only (x64 and arm64 share these signatures and the layout of <c>struct statx</c>).
/// </summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    public const int ProtRead = 0x1;
    public const int ProtWrite = 0x2;
    public const int MapShared = 0x01;
    public const int MsSync = 4;
    public const int MadvNormal = 0;
    public const int MadvRandom = 1;
    public const int MadvSequential = 2;
    public const int MadvWillNeed = 3;
    public const int MadvDontNeed = 4;
    public const int MadvPopulateRead = 22;
    public const int PosixFadvWillNeed = 3;
    public const int PosixFadvDontNeed = 4;
    public const int AtEmptyPath = 0x1000;
    public const int StatxBasicStats = 0x7ff;
    public const int RlimitNoFile = 7;

    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int ENOSPC = 28;
    public const int EDQUOT = 122;
    public const int EFBIG = 27;
    public const int EINTR = 4;

    public static readonly nint MapFailed = -1;

    [LibraryImport(Lib, EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Lib, EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint addr, nuint length);

    [LibraryImport(Lib, EntryPoint = "madvise", SetLastError = true)]
    public static partial int Madvise(nint addr, nuint length, int advice);

    /// <summary>Which pages of a mapping are in memory (one byte per page, bit 0); the benchmarks use it to tell a frame not read in time.</summary>
    [LibraryImport(Lib, EntryPoint = "mincore", SetLastError = true)]
    public static partial int Mincore(nint addr, nuint length, byte* vector);

    /// <summary>cachestat(2) (Linux 6.5): how many pages of a file range are in the page cache, read from the file's own
    /// page-cache index (no mmap lock, unlike mincore). Syscall 451 on x86_64 and arm64.</summary>
    public const long SysCachestat = 451;

    [LibraryImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall4(long number, long a, long b, long c, long d);

    public const int SchedFifo = 1;

    /// <summary>Sets a thread's scheduling policy; <paramref name="param"/> points at an int priority (1..99 for SCHED_FIFO).</summary>
    [LibraryImport(Lib, EntryPoint = "sched_setscheduler", SetLastError = true)]
    public static partial int SchedSetscheduler(int pid, int policy, int* param);

    public const int PrioProcess = 0;

    /// <summary>The nice value of one thread (<paramref name="who"/> a thread id, <see cref="Gettid"/>); lower than 0 needs privileges.</summary>
    [LibraryImport(Lib, EntryPoint = "setpriority", SetLastError = true)]
    public static partial int Setpriority(int which, int who, int priority);

    public const int RusageThread = 1;

    /// <summary>struct rusage (144 bytes on 64-bit Linux); ru_minflt is the long at byte 64, ru_majflt at 72.</summary>
    [LibraryImport(Lib, EntryPoint = "getrusage", SetLastError = true)]
    public static partial int Getrusage(int who, byte* usage);

    [LibraryImport(Lib, EntryPoint = "gettid")]
    public static partial int Gettid();

    [LibraryImport(Lib, EntryPoint = "msync", SetLastError = true)]
    public static partial int Msync(nint addr, nuint length, int flags);

    /// <summary>Returns the error number itself (0 on success); it does not set errno.</summary>
    [LibraryImport(Lib, EntryPoint = "posix_fallocate")]
    public static partial int PosixFallocate(int fd, long offset, long length);

    /// <summary>Returns the error number itself (0 on success); it does not set errno.</summary>
    [LibraryImport(Lib, EntryPoint = "posix_fadvise")]
    public static partial int PosixFadvise(int fd, long offset, long length, int advice);

    [LibraryImport(Lib, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport(Lib, EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int Getrlimit(int resource, ulong* limits);

    [LibraryImport(Lib, EntryPoint = "getpagesize")]
    public static partial int Getpagesize();

    /// <summary>Per-thread file-system uid; used by tests that run as root to lose the permission override.</summary>
    [LibraryImport(Lib, EntryPoint = "setfsuid")]
    public static partial int Setfsuid(uint fsuid);

    public const int InCloexec = 0x80000;
    public const int InNonblock = 0x800;
    public const uint InModify = 0x2;
    public const uint InAttrib = 0x4;
    public const uint InMoveSelf = 0x800;
    public const uint InDeleteSelf = 0x400;
    public const uint InIgnored = 0x8000;
    public const short PollIn = 0x1;

    [LibraryImport(Lib, EntryPoint = "inotify_init1", SetLastError = true)]
    public static partial int InotifyInit1(int flags);

    [LibraryImport(Lib, EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int InotifyAddWatch(int fd, string path, uint mask);

    [LibraryImport(Lib, EntryPoint = "inotify_rm_watch", SetLastError = true)]
    public static partial int InotifyRmWatch(int fd, int wd);

    /// <summary><c>struct pollfd</c>: int fd; short events; short revents.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    public const int EfdCloexec = 0x80000;
    public const int ProtExec = 0x4;

    [LibraryImport(Lib, EntryPoint = "mprotect", SetLastError = true)]
    public static partial int Mprotect(nint addr, nuint length, int prot);

    [LibraryImport(Lib, EntryPoint = "sigaction", SetLastError = true)]
    public static partial int Sigaction(int signal, byte* action, byte* oldAction);

    [LibraryImport(Lib, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int Eventfd(uint initial, int flags);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    public static int LastError => Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}
