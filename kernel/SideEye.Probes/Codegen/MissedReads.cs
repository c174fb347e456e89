using SideEye.Bpf.Asm;
using SideEye.Probes.Records;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;
using S = SideEye.Probes.Codegen.ScratchLayout;

namespace SideEye.Probes.Codegen;

/// <summary>
/// What happens when a read of the target's memory misses: a pass over the finished program that rewrites every
/// bpf_probe_read_user call site, so no read can be left out. bpf_probe_read_user never faults a page in, so memory
/// that is not resident (swapped out, a file page evicted, never touched) reads as an error. Every miss is counted.
/// With a fault budget the program is sleepable and a miss is read again with bpf_copy_from_user, which faults the
/// page in as the target itself would, until the budget's deadline (measured from the probe's start) has passed:
/// a page-in can wait for a disk, and the target is paused meanwhile. The fast read stays first, so a snapshot of
/// resident memory costs what it did. Each call site spills its three arguments to the top of its function's stack
/// (<see cref="ReservedStackBytes"/>, which the rest of the generator leaves alone) so the retry has them: helper
/// calls clobber r1-r5, and a stack slot is where the verifier keeps a pointer's type.
/// </summary>
internal static class MissedReads
{
    /// <summary>The stack bytes below r10 this pass uses in every function (the spilled destination, length and source).</summary>
    public const int ReservedStackBytes = 24;
    const int SpilledDestination = -24, SpilledLength = -16, SpilledSource = -8;
    const int EFault = -14;

    /// <param name="faultBudgetNs">How long after the probe's start reads that miss may still fault pages in; 0: never (the program stays non-sleepable).</param>
    public static Instructions Apply(Instructions program, long faultBudgetNs)
    {
        var result = new Instructions();
        var site = 0;
        foreach (var instruction in program)
        {
            CheckStackUse(instruction);
            if (!IsProbeReadUser(instruction))
            {
                result.Add(instruction);
                continue;
            }
            if (faultBudgetNs > 0) Faulting(result, $"miss{site++}");
            else Counting(result, $"miss{site++}");
        }
        return result;
    }

    /// <summary>
    /// At the program's start (r9 = the snapshot scratch, <see cref="S.StartNs"/> written): zeroes the counters and
    /// sets the deadline <paramref name="deadlineNs"/> after the start. Clobbers r1, r2.
    /// </summary>
    public static void StartOfRun(Instructions c, long deadlineNs)
    {
        foreach (var off in new[] { S.ReadsMissed, S.ReadsFaulted, S.FaultNs, S.FaultStarted })
            c.Add(A.StoreImm(R9, off, 0, Size.DW));
        Deadline(c, deadlineNs);
    }

    /// <summary>Moves the deadline to <paramref name="deadlineNs"/> after the probe's start (r9 = the snapshot scratch). Clobbers r1, r2.</summary>
    public static void Deadline(Instructions c, long deadlineNs)
    {
        c.Add(A.LoadMem(R1, R9, S.StartNs, Size.DW));
        c.Add(A.LoadImm64(R2, deadlineNs));
        c.Add(A.Add64(R1, R2));
        c.Add(A.StoreMem(R9, S.FaultDeadline, R1, Size.DW));
    }

    /// <summary>Without a budget: the read, and a miss counted.</summary>
    static void Counting(Instructions c, string label)
    {
        c.Add(A.Call(BpfHelper.ProbeReadUser));
        c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, label));
        CountMiss(c);
        c.Add(A.Label(label));
    }

    /// <summary>
    /// With a budget: the read; on a miss, counted, and while the deadline has not passed read again with
    /// bpf_copy_from_user, timed. r0 ends 0 when either read got the bytes, negative when not (the destination zeroed,
    /// as both helpers leave it), so the code after the site is the same either way.
    /// </summary>
    static void Faulting(Instructions c, string label)
    {
        c.Add(A.StoreMem(R10, SpilledDestination, R1, Size.DW));
        c.Add(A.StoreMem(R10, SpilledLength, R2, Size.DW));
        c.Add(A.StoreMem(R10, SpilledSource, R3, Size.DW));
        c.Add(A.Call(BpfHelper.ProbeReadUser));
        c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, label));
        CountMiss(c);
        c.Add(A.Call(BpfHelper.KtimeGetNs));
        ScratchInto(c, R1);
        c.Add(A.LoadMem(R2, R1, S.FaultDeadline, Size.DW));
        c.Add(A.JumpIf(JumpOp.Ge, R0, R2, $"{label}_spent"));
        c.Add(A.StoreMem(R1, S.FaultStarted, R0, Size.DW));
        c.Add(A.LoadMem(R1, R10, SpilledDestination, Size.DW));
        c.Add(A.LoadMem(R2, R10, SpilledLength, Size.DW));
        c.Add(A.LoadMem(R3, R10, SpilledSource, Size.DW));
        c.Add(A.Call(BpfHelper.CopyFromUser));
        c.Add(A.StoreMem(R10, SpilledSource, R0, Size.DW));
        c.Add(A.Call(BpfHelper.KtimeGetNs));
        ScratchInto(c, R1);
        c.Add(A.LoadMem(R2, R1, S.FaultStarted, Size.DW));
        c.Add(A.Sub64(R0, R2));
        c.Add(A.LoadMem(R2, R1, S.FaultNs, Size.DW));
        c.Add(A.Add64(R2, R0));
        c.Add(A.StoreMem(R1, S.FaultNs, R2, Size.DW));
        c.Add(A.LoadMem(R0, R10, SpilledSource, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, label));
        Increment(c, R1, S.ReadsFaulted);
        c.Add(A.Jump(label));
        c.Add(A.Label($"{label}_spent"));
        c.Add(A.LoadMem(R2, R1, S.SummaryFlags, Size.DW));
        c.Add(A.Alu64Imm(AluOp.Or, R2, (int)SummaryFlags.FaultBudgetSpent));
        c.Add(A.StoreMem(R1, S.SummaryFlags, R2, Size.DW));
        c.Add(A.Mov64Imm(R0, EFault));
        c.Add(A.Label(label));
    }

    /// <summary>Counts a miss; keeps r0 (the helper's error). Clobbers r1, r2.</summary>
    static void CountMiss(Instructions c)
    {
        ScratchInto(c, R1);
        Increment(c, R1, S.ReadsMissed);
    }

    /// <summary>The snapshot scratch's address, loaded directly: the call site's own registers are not to be touched.</summary>
    static void ScratchInto(Instructions c, Register dst) => c.Add(A.LoadMapValue(dst, SnapshotProgram.ScratchMap, 0));

    static void Increment(Instructions c, Register scratch, int offset)
    {
        c.Add(A.LoadMem(R2, scratch, offset, Size.DW));
        c.Add(A.Add64Imm(R2, 1));
        c.Add(A.StoreMem(scratch, offset, R2, Size.DW));
    }

    static bool IsProbeReadUser(Instruction i) =>
        !i.IsLabel && i.Class is OpClass.Jmp && (i.OpCode & 0xf0) == (byte)JumpOp.Call && i.Src == 0 && i.Constant == (int)BpfHelper.ProbeReadUser;

    /// <summary>The generator's own stack slots must lie below the ones this pass spills to.</summary>
    static void CheckStackUse(Instruction i)
    {
        if (i.IsLabel || i.Class is not (OpClass.Ldx or OpClass.Stx or OpClass.St)) return;
        var base_ = i.Class == OpClass.Ldx ? i.Src : i.Dst;
        if (base_ == R10 && i.Offset >= -ReservedStackBytes)
            throw new InvalidOperationException($"the generator uses stack slot r10{i.Offset}, which {nameof(MissedReads)} reserves for a read's arguments");
    }
}
