using SideEye.Bpf.Asm;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;

namespace SideEye.Probes.Codegen;

/// <summary>
/// How the snapshot program is cut into functions so that the verifier's work stays bounded. Every function that
/// does real work is global: the verifier checks it once, on its own, with its arguments as unknown scalars and
/// everything else read from map values it addresses itself (no pointers cross a call). bpf_loop takes a static
/// callback, so each loop's callback is a trampoline that calls the global body and returns its stop flag: a
/// trampoline has nothing for the verifier to walk twice. What this buys: the verifier's cost is the sum of the
/// functions' own costs, not the product of every caller's states with every callee's paths, and it does not
/// depend on the spec, whose size lives only in the tables the program reads.
/// Call depth (the kernel allows 8 frames, trampolines included) is the other limit; the deepest chain is
/// main → hit → cap_frame → root → cap_root → cap_scan → scan → scan_slot, which calls nothing.
/// </summary>
internal static class BpfFunctions
{
    /// <summary>
    /// bpf_loop(r1 iterations, <paramref name="callback"/>, NULL, 0). The callback gets no context: the functions
    /// it calls address their state directly. Clobbers r0-r5.
    /// </summary>
    public static void Loop(Instructions c, string callback)
    {
        c.Add(A.LoadFuncPtr(R2, callback));
        c.Add(A.Mov64Imm(R3, 0));
        c.Add(A.Mov64Imm(R4, 0));
        c.Add(A.Call(BpfHelper.Loop));
    }

    /// <summary>
    /// A bpf_loop callback <paramref name="name"/>(u32 index, void *) that calls the global
    /// <paramref name="target"/>(index) and continues (0) or, when <paramref name="mayStop"/>, returns the low bit
    /// of the target's result (1 = stop).
    /// </summary>
    public static void Trampoline(Instructions c, string name, string target, bool mayStop)
    {
        c.Add(A.Label(name));
        c.Add(A.CallLabel(target));
        if (mayStop) c.Add(A.And64Imm(R0, 1));
        else c.Add(A.Mov64Imm(R0, 0));
        c.Add(A.Exit());
    }

    /// <summary>Ends a global function with r0 = <paramref name="value"/>.</summary>
    public static void Return(Instructions c, int value)
    {
        c.Add(A.Mov64Imm(R0, value));
        c.Add(A.Exit());
    }
}
