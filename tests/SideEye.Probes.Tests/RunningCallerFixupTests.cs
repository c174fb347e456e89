using System.Buffers.Binary;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Goroutines;
using SideEye.Probes.Records;
using SideEye.Testing;

namespace SideEye.Probes.Tests;

/// <summary>
/// The decoder's completion of a running goroutine's walk, on the newest toolchain's parked binary (its pcsp
/// tables decide the frame sizes): the caller goes back in exactly when the frame pointer is not set up yet.
/// </summary>
public class RunningCallerFixupTests
{
    readonly GoBinary _bin = GoBinary.Open(GoFixture.Build("parked", GoToolchains.Newest));
    const ulong Sp = 0xc000207000;

    (ulong Entry, ulong AfterPush, ulong Body, int BodyDelta, ulong Caller) Sites()
    {
        var f = _bin.Pclntab.Functions.Single(f => f.Name == "main.recurse");
        var pcs = Enumerable.Range(0, (int)(f.End - f.Entry)).Select(i => f.Entry + (ulong)i).ToList();
        var afterPush = pcs.First(pc => _bin.Pclntab.SpDelta(pc) == 8);
        var body = pcs.First(pc => _bin.Pclntab.SpDelta(pc) > 8);
        var caller = _bin.Pclntab.Functions.Single(f => f.Name == "main.main").Entry + 0x20;
        return (f.Entry, afterPush, body, _bin.Pclntab.SpDelta(body), caller);
    }

    static GoroutineRecord Running(ulong pc, params ulong[] chain) =>
        new(new GoroutineState(0xc000001000, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0xc000200000, 0xc000208000, 0, 1, 0, 0, null, 0), [pc, .. chain], GoroutineFlags.None);

    static ThreadStackRecord Stack(ulong pc, ulong bp, int length, params (int Offset, ulong Value)[] words)
    {
        var window = new byte[length];
        foreach (var (offset, value) in words) BinaryPrimitives.WriteUInt64LittleEndian(window.AsSpan(offset), value);
        return new ThreadStackRecord(0xc000001000, 1, pc, Sp, bp, window);
    }

    [Fact]
    public void At_entry_the_caller_comes_from_sp()
    {
        var (entry, _, _, _, caller) = Sites();
        var fixup = new RunningCallerFixup(_bin.Pclntab, 64);
        var g = fixup.Apply(Running(entry, 0x1111), Stack(entry, 0xc000207800, 64, (0, caller)));
        Assert.Equal([entry, caller, 0x1111UL], g.Pcs);
    }

    [Fact]
    public void After_the_push_the_caller_is_one_word_up()
    {
        var (_, afterPush, _, _, caller) = Sites();
        var fixup = new RunningCallerFixup(_bin.Pclntab, 64);
        var g = fixup.Apply(Running(afterPush), Stack(afterPush, 0xc000207800, 64, (8, caller)));
        Assert.Equal([afterPush, caller], g.Pcs);
    }

    [Fact]
    public void With_the_frame_set_up_the_chain_is_already_right()
    {
        var (_, _, body, delta, caller) = Sites();
        var fixup = new RunningCallerFixup(_bin.Pclntab, 64);
        var input = Running(body, caller);
        Assert.Same(input, fixup.Apply(input, Stack(body, Sp + (ulong)delta - 8, 64, (delta, caller))));
    }

    [Fact]
    public void A_window_too_short_is_flagged_and_a_non_text_word_ignored()
    {
        var (entry, _, _, _, _) = Sites();
        var fixup = new RunningCallerFixup(_bin.Pclntab, 64);
        Assert.True(fixup.Apply(Running(entry), Stack(entry, 0, 4)).Flags.HasFlag(GoroutineFlags.NoStackWindow));
        Assert.Equal([entry], fixup.Apply(Running(entry), Stack(entry, 0, 64, (0, 0xdead))).Pcs);
    }

    [Fact]
    public void The_frame_limit_still_holds()
    {
        var (entry, _, _, _, caller) = Sites();
        var fixup = new RunningCallerFixup(_bin.Pclntab, 3);
        var g = fixup.Apply(Running(entry, 0x1111, 0x2222), Stack(entry, 0, 64, (0, caller)));
        Assert.Equal([entry, caller, 0x1111UL], g.Pcs);
        Assert.True(g.Truncated);
    }
}
