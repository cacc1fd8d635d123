using System.Runtime.CompilerServices;
using LumieraVault.Files;

namespace LumieraVault.Frames;

/// <summary>How a frame reference may be used.</summary>
public enum FrameAccess : byte
{
    /// <summary>The frame can be read.</summary>
    ReadOnly,
    /// <summary>The frame can be read and written; only on writable files, one writer per frame at a time.</summary>
    ReadWrite,
}

/// <summary>
/// A readonly or readwrite reference to a frame: a block of contiguous memory in a mapped window (or, for
/// buffered files, a pooled buffer). It pins the window, so the memory stays mapped until
/// <see cref="Dispose"/> gives the pin back; the window then ages in the map cache. Dispose every frame
/// once (further calls do nothing); a disposed frame's spans must not be used, and its properties throw.
/// Turn it into a <see cref="WeakFrame"/> with <see cref="ToWeak"/> to keep its identity without the pin.
/// </summary>
public readonly unsafe struct Frame : IDisposable
{
    private readonly FrameLease? _lease;
    private readonly int _version;

    internal Frame(FrameLease lease)
    {
        _lease = lease;
        _version = lease.Version;
    }

    /// <summary>True until the frame is disposed (by any copy).</summary>
    public bool IsValid => _lease is not null && _lease.Version == _version;

    /// <summary>The frame's bytes.</summary>
    public ReadOnlySpan<byte> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var lease = Lease;
            return lease.Buffer is { } buffer
                ? new ReadOnlySpan<byte>(buffer, 0, lease.Length)
                : new ReadOnlySpan<byte>((void*)lease.Address, lease.Length);
        }
    }

    /// <summary>The frame's bytes, writable. Only for readwrite frames; writes reach the file on flush or close.</summary>
    public Span<byte> WritableSpan
    {
        get
        {
            var lease = Lease;
            if (lease.Access != FrameAccess.ReadWrite)
                throw new VaultException(VaultError.ReadOnlyFile, "This frame is readonly: ask for it with FrameAccess.ReadWrite on a file opened for writing.");
            return new Span<byte>((void*)lease.Address, lease.Length);
        }
    }

    /// <summary>The file the frame belongs to.</summary>
    public VaultFile File => Lease.File;

    /// <summary>The frame's offset in its file.</summary>
    public long Offset => Lease.Offset;

    /// <summary>The frame's length in bytes.</summary>
    public int Length => Lease.Length;

    /// <summary>Whether the frame is readonly or readwrite.</summary>
    public FrameAccess Access => Lease.Access;

    /// <summary>True if the frame's bytes live in a mapped window (zero-copy), false if in a pooled buffer.</summary>
    public bool IsMapped => Lease.Window is not null;

    internal nint Address => Lease.Address;

    /// <summary>
    /// A readonly frame of the same bytes with a pin (or buffer) of its own, for a second holder that disposes
    /// it on its own; false when the window is being retired (ask the vault again then).
    /// </summary>
    internal bool TryShare(out Frame copy)
    {
        var lease = Lease;
        copy = default;
        if (lease.Window is { } window && !window.TryPin()) return false;
        var shared = FrameLease.Rent();
        shared.File = lease.File;
        shared.Window = lease.Window;
        shared.Address = lease.Address;
        shared.Offset = lease.Offset;
        shared.Length = lease.Length;
        shared.Access = FrameAccess.ReadOnly;
        if (lease.Buffer is { } buffer)
        {
            shared.Buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(lease.Length);
            buffer.AsSpan(0, lease.Length).CopyTo(shared.Buffer);
        }
        copy = new Frame(shared);
        return true;
    }

    private FrameLease Lease
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var lease = _lease;
            if (lease is null || lease.Version != _version) ThrowDisposed();
            return lease!;
        }
    }

    /// <summary>Gives the pin back and returns a weak reference that can become a frame again.</summary>
    public WeakFrame ToWeak()
    {
        var lease = Lease;
        var weak = new WeakFrame(lease.File, lease.Offset, lease.Length, lease.Window);
        Dispose();
        return weak;
    }

    /// <summary>Gives the pin back. Only the first call (by any copy of this frame) does anything.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Dispose() => _lease?.Release(_version);

    private static void ThrowDisposed() => throw new ObjectDisposedException(nameof(Frame), "The frame was disposed; ask the vault for it again (or upgrade a WeakFrame).");

    /// <inheritdoc />
    public override string ToString() => IsValid ? $"frame {Lease.File.Path} @{Offset}+{Length} {Access}" : "frame (disposed)";
}
