using LumieraVault.Session.Model;

namespace LumieraVault.Session.History;

/// <summary>One user action: the changes it made, undone and redone together.</summary>
internal sealed record Step(long Number, string Label, Change[] Changes);
