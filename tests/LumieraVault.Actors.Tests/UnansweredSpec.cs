using Xunit;

namespace LumieraVault.Tests;

/// <summary>
/// The bookkeeping behind "no request is ever left unanswered" at shutdown (<see cref="Unanswered{T}"/>, shared by the
/// vault and the cluster vault): an answered request is forgotten, a stop fails the rest, and a request tracked after the
/// stop is failed at once and not to be sent.
/// </summary>
public sealed class UnansweredSpec
{
    private static readonly InvalidOperationException Stopped = new("stopped");

    private static Unanswered<TaskCompletionSource<int>> NewTracker() => new(reply => reply.TrySetException(Stopped));

    private static TaskCompletionSource<int> NewReply() => new(TaskCreationOptions.None);

    [Fact]
    public async Task An_answered_request_is_forgotten_and_keeps_its_answer_through_a_stop()
    {
        var tracker = NewTracker();
        var reply = NewReply();
        Assert.True(tracker.Track(reply, reply.Task));
        Assert.Equal(1, tracker.Count);

        reply.SetResult(7);

        Assert.Equal(0, tracker.Count);
        tracker.Stop();
        Assert.Equal(7, await reply.Task);
    }

    [Fact]
    public async Task A_stop_fails_every_request_not_yet_answered()
    {
        var tracker = NewTracker();
        var replies = Enumerable.Range(0, 5).Select(_ => NewReply()).ToArray();
        foreach (var reply in replies) tracker.Track(reply, reply.Task);
        replies[2].SetResult(2);

        tracker.Stop();

        // Failed by the stop itself, synchronously: nothing is left to wait for.
        Assert.All(replies.Where((_, i) => i != 2), r => Assert.Same(Stopped, Assert.IsType<AggregateException>(r.Task.Exception).InnerException));
        Assert.Equal(2, await replies[2].Task);
        Assert.Equal(0, tracker.Count);
    }

    [Fact]
    public void A_request_tracked_after_the_stop_is_failed_at_once_and_not_to_be_sent()
    {
        var tracker = NewTracker();
        tracker.Stop();
        var reply = NewReply();

        Assert.False(tracker.Track(reply, reply.Task));

        Assert.True(reply.Task.IsFaulted);
        Assert.Same(Stopped, reply.Task.Exception!.InnerException);
        Assert.Equal(0, tracker.Count);
    }
}
