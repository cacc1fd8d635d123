using Microsoft.Win32.SafeHandles;

namespace LumieraVault.Audio.Blocks;

/// <summary>
/// A block group lent to one writer, with the descriptor the writer writes it through. The writer stages blocks
/// in its own memory from <see cref="NextSlot"/> on, seals them there, and writes the staged run with one
/// positioned write (<c>pwrite</c>) before any of them counts as sealed; then gives the lease back to the
/// <see cref="BlockAllocator"/>.
/// </summary>
internal sealed class GroupLease
{
    public GroupLease(BlockGroup group, SafeFileHandle handle, bool isNew)
    {
        Group = group;
        Handle = handle;
        IsNew = isNew;
        WrittenSlot = NextSlot = group.Sealed;
    }

    public BlockGroup Group { get; }

    /// <summary>The group file, open for writing; the allocator owns it.</summary>
    public SafeFileHandle Handle { get; }

    /// <summary>True when the group was made for this lease.</summary>
    public bool IsNew { get; }

    /// <summary>The slot the writer stages next; slots from <see cref="WrittenSlot"/> up to it are staged, summarized, not written.</summary>
    public int NextSlot { get; set; }

    /// <summary>Slots below this one are written and sealed.</summary>
    public int WrittenSlot { get; set; }

    public bool IsFull => NextSlot >= AudioLayout.BlocksPerGroup;
}
