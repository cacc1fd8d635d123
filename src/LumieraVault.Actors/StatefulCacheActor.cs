using Akka.Actor;
using Akka.Event;

namespace LumieraVault;

/// <summary>
/// Base of the vault's two caches (handles and mapped windows). A cache outlives a fault in one message: a
/// restart would forget which handles are lent and which windows are mapped, and its stop would close every
/// handle or retire every window of the vault. The message is logged and dropped; the handlers that owe a
/// file actor an answer give it themselves.
/// </summary>
internal abstract class StatefulCacheActor : ReceiveActor
{
    protected readonly ILoggingAdapter Log = Context.GetLogger();

    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception e)
        {
            Log.Error(e, "Failure handling {0}; the cache keeps its state", message.GetType().Name);
            return true;
        }
    }
}
