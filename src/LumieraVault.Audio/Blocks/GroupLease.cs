using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LumieraVault.Files;
using LumieraVault.Frames;

namespace LumieraVault.Audio.Blocks;

/// <summary>
/// A block group lent to one writer: its readwrite descriptor and the whole group as one pinned readwrite frame.
/// The writer fills the free slots in order and seals each block once; then gives the lease back to the store actor.
/// </summary>
internal sealed unsafe class GroupLease
{
    public GroupLease(BlockGroup group, VaultFile writeFile, Frame frame)
    {
        Group = group;
        WriteFile = writeFile;
        Frame = frame;
        Address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(frame.WritableSpan));
        NextSlot = group.Sealed;
    }

    public BlockGroup Group { get; }

    public VaultFile WriteFile { get; }

    public Frame Frame { get; }

    public nint Address { get; }

    public int NextSlot { get; set; }

    public bool IsFull => NextSlot >= AudioLayout.BlocksPerGroup;

    public Span<byte> Block(int slot) => new((void*)(Address + slot * AudioLayout.BlockBytes), AudioLayout.BlockBytes);
}
