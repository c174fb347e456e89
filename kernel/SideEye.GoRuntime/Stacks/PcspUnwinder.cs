using SideEye.Binary.Pclntab;
using SideEye.GoRuntime.Memory;

namespace SideEye.GoRuntime.Stacks;

/// <summary>
/// Unwinds a goroutine stack the way the runtime's own traceback does: the pcsp table gives each function's
/// frame size at a PC, so the return address sits at sp + spdelta and the caller's sp just above it. This
/// needs no frame pointers, which makes it an independent check of the frame-pointer walk the BPF probe does.
/// Every step is bounded by the goroutine's stack [lo, hi) and a frame limit.
/// </summary>
public sealed class PcspUnwinder(GoPclntab table, IMemoryReader memory)
{
    public const int DefaultMaxFrames = 4096;

    /// <summary>
    /// Physical PCs from (pc, sp), innermost first, stopping at runtime.goexit (not included), at a PC outside
    /// Go code, or when the stack walk leaves [stackLo, stackHi). Truncated is set when maxFrames cut it short.
    /// </summary>
    public (IReadOnlyList<ulong> Pcs, bool Truncated) Unwind(ulong pc, ulong sp, ulong stackLo, ulong stackHi, int maxFrames = DefaultMaxFrames)
    {
        var pcs = new List<ulong>();
        for (var depth = 0; depth < maxFrames; depth++)
        {
            var fn = table.FindFunction(pc);
            if (fn is null || fn.Name == "runtime.goexit") return (pcs, false);
            pcs.Add(pc);
            var delta = table.SpDelta(pc);
            if (delta < 0 || sp < stackLo || sp + (ulong)delta + 8 > stackHi) return (pcs, false);
            // A function that never returns to Go code ends the walk (the runtime's topofstack functions).
            if (fn.Name is "runtime.mstart" or "runtime.rt0_go" or "runtime.morestack") return (pcs, false);
            var returnAddressAt = sp + (ulong)delta;
            var ret = memory.ReadU64(returnAddressAt);
            if (ret is null or 0) return (pcs, false);
            pc = ret.Value;
            sp = returnAddressAt + 8;
        }
        return (pcs, true);
    }
}
