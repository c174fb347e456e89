using SideEye.Binary.Pclntab;

namespace SideEye.Probes.Records;

/// <summary>
/// Completes the walk of a goroutine that was running on a stopped thread. The probe reported its pc and then
/// the frame-pointer chain from the thread's bp; that chain starts at the running function's own frame only once
/// its prologue has set bp (pcsp frame size d &gt;= 8 and bp == sp + d - 8). Before that, and after its epilogue
/// restored the caller's bp, bp is still the caller's frame pointer, so the chain starts one frame too high: the
/// caller, whose return address is at sp + d, is missing. The thread-stack record holds the words at sp, and the
/// pclntab gives d at pc: put the caller back. (With Go 1.21+ prologues d is 0 or 8 there; before, it can be the
/// whole frame, which the window may not reach: <see cref="GoroutineFlags.NoStackWindow"/> says so.)
/// </summary>
public sealed class RunningCallerFixup(GoPclntab pclntab, int maxFrames)
{
    public GoroutineRecord Apply(GoroutineRecord g, ThreadStackRecord? stack)
    {
        if (stack is null || g.Pcs.Count == 0 || g.Pcs[0] != stack.Pc) return g;
        var delta = pclntab.SpDelta(stack.Pc);
        if (delta < 0) return g;
        var established = delta >= 8 && stack.Bp == stack.Sp + (ulong)delta - 8;
        if (established) return g;
        if (stack.WordAt(delta) is not { } ret) return g with { Flags = g.Flags | GoroutineFlags.NoStackWindow };
        var caller = pclntab.FindFunction(ret);
        if (caller is null || caller.Name == "runtime.goexit") return g;
        var pcs = new List<ulong>(g.Pcs.Count + 1) { g.Pcs[0], ret };
        pcs.AddRange(g.Pcs.Skip(1));
        var flags = g.Flags;
        if (pcs.Count > maxFrames)
        {
            pcs.RemoveRange(maxFrames, pcs.Count - maxFrames);
            flags |= GoroutineFlags.Truncated;
        }
        return g with { Pcs = pcs, Flags = flags };
    }
}
