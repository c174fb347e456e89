using SideEye.Binary.Pclntab;
using SideEye.GoRuntime.Memory;

namespace SideEye.GoRuntime.Stacks;

/// <summary>
/// The frame-pointer walk the BPF probe performs, in C#: the model the generated program is checked against.
/// On amd64 every Go frame with locals starts with PUSHQ BP; MOVQ SP, BP, so [bp] holds the caller's frame
/// pointer and [bp+8] the return address. Like the runtime's own fpTracebackPCs (and Delve's rules) a frame
/// pointer is trusted only while it stays inside the goroutine's stack, 8-aligned and strictly increasing.
/// Where the walk must start in a frame whose BP is not (yet) set up, the pcsp table supplies the frame size.
/// </summary>
public sealed class FramePointerUnwinder(GoPclntab table, IMemoryReader memory)
{
    /// <summary>
    /// A parked goroutine: gobuf.pc is the return address into gopark (or another mcall caller) and gobuf.bp
    /// that function's frame pointer (mcall stores it: "the caller's BP", Go 1.21+ by dereferencing its own).
    /// </summary>
    public (IReadOnlyList<ulong> Pcs, bool Truncated) FromScheduler(ulong pc, ulong bp, ulong stackLo, ulong stackHi, int maxFrames = PcspUnwinder.DefaultMaxFrames) =>
        Walk([pc], bp, stackLo, stackHi, maxFrames);

    /// <summary>
    /// A goroutine in a system call: syscallpc/sp are the caller of entersyscall. Go 1.23+ also saves its
    /// frame pointer (syscallbp); before that, the saved BP is found below the return address via pcsp.
    /// </summary>
    public (IReadOnlyList<ulong> Pcs, bool Truncated) FromSyscall(ulong pc, ulong sp, ulong? bp, ulong stackLo, ulong stackHi, int maxFrames = PcspUnwinder.DefaultMaxFrames)
    {
        if (bp is { } known && known != 0) return Walk([pc], known, stackLo, stackHi, maxFrames);
        // A syscall's pc is a return site in the middle of its function: the frame is set up, bp just was not saved.
        return FromFrameSize(pc, sp, 0, stackLo, stackHi, maxFrames, frameSetUp: true);
    }

    /// <summary>
    /// A goroutine running on a thread stopped at an arbitrary instruction: the first frame may be frameless
    /// or inside its prologue, so its return address and caller's BP come from the pcsp frame size.
    /// </summary>
    public (IReadOnlyList<ulong> Pcs, bool Truncated) FromRegisters(ulong pc, ulong sp, ulong bp, ulong stackLo, ulong stackHi, int maxFrames = PcspUnwinder.DefaultMaxFrames) =>
        FromFrameSize(pc, sp, bp, stackLo, stackHi, maxFrames, frameSetUp: null);

    (IReadOnlyList<ulong> Pcs, bool Truncated) FromFrameSize(ulong pc, ulong sp, ulong bp, ulong stackLo, ulong stackHi, int maxFrames, bool? frameSetUp)
    {
        var delta = table.SpDelta(pc);
        if (delta < 0 || sp < stackLo || sp + (ulong)delta + 8 > stackHi) return ([pc], false);
        var ret = memory.ReadU64(sp + (ulong)delta);
        if (ret is null || table.FindFunction(ret.Value) is null) return ([pc], false);
        // Once the prologue has set bp (delta >= 8 and bp == sp + delta - 8) the caller's BP is saved right below
        // the return address; before that, and after the epilogue restored it, bp still is the caller's BP
        // (Go before 1.21 moves sp first and saves bp later, so the slot may not be written yet).
        var established = delta >= 8 && (frameSetUp ?? bp == sp + (ulong)delta - 8);
        var callerBp = established ? memory.ReadU64(sp + (ulong)delta - 8) ?? 0 : bp;
        return Walk([pc, ret.Value], callerBp, stackLo, stackHi, maxFrames);
    }

    (IReadOnlyList<ulong>, bool) Walk(List<ulong> pcs, ulong bp, ulong stackLo, ulong stackHi, int maxFrames)
    {
        if (pcs.Count > 0 && IsGoexit(pcs[^1])) { pcs.RemoveAt(pcs.Count - 1); return (pcs, false); }
        var previous = 0UL;
        while (pcs.Count < maxFrames)
        {
            if (bp == 0 || bp < stackLo || bp + 16 > stackHi || (bp & 7) != 0 || bp <= previous) return (pcs, false);
            var ret = memory.ReadU64(bp + 8);
            var next = memory.ReadU64(bp);
            if (ret is null or 0 || next is null || table.FindFunction(ret.Value) is null) return (pcs, false);
            if (IsGoexit(ret.Value)) return (pcs, false);
            pcs.Add(ret.Value);
            previous = bp;
            bp = next.Value;
        }
        return (pcs, true);
    }

    bool IsGoexit(ulong pc) => table.FindFunction(pc)?.Name == "runtime.goexit";
}
