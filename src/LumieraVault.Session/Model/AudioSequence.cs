using System.Collections.Immutable;
using LumieraVault.Audio;
using LumieraVault.Audio.Editing;

namespace LumieraVault.Session.Model;

/// <summary>
/// A sequence of the sample store as the session knows it: its id there, its format, its length in samples and
/// the edits made to it through the session, oldest first. Replaying <see cref="Edits"/> onto the store's
/// sequence (with <see cref="SampleSequence.Apply"/>) gives the sequence the session describes.
/// </summary>
public sealed record AudioSequence(int Id, string Name, SampleFormat Format, long Length, ImmutableList<SequenceEdit> Edits);
