using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using LumieraVault.Files;
using LumieraVault.Frames;

namespace LumieraVault.Cluster.Files;

/// <summary>
/// The sharded actor of one file of the shared media store, on a node with the role <c>media</c>: it opens the file
/// through this node's vault and answers peers' requests with the frames' bytes copied out of the mapped windows. It
/// answers every request, with the bytes or with the vault's named failure; it passivates when idle (sharding's
/// <c>passivate-idle-entity-after</c>) and after its file could not be opened, so that a later request tries again.
/// </summary>
internal sealed class FileEntity : ReceiveActor, IWithStash
{
    private readonly Vault _vault;
    private readonly string _key;
    private readonly string _fullPath;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private VaultFile? _file;
    private VaultException? _failure;

    public FileEntity(string mediaRoot, string key)
    {
        _vault = Vault.Get(Context.System);
        _key = key;
        try
        {
            var (normalized, full) = MediaPath.Resolve(mediaRoot, key);
            _fullPath = full;
            if (normalized != key) _failure = new VaultException(VaultError.InvalidArgument, $"'{key}' is not a normalized path below the media root.");
        }
        catch (VaultException e)
        {
            _fullPath = "";
            _failure = e;
        }
        Become(Opening);
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(string mediaRoot, string key) => Akka.Actor.Props.Create(() => new FileEntity(mediaRoot, key));

    protected override void PreStart()
    {
        if (_failure is not null)
        {
            Self.Tell(new Opened(null, _failure));
            return;
        }
        _vault.OpenLocalAsync(_fullPath, FileOpenMode.Read).ContinueWith(
            static (t, self) => ((IActorRef)self!).Tell(t.IsCompletedSuccessfully
                ? new Opened(t.Result, null)
                : new Opened(null, t.Exception?.InnerException as VaultException
                    ?? new VaultException(VaultError.IoError, "Cannot open the file: " + t.Exception?.InnerException?.Message))),
            Self, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    protected override void PostStop()
    {
        if (_file is { } file) _ = _vault.CloseAsync(file);
    }

    private void Opening()
    {
        Receive<Opened>(o =>
        {
            _file = o.File;
            _failure = o.Failure;
            if (_failure is not null)
            {
                _log.Info("LumieraVault: cannot serve '{0}': {1}", _key, _failure.Message);
                Context.Parent.Tell(new Passivate(PoisonPill.Instance));
            }
            Become(Serving);
            Stash.UnstashAll();
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Serving()
    {
        Receive<DescribeFile>(d =>
        {
            if (Refuse(d.RequestId) is { } refusal) Sender.Tell(refusal);
            else Sender.Tell(new FileDescribed(d.RequestId, _file!.Size, _file.ModifiedTicks));
        });
        Receive<ReadFrame>(Read);
    }

    private RequestFailed? Refuse(long requestId)
    {
        if (_failure is { } f) return new RequestFailed(requestId, f.Error, f.Message);
        if (_file!.ChangedReason is { } why) return new RequestFailed(requestId, VaultError.FileChanged, $"File changed on the serving node: {why}.");
        return null;
    }

    private void Read(ReadFrame r)
    {
        var sender = Sender;
        if (Refuse(r.RequestId) is { } refusal)
        {
            sender.Tell(refusal);
            return;
        }
        var file = _file!;
        if (file.Size != r.Size || file.ModifiedTicks != r.ModifiedTicks)
        {
            sender.Tell(new RequestFailed(r.RequestId, VaultError.FileChanged,
                $"File changed: '{_key}' is {file.Size} bytes modified {file.LastModified:O} on the serving node, not {r.Size} bytes modified "
                + $"{DateTimeOffset.UnixEpoch.AddTicks(r.ModifiedTicks):O} as the requester saw it. Open it again."));
            return;
        }
        var hints = new FrameHints(Context.System.Scheduler.Now + TimeSpan.FromMilliseconds(Math.Max(1, r.BudgetMilliseconds)), r.Droppable, r.Priority);
        ValueTask<Frame> pending;
        try
        {
            pending = _vault.GetFrameAtAsync(file, r.Offset, r.Length, hints);
        }
        catch (VaultException e)
        {
            sender.Tell(new RequestFailed(r.RequestId, e.Error, e.Message));
            return;
        }
        if (pending.IsCompletedSuccessfully)
        {
            sender.Tell(Copy(r, pending.Result));
            return;
        }
        pending.AsTask().ContinueWith(
            static (t, state) =>
            {
                var (request, replyTo) = ((ReadFrame, IActorRef))state!;
                replyTo.Tell(t.IsCompletedSuccessfully
                    ? Copy(request, t.Result)
                    : t.Exception?.InnerException is VaultException e
                        ? new RequestFailed(request.RequestId, e.Error, e.Message)
                        : new RequestFailed(request.RequestId, VaultError.IoError, "The serving node could not read the frame: " + t.Exception?.InnerException?.Message));
            },
            (r, sender), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The frame's bytes copied into a message of their own; the frame (and its window's pin) is given back.</summary>
    private static FrameBytes Copy(ReadFrame request, Frame frame)
    {
        using (frame) return new FrameBytes(request.RequestId, request.Offset, frame.Span.ToArray());
    }

    /// <summary>The file opened, or why not; a message of this actor to itself.</summary>
    private sealed record Opened(VaultFile? File, VaultException? Failure) : ILocalMessage;
}
