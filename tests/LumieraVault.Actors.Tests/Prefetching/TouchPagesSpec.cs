using System.Runtime.InteropServices;
using LumieraVault.Mapping;
using LumieraVault.Native;
using LumieraVault.Prefetching;
using Xunit;

namespace LumieraVault.Tests.Prefetching;

/// <summary>
/// prefetch.touch-pages: the read-ahead thread reads one byte of each page of a frame it read, so the player's first touch of a
/// page pays no first-access trap of the host. What it reads, and that the advice asks for it as the settings say.
/// </summary>
public sealed class TouchPagesSpec : PrefetchSpecBase
{
    [Fact]
    public unsafe void TouchingAFrameReadsTheFirstByteOfEachOfItsPagesAndItsLastByteAndNothingElse()
    {
        int page = SystemLimits.PageSize;
        byte* memory = (byte*)NativeMemory.AlignedAlloc((nuint)(5 * page), (nuint)page);
        try
        {
            new Span<byte>(memory, 5 * page).Clear();
            // A frame from the middle of page 0 to the middle of page 3.
            byte* start = memory + page / 2;
            long length = 3 * page;
            start[0] = 0x01;
            memory[page] = 0x02;
            memory[2 * page] = 0x04;
            memory[3 * page] = 0x08;
            start[length - 1] = 0x10;
            // Outside the frame, or not the first byte of a page: never read.
            memory[0] = 0x20;
            start[1] = 0x40;
            start[length] = 0x80;
            memory[4 * page] = 0x80;

            Assert.Equal(0x1f, Advice.TouchPages((nint)start, length));
        }
        finally
        {
            NativeMemory.AlignedFree(memory);
        }
    }

    [Fact]
    public unsafe void TouchingAnEmptyRangeReadsNothing()
    {
        Assert.Equal(0, Advice.TouchPages(0, 0));
    }

    [Fact]
    public async Task AdviceToReadFramesAheadAsksForTheirPagesToBeTouched()
    {
        await WatchWithProbesAsync(forward: true);
        await AskAsync(10, Forward(1));
        await TickAsync();
        var advice = FileActor.ExpectMsg<FileMapProtocol.Advise>(VaultProbe.Patience);
        Assert.True(advice.WillNeed);
        Assert.True(advice.TouchPages);
    }
}

/// <summary>The same with prefetch.touch-pages = off.</summary>
public sealed class TouchPagesOffSpec : PrefetchSpecBase
{
    public TouchPagesOffSpec() : base("lumiera.vault.prefetch.touch-pages = off\n")
    {
    }

    [Fact]
    public async Task WithTouchingOffAdviceToReadFramesAheadDoesNotAskForIt()
    {
        await WatchWithProbesAsync(forward: true);
        await AskAsync(10, Forward(1));
        await TickAsync();
        var advice = FileActor.ExpectMsg<FileMapProtocol.Advise>(VaultProbe.Patience);
        Assert.True(advice.WillNeed);
        Assert.False(advice.TouchPages);
    }
}
