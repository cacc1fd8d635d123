using System.Runtime.InteropServices;

namespace LumieraVault.Native;

/// <summary>
/// Keeps a read or write of a mapped page past the end of a file that another program truncated from killing
/// the process. Linux raises SIGBUS for such a page, and .NET turns it into a fatal AccessViolationException.
/// The guard installs a small SIGBUS handler, in machine code because it runs in signal context where no
/// managed code may run: if the faulting address lies in a vault window (a table with one counter per 2 MiB
/// of address space says so), it maps a page of zeros over the faulting page, counts the fault, rings an
/// eventfd and returns, so the instruction is retried and reads zeros; any other SIGBUS goes on to the
/// handler that was there before (the runtime's). The eventfd wakes a thread that tells every vault, whose
/// file actors then find the file changed and retire its windows.
/// Process-wide (signal handlers are); x64 Linux only for now.
/// </summary>
internal static unsafe class SigbusGuard
{
    private const int Granule = 21; // log2 of the address range each table entry covers (2 MiB)
    private const long Entries = 1L << (47 - Granule); // user space of 4-level paging
    private const int SigBus = 7;
    private const int SaSigInfo = 4;
    private const int SigactionSize = 152; // glibc's struct sigaction on x86-64

    private static readonly object Gate = new();
    private static int* _table;
    private static long* _faults; // [0] the count; [1] the constant 1 that the handler writes to the eventfd
    private static int _eventFd = -1;
    private static string? _refusal;
    private static bool _tried;

    /// <summary>Raised on a background thread after the handler caught one or more faults in vault windows.</summary>
    public static event Action? Faulted;

    /// <summary>True once the handler is installed.</summary>
    public static bool IsInstalled => _table is not null;

    /// <summary>Faults caught in vault windows since the process started.</summary>
    public static long Faults => _faults is null ? 0 : Volatile.Read(ref _faults[0]);

    /// <summary>Installs the handler once per process; false (with the reason) where it cannot be.</summary>
    public static bool TryInstall(out string? why)
    {
        lock (Gate)
        {
            if (!_tried)
            {
                _tried = true;
                _refusal = Install();
            }
            why = _refusal;
            return _refusal is null;
        }
    }

    /// <summary>Marks [address, address + length) as a vault window: faults there are caught.</summary>
    public static void Cover(nint address, long length) => Count(address, length, +1);

    /// <summary>The window is unmapped: faults there are no longer the vault's.</summary>
    public static void Uncover(nint address, long length) => Count(address, length, -1);

    private static void Count(nint address, long length, int delta)
    {
        var table = _table;
        if (table is null || length <= 0) return;
        long first = address >> Granule;
        long last = (address + length - 1) >> Granule;
        for (long i = first; i <= last && i < Entries; i++) Interlocked.Add(ref table[i], delta);
    }

    private static string? Install()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return $"the SIGBUS guard is written for x64 Linux; this is {RuntimeInformation.ProcessArchitecture} {RuntimeInformation.OSDescription}";
        int page = SystemLimits.PageSize;
        const int MapPrivateAnonymous = 0x22, MapNoReserve = 0x4000;
        // The table is reserved, not committed: only the pages of entries that windows touch ever take memory.
        nint table = Libc.Mmap(0, (nuint)(Entries * sizeof(int)), Libc.ProtRead | Libc.ProtWrite, MapPrivateAnonymous | MapNoReserve, -1, 0);
        nint faults = Libc.Mmap(0, (nuint)page, Libc.ProtRead | Libc.ProtWrite, MapPrivateAnonymous, -1, 0);
        nint code = Libc.Mmap(0, (nuint)page, Libc.ProtRead | Libc.ProtWrite, MapPrivateAnonymous, -1, 0);
        int eventFd = Libc.Eventfd(0, Libc.EfdCloexec);
        if (table == Libc.MapFailed || faults == Libc.MapFailed || code == Libc.MapFailed || eventFd < 0)
            return "cannot reserve the guard's memory: " + Libc.Describe(Libc.LastError);
        ((long*)faults)[1] = 1;

        byte* old = stackalloc byte[SigactionSize];
        if (Libc.Sigaction(SigBus, null, old) != 0) return "cannot read the SIGBUS action: " + Libc.Describe(Libc.LastError);
        nint previous = *(nint*)old;
        int flags = *(int*)(old + 136);
        // Without a handler to pass foreign faults on to (SIG_DFL, SIG_IGN) the guard would have to re-raise; the runtime always has one.
        if (previous is 0 or 1 || (flags & SaSigInfo) == 0) return $"the SIGBUS action in place ({previous}, flags {flags:x}) cannot be chained";

        byte[] handler = HandlerCode(table, (long*)faults, eventFd, previous, page);
        Marshal.Copy(handler, 0, code, handler.Length);
        if (Libc.Mprotect(code, (nuint)page, Libc.ProtRead | Libc.ProtExec) != 0) return "cannot make the handler executable: " + Libc.Describe(Libc.LastError);

        _table = (int*)table;
        _faults = (long*)faults;
        _eventFd = eventFd;
        new Thread(Listen) { IsBackground = true, Name = "lumiera-vault-sigbus-guard" }.Start();

        byte* action = stackalloc byte[SigactionSize];
        new Span<byte>(old, SigactionSize).CopyTo(new Span<byte>(action, SigactionSize)); // same mask and flags as the runtime's
        *(nint*)action = code;
        if (Libc.Sigaction(SigBus, action, null) != 0)
        {
            _table = null;
            return "cannot install the SIGBUS handler: " + Libc.Describe(Libc.LastError);
        }
        return null;
    }

    /// <summary>
    /// The handler, for the System V x86-64 calling convention: handler(int sig /*rdi*/, siginfo_t* info /*rsi*/, void* context /*rdx*/).
    /// Registers need no saving: the kernel restores them all when the handler returns. A chained call gets rdi, rsi, rdx untouched.
    /// </summary>
    private static byte[] HandlerCode(nint table, long* faults, int eventFd, nint previous, int page)
    {
        var c = new List<byte>(160);
        void B(params byte[] b) => c.AddRange(b);
        void Q(long v) => c.AddRange(BitConverter.GetBytes(v));
        void D(int v) => c.AddRange(BitConverter.GetBytes(v));

        B(0x48, 0x8B, 0x46, 0x10);          // mov rax, [rsi + 16]      si_addr
        B(0x48, 0x89, 0xC1);                // mov rcx, rax
        B(0x48, 0xC1, 0xE9, Granule);       // shr rcx, 21              table index
        B(0x49, 0xB8); Q(Entries);          // mov r8, Entries
        B(0x4C, 0x39, 0xC1);                // cmp rcx, r8
        int aboveTable = c.Count; B(0x73, 0x00); // jae chain
        B(0x49, 0xB8); Q(table);            // mov r8, table
        B(0x41, 0x8B, 0x0C, 0x88);          // mov ecx, [r8 + rcx*4]
        B(0x85, 0xC9);                      // test ecx, ecx
        int notOurs = c.Count; B(0x74, 0x00);    // jz chain
        B(0x48, 0x25); D(-page);            // and rax, -page           the faulting page
        B(0x48, 0x89, 0xC7);                // mov rdi, rax
        B(0xBE); D(page);                   // mov esi, page
        B(0xBA); D(Libc.ProtRead | Libc.ProtWrite); // mov edx, PROT_READ|PROT_WRITE
        B(0x41, 0xBA); D(0x32);             // mov r10d, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED
        B(0x49, 0xC7, 0xC0, 0xFF, 0xFF, 0xFF, 0xFF); // mov r8, -1
        B(0x45, 0x31, 0xC9);                // xor r9d, r9d
        B(0xB8); D(9);                      // mov eax, SYS_mmap
        B(0x0F, 0x05);                      // syscall
        B(0x49, 0xB8); Q((long)faults);     // mov r8, &faults[0]
        B(0xF0, 0x49, 0xFF, 0x00);          // lock inc qword [r8]
        B(0xBF); D(eventFd);                // mov edi, eventfd
        B(0x48, 0xBE); Q((long)(faults + 1)); // mov rsi, &faults[1]     (holds 1)
        B(0xBA); D(8);                      // mov edx, 8
        B(0xB8); D(1);                      // mov eax, SYS_write
        B(0x0F, 0x05);                      // syscall
        B(0xC3);                            // ret: the faulting instruction runs again, on zeros
        int chain = c.Count;
        B(0x49, 0xB8); Q(previous);         // mov r8, previous handler
        B(0x41, 0xFF, 0xE0);                // jmp r8
        var code = c.ToArray();
        code[aboveTable + 1] = (byte)(chain - (aboveTable + 2));
        code[notOurs + 1] = (byte)(chain - (notOurs + 2));
        return code;
    }

    private static void Listen()
    {
        long value;
        while (true)
        {
            nint read = Libc.Read(_eventFd, (byte*)&value, 8);
            if (read == 8) Faulted?.Invoke();
            else if (Libc.LastError != Libc.EINTR) return;
        }
    }
}
