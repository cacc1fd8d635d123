using LumieraVault.Files;
using LumieraVault.Mapping;

namespace LumieraVault.Frames;

/// <summary>
/// A weak reference to a frame: it keeps the frame's identity (file, offset, length) but holds no pin,
/// so the frame's window may age out. Upgrade it to a readonly or readwrite <see cref="Frame"/> again:
/// immediately if its window is still mapped, through the vault's actors if not.
/// </summary>
public readonly struct WeakFrame
{
    private readonly Window? _lastWindow;

    internal WeakFrame(VaultFile file, long offset, int length, Window? lastWindow)
    {
        File = file;
        Offset = offset;
        Length = length;
        _lastWindow = lastWindow;
    }

    /// <summary>The frame's file.</summary>
    public VaultFile File { get; }

    /// <summary>The frame's offset in its file.</summary>
    public long Offset { get; }

    /// <summary>The frame's length in bytes.</summary>
    public int Length { get; }

    /// <summary>True while the window the frame was last in is still mapped (an upgrade would be immediate).</summary>
    public bool IsResident => _lastWindow is { IsRetired: false, RetireRequested: false };

    /// <summary>Upgrades without waiting: succeeds only if the frame's window is still mapped.</summary>
    public bool TryUpgrade(Vault vault, out Frame frame, FrameAccess access = FrameAccess.ReadOnly)
        => vault.TryGetFrameAt(File, Offset, Length, out frame, access);

    /// <summary>Upgrades, mapping the frame's window again through the actors if it aged out.</summary>
    public ValueTask<Frame> UpgradeAsync(Vault vault, FrameAccess access = FrameAccess.ReadOnly, FrameHints hints = default)
        => vault.GetFrameAtAsync(File, Offset, Length, hints, access);

    /// <inheritdoc />
    public override string ToString() => $"weak frame {File.Path} @{Offset}+{Length}{(IsResident ? " (resident)" : "")}";
}
