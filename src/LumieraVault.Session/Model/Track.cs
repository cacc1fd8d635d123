namespace LumieraVault.Session.Model;

/// <summary>What a track holds.</summary>
public enum TrackKind : byte
{
    /// <summary>Pictures (and the sound of video files).</summary>
    Video = 0,
    /// <summary>Sound only: clips of audio sequences or audio files.</summary>
    Audio = 1,
}

/// <summary>A track of the timeline.</summary>
/// <param name="Id">The track's id, unique in the session.</param>
/// <param name="Name">What the user calls it.</param>
/// <param name="Kind">What it holds.</param>
public sealed record Track(string Id, string Name, TrackKind Kind);
