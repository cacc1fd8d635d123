using Akka.Actor;

namespace LumieraVault;

/// <summary>
/// Marks the vault's own messages between actors of one process: they carry completions, mapped windows and open
/// handles, so they never cross the wire. With <c>akka.actor.serialize-messages = on</c> (the cluster specs turn it
/// on) Akka would otherwise copy each through a serializer, and the copy's completion would never be answered.
/// </summary>
internal interface ILocalMessage : INoSerializationVerificationNeeded;
