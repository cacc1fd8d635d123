using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using LumieraVault.Files;
using LumieraVault.Frames;
using Xunit;
using static LumieraVault.Files.HandleCacheProtocol;

namespace LumieraVault.Tests;

/// <summary>
/// Orderings between the callers, the file actors and the two caches that are rare in use but must still leave
/// every request answered once and every handle and budget byte accounted for. Virtual time; a budget of one window.
/// </summary>
public sealed class RaceSpec : TestKit, IDisposable
{
    private const int Window = 64 * 1024;
    private readonly TempFolder _temp = new();

    public RaceSpec() : base(VaultProbe.Config("64 KiB", "64 KiB", VaultProbe.VirtualTime +
        "lumiera.vault.files {\n watch-changes = off\n change-check-interval = off\n}\nlumiera.vault.handle-cache.max-handles = 1\n"))
    {
    }

    private Vault Vault => Vault.Get(Sys);

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    [Fact]
    public async Task Closing_a_file_whose_miss_waits_for_budget_lets_the_next_waiter_have_the_room()
    {
        var a = await Vault.OpenAsync(_temp.Make("a.bin", 4 * Window));
        var b = await Vault.OpenAsync(_temp.Make("b.bin", 4 * Window, seed: 1));
        var held = await Vault.GetFrameAtAsync(a, 0, 100).Answered();
        var forB = Vault.GetFrameAtAsync(b, 0, 100).AsTask();
        await VaultProbe.SettleAsync(Sys, a, b);
        var forA = Vault.GetFrameAtAsync(a, Window, 100).AsTask();
        await VaultProbe.SettleAsync(Sys, a, b);
        Assert.False(forA.IsCompleted);

        await Vault.CloseAsync(b).Answered();
        await new ValueTask<Frame>(forB).FailsWith(VaultError.FileClosed);
        held.Dispose();

        // The room made for the closed file's waiter must not be lost with it: the next waiter gets it.
        using (var frame = await forA.Answered()) TempFolder.AssertPattern(frame.Span, Window);
        await VaultProbe.SettleAsync(Sys, a);
        Assert.Equal(Vault.MappedBytes, a.Cache.Reserved);
    }

    [Fact]
    public async Task Room_granted_too_late_to_a_file_that_changed_while_waiting_goes_to_the_next_waiter()
    {
        var a = await Vault.OpenAsync(_temp.Make("a.bin", 4 * Window));
        var bPath = _temp.Make("b.bin", 4 * Window, seed: 1);
        var b = await Vault.OpenAsync(bPath);
        var held = await Vault.GetFrameAtAsync(a, 0, 100).Answered();
        var forB = Vault.GetFrameAtAsync(b, 0, 100).AsTask();
        await VaultProbe.SettleAsync(Sys, a, b);
        var forA = Vault.GetFrameAtAsync(a, Window, 100).AsTask();
        await VaultProbe.SettleAsync(Sys, a, b);

        using (var fs = new FileStream(bPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) fs.SetLength(10);
        // A frame past the size the vault knows makes b's actor look at the file and find it shrunk.
        await Vault.GetFrameAtAsync(b, 4 * Window + 10, 100).FailsWith(VaultError.FileChanged);
        await new ValueTask<Frame>(forB).FailsWith(VaultError.FileChanged);
        held.Dispose();

        using (var frame = await forA.Answered()) TempFolder.AssertPattern(frame.Span, Window);
        await VaultProbe.SettleAsync(Sys, a, b);
        Assert.Equal(Vault.MappedBytes, a.Cache.Reserved);
    }

    [Fact]
    public async Task A_request_merged_with_one_whose_deadline_passed_waits_until_its_own_deadline()
    {
        var a = await Vault.OpenAsync(_temp.Make("a.bin", 4 * Window));
        var b = await Vault.OpenAsync(_temp.Make("b.bin", 4 * Window, seed: 1));
        var held = await Vault.GetFrameAtAsync(a, 0, 100).Answered();
        var soon = Vault.GetFrameAtAsync(b, 0, 100, new FrameHints(Deadline: Clock.Now + TimeSpan.FromSeconds(1))).AsTask();
        await VaultProbe.SettleAsync(Sys, b);
        var later = Vault.GetFrameAtAsync(b, 200, 100, new FrameHints(Deadline: Clock.Now + TimeSpan.FromSeconds(10))).AsTask();
        await VaultProbe.SettleAsync(Sys, b);

        Clock.Advance(TimeSpan.FromSeconds(2));
        await new ValueTask<Frame>(soon).FailsWith(VaultError.BudgetExhausted);
        await VaultProbe.SettleAsync(Sys, a, b);
        Assert.False(later.IsCompleted, "a request was failed before its deadline because it shared a window with one that expired");

        held.Dispose();
        using (var frame = await later.Answered()) TempFolder.AssertPattern(frame.Span, 200, seed: 1);
    }

    [Fact]
    public async Task A_droppable_request_merged_with_one_that_may_wait_longer_is_dropped_at_its_own_deadline()
    {
        var a = await Vault.OpenAsync(_temp.Make("a.bin", 4 * Window));
        var b = await Vault.OpenAsync(_temp.Make("b.bin", 4 * Window, seed: 1));
        var held = await Vault.GetFrameAtAsync(a, 0, 100).Answered();
        var patient = Vault.GetFrameAtAsync(b, 0, 100, new FrameHints(Deadline: Clock.Now + TimeSpan.FromSeconds(10))).AsTask();
        await VaultProbe.SettleAsync(Sys, b);
        var playback = Vault.GetFrameAtAsync(b, 200, 100, FrameHints.Playback(Clock.Now + TimeSpan.FromMilliseconds(40))).AsTask();
        await VaultProbe.SettleAsync(Sys, b);

        Clock.Advance(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAsync<FrameDroppedException>(() => playback.Answered());
        await VaultProbe.SettleAsync(Sys, a, b);
        Assert.False(patient.IsCompleted);

        held.Dispose();
        using (var frame = await patient.Answered()) TempFolder.AssertPattern(frame.Span, 0, seed: 1);
        Assert.Equal(1, (await Vault.GetStatisticsAsync()).Dropped);
    }

    [Fact]
    public async Task A_file_closed_while_its_miss_waits_for_a_handle_leaves_no_handle_lent()
    {
        var a = await Vault.OpenAsync(_temp.Make("a.bin", 4 * Window));
        var b = await Vault.OpenAsync(_temp.Make("b.bin", 4 * Window, seed: 1));
        var handles = await HandleCache();
        // Another file's actor holds the only handle for the length of its work.
        var other = CreateTestProbe();
        handles.Tell(new AcquireHandle(a), other.Ref);
        other.ExpectMsg<HandleGranted>();

        var forB = Vault.GetFrameAtAsync(b, 0, 100).AsTask();
        await VaultProbe.SettleAsync(Sys, b);
        Watch(b.FileMap);
        await Vault.CloseAsync(b).Answered();
        await new ValueTask<Frame>(forB).FailsWith(VaultError.FileClosed);
        ExpectTerminated(b.FileMap);
        handles.Tell(new ReleaseHandle(a), other.Ref);

        // With the closed file's wait served, the handle would be lent to an actor that is gone, for good.
        using (var frame = await Vault.GetFrameAtAsync(a, 0, 100).Answered()) TempFolder.AssertPattern(frame.Span, 0);
        Assert.Equal(1, (await Vault.GetStatisticsAsync()).HandlesOpened);
    }

    [Fact]
    public async Task A_handle_granted_to_a_file_actor_that_stopped_is_closed()
    {
        var a = await Vault.OpenAsync(_temp.Make("a.bin", 4 * Window));
        var handles = await HandleCache();
        var gone = CreateTestProbe();
        Watch(gone.Ref);
        Sys.Stop(gone.Ref);
        ExpectTerminated(gone.Ref);

        // A closing file's actor stops with the grant of its last request still on the way.
        handles.Tell(new AcquireHandle(a), gone.Ref);
        handles.Tell(new ForgetFile(a));

        await Vault.StatisticsWhenAsync(s => s.HandlesOpened == 1 && s.HandlesOpen == 0, "the handle granted to a stopped actor to be closed");
    }

    [Fact]
    public async Task Recreating_a_closed_file_whose_frame_is_still_held_is_FileInUse()
    {
        var path = _temp.Make("clip.bin", 4 * Window);
        var reader = await Vault.OpenAsync(path);
        var frame = await Vault.GetFrameAtAsync(reader, 1000, 100).Answered();
        await Vault.CloseAsync(reader).Answered();

        var e = await Assert.ThrowsAsync<VaultException>(() => Vault.OpenAsync(path, FileOpenMode.Recreate).Answered());
        Assert.Equal(VaultError.FileInUse, e.Error);
        Assert.Equal(4 * Window, new FileInfo(path).Length);
        TempFolder.AssertPattern(frame.Span, 1000);

        frame.Dispose();
        await Vault.StatisticsWhenAsync(s => s.WindowsMapped == 0, "the closed file's window to be unmapped");
        var writer = await Vault.OpenAsync(path, FileOpenMode.Recreate).Answered();
        Assert.Equal(0, writer.Size);
    }

    private async Task<IActorRef> HandleCache()
    {
        var identity = await Sys.ActorSelection(Vault.Guardian.Path / "handles").Ask<ActorIdentity>(new Identify(null)).WaitAsync(VaultProbe.Patience);
        return identity.Subject!;
    }

    [Fact]
    public async Task A_request_that_reaches_the_actor_of_a_file_closed_under_it_is_answered_FileClosed()
    {
        var file = await Vault.OpenAsync(_temp.Make("closed.bin", 10_000));
        var actor = file.FileMap;
        await Vault.CloseAsync(file).Answered();
        await VaultProbe.SettleAsync(Sys);
        // What a request sent just before the close took effect meets: the file's actor is gone.
        var reply = new TaskCompletionSource<Frame>(TaskCreationOptions.RunContinuationsAsynchronously);
        actor.Tell(new Mapping.FileMapProtocol.FrameRequest(file, 0, 100, FrameAccess.ReadOnly, default, Sys.Scheduler.Now.AddSeconds(5), reply, 0));
        var e = await Assert.ThrowsAsync<VaultException>(() => reply.Task.Answered());
        Assert.Equal(VaultError.FileClosed, e.Error);
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}

/// <summary>The same orderings on the real scheduler, where a deadline far in the future must be taken as "wait".</summary>
public sealed class FarDeadlineSpec : TestKit, IDisposable
{
    private const int Window = 64 * 1024;
    private readonly TempFolder _temp = new();

    public FarDeadlineSpec() : base(VaultProbe.Config("64 KiB", "64 KiB"))
    {
    }

    private Vault Vault => Vault.Get(Sys);

    [Fact]
    public async Task A_request_with_the_latest_possible_deadline_waits_for_room_and_the_vault_keeps_working()
    {
        var a = await Vault.OpenAsync(_temp.Make("a.bin", 4 * Window));
        var held = await Vault.GetFrameAtAsync(a, 0, 100).Answered();
        var waiting = Vault.GetFrameAtAsync(a, Window, 100, new FrameHints(Deadline: DateTimeOffset.MaxValue)).AsTask();
        await VaultProbe.SettleAsync(Sys, a);
        Assert.False(waiting.IsCompleted);

        held.Dispose();
        using (var frame = await waiting.Answered()) TempFolder.AssertPattern(frame.Span, Window);
        using (var again = await Vault.GetFrameAtAsync(a, 2 * Window, 100).Answered()) TempFolder.AssertPattern(again.Span, 2 * Window);
    }

    [Fact]
    public async Task A_writable_frame_at_an_offset_no_file_can_reach_is_OutOfRange()
    {
        var file = await Vault.OpenAsync(_temp.File("w.bin"), FileOpenMode.Create);
        await Vault.GetFrameAtAsync(file, long.MaxValue - 100, 10, access: FrameAccess.ReadWrite).FailsWith(VaultError.OutOfRange);
        using (var frame = await Vault.GetFrameAtAsync(file, 0, 10, access: FrameAccess.ReadWrite).Answered()) frame.WritableSpan.Fill(1);
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}
