using SideEye.Bpf.Asm;
using SideEye.GoRuntime.Layouts;
using SideEye.Probes.Planning;
using SideEye.Probes.Records;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;
using L = SideEye.Probes.Records.RecordLayout;
using S = SideEye.Probes.Codegen.ScratchLayout;

namespace SideEye.Probes.Codegen;

/// <summary>One goroutine: its g, its record's header, where its walk starts, its record sent.</summary>
public static partial class SnapshotProgramGenerator
{
    /// <summary>u64 g_body(u64 index): one goroutine. r9 = scratch, r7 = g, r6/r8 walk registers.</summary>
    static void GoroutineBody(Instructions c, ProbePlan plan, ScratchLayout scratch, bool captures)
    {
        var rec = scratch.Record;
        c.Add(A.GlobalFunction("g_body", 1));
        c.Add(A.Mov64(R6, R1));
        Scratch(c);
        // allgs entries come GsChunkEntries at a time: refill at each multiple (min(entries, allglen - i) of them;
        // a failed read zeroes the chunk, and nil entries are skipped).
        c.Add(A.Mov64(R1, R6));
        c.Add(A.And64Imm(R1, S.GsChunkEntries - 1));
        c.Add(A.JumpIfImm(JumpOp.Ne, R1, 0, "g_from_chunk"));
        c.Add(A.LoadMem(R2, R9, S.AllGLen, Size.DW));
        c.Add(A.Sub64(R2, R6));
        c.Add(A.JumpIfImm(JumpOp.Le, R2, S.GsChunkEntries, "g_chunk_sized"));
        c.Add(A.Mov64Imm(R2, S.GsChunkEntries));
        c.Add(A.Label("g_chunk_sized"));
        c.Add(A.Lsh64Imm(R2, 3));
        c.Add(A.LoadMem(R3, R9, S.AllGsArray, Size.DW));
        c.Add(A.Mov64(R4, R6));
        c.Add(A.Lsh64Imm(R4, 3));
        c.Add(A.Add64(R3, R4));
        c.Add(A.Mov64(R1, R9));
        c.Add(A.Add64Imm(R1, S.GsChunk));
        c.Add(A.Call(BpfHelper.ProbeReadUser));
        c.Add(A.Label("g_from_chunk"));
        c.Add(A.Mov64(R1, R6));
        c.Add(A.And64Imm(R1, S.GsChunkEntries - 1));
        c.Add(A.Lsh64Imm(R1, 3));
        c.Add(A.Add64(R1, R9));
        c.Add(A.LoadMem(R7, R1, S.GsChunk, Size.DW));
        // allgs never holds nil: a zero entry means its part of the array could not be read. Either that or a g
        // that cannot be read (bpf_probe_read_user does not fault pages in: memory paged out, say) is counted,
        // so the summary says the snapshot is partial.
        c.Add(A.JumpIfImm(JumpOp.Eq, R7, 0, "g_unreadable"));
        c.Add(A.Mov64(R3, R7));
        ReadUserFromReg(c, S.G, plan.GSize, R3);
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "g_unreadable"));
        Increment(c, S.Seen);

        LoadG(c, R8, plan.Status);
        c.Add(A.Mov64(R1, R8));
        c.Add(A.And64Imm(R1, (int)~plan.ScanBit));
        foreach (var skipped in plan.SkippedStatuses)
            c.Add(A.JumpIfImm(JumpOp.Eq, R1, (int)skipped, "g_continue"));

        // Header.
        var flags = GoroutineFlags.None;
        if (plan.ParentGoid is not null) flags |= GoroutineFlags.HasParentGoid;
        if (plan.SyscallBp is not null) flags |= GoroutineFlags.HasSyscallBp;
        c.Add(A.StoreImm(R9, rec + L.Kind, (int)L.GoroutineKind, Size.W));
        c.Add(A.StoreImm(R9, rec + L.Flags, (int)flags, Size.W));
        c.Add(A.StoreMem(R9, rec + L.Status, R8, Size.W));
        c.Add(A.StoreMem(R9, rec + L.GAddress, R7, Size.DW));
        // The g's fields the record carries; a field the release lacks (parentGoid before 1.21, syscallbp before 1.23) is 0.
        foreach (var (field, at) in new (GFieldPlan? Field, int At)[]
        {
            (plan.Goid, L.Goid), (plan.WaitReason, L.WaitReason), (plan.WaitSince, L.WaitSince), (plan.M, L.M), (plan.GoPc, L.GoPc),
            (plan.StartPc, L.StartPc), (plan.ParentGoid, L.ParentGoid), (plan.StackLo, L.StackLo), (plan.StackHi, L.StackHi),
            (plan.SchedPc, L.SchedPc), (plan.SchedSp, L.SchedSp), (plan.SchedBp, L.SchedBp), (plan.SyscallPc, L.SyscallPc),
            (plan.SyscallSp, L.SyscallSp), (plan.SyscallBp, L.SyscallBp), (plan.Labels, L.Labels),
        })
        {
            var size = at == L.WaitReason ? Size.W : Size.DW;
            if (field is { } f) CopyG(c, f, rec + at, size);
            else c.Add(A.StoreImm(R9, rec + at, 0, size));
        }
        c.Add(A.StoreImm(R9, rec + L.FrameCount, 0, Size.W));
        c.Add(A.StoreImm(R9, rec + L.Reserved, 0, Size.W));
        c.Add(A.StoreImm(R9, S.WalkCount, 0, Size.DW));
        if (captures) CaptureCodegen.GoroutineStart(c);

        if (plan.LabelsLayout != PprofLabelsLayout.None) Labels(c, plan, scratch);

        // Thread id: m.procid when the g has an m (bpf_probe_read_user zeroes the field on failure).
        c.Add(A.StoreImm(R9, rec + L.ThreadId, 0, Size.DW));
        LoadG(c, R3, plan.M);
        c.Add(A.JumpIfImm(JumpOp.Eq, R3, 0, "g_dispatch"));
        c.Add(A.Add64Imm(R3, plan.MProcId.Offset));
        ReadUserFromReg(c, rec + L.ThreadId, 8, R3);
        c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, "g_dispatch"));
        OrFlag(c, rec, GoroutineFlags.ThreadUnreadable);

        // Where the walk starts.
        c.Add(A.Label("g_dispatch"));
        c.Add(A.Mov64(R1, R8));
        c.Add(A.And64Imm(R1, (int)~plan.ScanBit));
        c.Add(A.JumpIfImm(JumpOp.Eq, R1, (int)plan.StatusSyscall, "g_syscall"));
        c.Add(A.JumpIfImm(JumpOp.Eq, R1, (int)plan.StatusRunning, "g_running"));
        // Parked (or runnable): gobuf pc is a return address and gobuf bp that frame's pointer.
        LoadG(c, R2, plan.SchedPc);
        LoadG(c, R3, plan.SchedBp);
        c.Add(A.Jump("g_walk_first"));

        c.Add(A.Label("g_syscall"));
        if (plan.SyscallBp is { } bpField)
        {
            LoadG(c, R3, bpField);
            LoadG(c, R2, plan.SyscallPc);
            c.Add(A.JumpIfImm(JumpOp.Ne, R3, 0, "g_walk_first"));
        }
        LoadG(c, R6, plan.SyscallPc);
        LoadG(c, R7, plan.SyscallSp);
        c.Add(A.Mov64Imm(R8, 0));
        c.Add(A.Jump("g_from_regs"));

        c.Add(A.Label("g_running"));
        c.Add(A.LoadMem(R1, R9, rec + L.ThreadId, Size.DW));
        c.Add(A.StoreMem(R9, S.Key, R1, Size.W));
        c.Add(A.LoadMapPtr(R1, SnapshotProgram.ThreadRegsMap));
        c.Add(A.Mov64(R2, R9));
        c.Add(A.Add64Imm(R2, S.Key));
        c.Add(A.Call(BpfHelper.MapLookupElem));
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "g_have_regs"));
        OrFlag(c, rec, GoroutineFlags.NoRegisters);
        c.Add(A.Jump("g_emit"));
        c.Add(A.Label("g_have_regs"));
        c.Add(A.LoadMem(R6, R0, 0, Size.DW));
        c.Add(A.LoadMem(R7, R0, 8, Size.DW));
        c.Add(A.LoadMem(R8, R0, 16, Size.DW));
        if (captures) CaptureCodegen.KeepRegisters(c);
        RunningFromRegisters(c, plan, scratch);

        // A syscall's return site (r6 = pc, r7 = sp, r8 = 0) with its pcsp frame size precomputed: the return
        // address is at sp + delta and, when the function has a frame (delta >= 8), the caller's BP just below it.
        c.Add(A.Label("g_from_regs"));
        c.Add(A.StoreMem(R9, rec + L.Pcs, R6, Size.DW));
        c.Add(A.StoreImm(R9, S.WalkCount, 1, Size.DW));
        c.Add(A.StoreMem(R9, S.Key, R6, Size.DW));
        c.Add(A.LoadMapPtr(R1, SnapshotProgram.SpDeltaMap));
        c.Add(A.Mov64(R2, R9));
        c.Add(A.Add64Imm(R2, S.Key));
        c.Add(A.Call(BpfHelper.MapLookupElem));
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "g_have_delta"));
        OrFlag(c, rec, GoroutineFlags.NoSpDelta);
        c.Add(A.Jump("g_emit"));
        c.Add(A.Label("g_have_delta"));
        c.Add(A.LoadMem(R6, R0, 0, Size.DW));            // r6 = delta (pc is in the record now)
        c.Add(A.LoadMem(R1, R9, rec + L.StackLo, Size.DW));
        c.Add(A.JumpIf(JumpOp.Lt, R7, R1, "g_emit"));
        c.Add(A.Add64(R7, R6));                          // r7 = sp + delta: the return address slot
        c.Add(A.Mov64(R1, R7));
        c.Add(A.Add64Imm(R1, 8));
        c.Add(A.LoadMem(R2, R9, rec + L.StackHi, Size.DW));
        c.Add(A.JumpIf(JumpOp.Gt, R1, R2, "g_emit"));
        c.Add(A.StoreMem(R9, S.Tmp, R8, Size.DW));       // caller's BP defaults to bp (frameless function)
        c.Add(A.JumpIfImm(JumpOp.Lt, R6, 8, "g_read_ret"));
        c.Add(A.Mov64(R3, R7));
        c.Add(A.Add64Imm(R3, -8));
        ReadUserFromReg(c, S.Tmp, 16, R3);
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "g_emit"));
        c.Add(A.Jump("g_check_ret"));
        c.Add(A.Label("g_read_ret"));
        c.Add(A.Mov64(R3, R7));
        ReadUserFromReg(c, S.Tmp + 8, 8, R3);
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "g_emit"));
        c.Add(A.Label("g_check_ret"));
        c.Add(A.LoadMem(R2, R9, S.Tmp + 8, Size.DW));
        InText(c, plan, R2, "g_emit");
        c.Add(A.StoreMem(R9, rec + L.Pcs + 8, R2, Size.DW));
        c.Add(A.StoreImm(R9, S.WalkCount, 2, Size.DW));
        c.Add(A.LoadMem(R3, R9, S.Tmp, Size.DW));
        c.Add(A.Jump("g_walk"));

        // A walk seeded with one PC (r2) and its frame pointer (r3).
        c.Add(A.Label("g_walk_first"));
        c.Add(A.StoreMem(R9, rec + L.Pcs, R2, Size.DW));
        c.Add(A.StoreImm(R9, S.WalkCount, 1, Size.DW));

        // r2 = the last PC so far, r3 = bp. A goroutine's outermost frame, runtime.goexit, is never reported.
        c.Add(A.Label("g_walk"));
        c.Add(A.LoadImm64(R4, (long)plan.GoexitStart));
        c.Add(A.JumpIf(JumpOp.Lt, R2, R4, "g_walk_loop"));
        c.Add(A.LoadImm64(R4, (long)plan.GoexitEnd));
        c.Add(A.JumpIf(JumpOp.Ge, R2, R4, "g_walk_loop"));
        c.Add(A.LoadMem(R1, R9, S.WalkCount, Size.DW));
        c.Add(A.Add64Imm(R1, -1));
        c.Add(A.StoreMem(R9, S.WalkCount, R1, Size.DW));
        c.Add(A.Jump("g_emit"));
        c.Add(A.Label("g_walk_loop"));
        c.Add(A.StoreMem(R9, S.WalkBp, R3, Size.DW));
        // One read of the stack from the first frame pointer up: the frame steps find their [saved bp, return
        // address] there without a helper call each.
        ReadStackChunk(c, rec, "g_stack");
        c.Add(A.Label("g_walk_setup"));
        c.Add(A.StoreImm(R9, S.WalkPrev, 0, Size.DW));
        c.Add(A.StoreImm(R9, S.WalkDone, 0, Size.DW));
        // Enough calls for every PC the record still has room for, and one step more, which tells a stack that
        // goes on (truncated) from one that ends right there.
        c.Add(A.LoadMem(R2, R9, S.WalkCount, Size.DW));
        c.Add(A.Mov64Imm(R1, plan.WalkFrames));
        c.Add(A.Sub64(R1, R2));
        c.Add(A.JumpIfImm(JumpOp.SGe, R1, 0, "g_walk_call"));
        c.Add(A.Mov64Imm(R1, 0));
        c.Add(A.Label("g_walk_call"));
        c.Add(A.Rsh64Imm(R1, System.Numerics.BitOperations.Log2(StepsPerCall)));
        c.Add(A.Add64Imm(R1, 1));
        BpfFunctions.Loop(c, "frame_loop");
        c.Add(A.LoadMem(R1, R9, S.WalkDone, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Ne, R1, 0, "g_emit"));
        OrFlag(c, rec, GoroutineFlags.Truncated);

        // Emit header + count PCs; the bound keeps the verifier's view of the size inside the scratch value.
        c.Add(A.Label("g_emit"));
        c.Add(A.LoadMem(R3, R9, S.WalkCount, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Le, R3, plan.WalkFrames, "g_emit_sized"));
        c.Add(A.Mov64Imm(R3, plan.WalkFrames));
        c.Add(A.Label("g_emit_sized"));
        c.Add(A.StoreMem(R9, rec + L.FrameCount, R3, Size.W));
        c.Add(A.Lsh64Imm(R3, 3));
        c.Add(A.Add64Imm(R3, L.HeaderSize));
        EmitIfRoom(c, plan, rec, "g_dropped");
        Increment(c, S.Emitted);
        c.Add(A.Jump("g_continue"));
        c.Add(A.Label("g_dropped"));
        Increment(c, S.Dropped);
        CountStatsDrop(c);
        c.Add(A.Jump("g_continue"));
        c.Add(A.Label("g_unreadable"));
        Increment(c, S.Unreadable);
        c.Add(A.Label("g_continue"));
        c.Add(A.Mov64Imm(R0, 0));
        c.Add(A.Exit());
    }

    /// <summary>
    /// A running goroutine, r6 = pc, r7 = sp, r8 = bp from ptrace. On its own stack: send the words at sp in a
    /// thread-stack record (the decoder finds the return address there with the pcsp frame size, which needs the
    /// binary) and walk the frame-pointer chain from bp. On g0 inside runtime.systemstack, g.sched holds where the
    /// goroutine left its stack; anywhere else (a signal stack) only the pc is known.
    /// </summary>
    static void RunningFromRegisters(Instructions c, ProbePlan plan, ScratchLayout scratch)
    {
        var rec = scratch.Record;
        var ts = scratch.ThreadStack;
        c.Add(A.LoadMem(R1, R9, rec + L.StackLo, Size.DW));
        c.Add(A.JumpIf(JumpOp.Lt, R7, R1, "g_off_stack"));
        c.Add(A.LoadMem(R1, R9, rec + L.StackHi, Size.DW));
        c.Add(A.JumpIf(JumpOp.Ge, R7, R1, "g_off_stack"));

        c.Add(A.StoreImm(R9, ts + L.Kind, (int)L.ThreadStackKind, Size.W));
        c.Add(A.StoreImm(R9, ts + L.Flags, 0, Size.W));
        Copy(c, rec + L.GAddress, ts + L.ThreadGAddress);
        Copy(c, rec + L.ThreadId, ts + L.ThreadTid);
        c.Add(A.StoreMem(R9, ts + L.ThreadPc, R6, Size.DW));
        c.Add(A.StoreMem(R9, ts + L.ThreadSp, R7, Size.DW));
        c.Add(A.StoreMem(R9, ts + L.ThreadBp, R8, Size.DW));
        c.Add(A.StoreImm(R9, ts + L.ThreadReserved, 0, Size.W));
        // length = min(window, stack.hi - sp); the explicit bound is what the verifier needs for both helpers.
        c.Add(A.LoadMem(R2, R9, rec + L.StackHi, Size.DW));
        c.Add(A.Sub64(R2, R7));
        c.Add(A.JumpIfImm(JumpOp.Le, R2, plan.StackWindowBytes, "g_window_sized"));
        c.Add(A.Mov64Imm(R2, plan.StackWindowBytes));
        c.Add(A.Label("g_window_sized"));
        c.Add(A.StoreMem(R9, ts + L.ThreadLength, R2, Size.W));
        c.Add(A.Mov64(R3, R7));
        c.Add(A.Mov64(R1, R9));
        c.Add(A.Add64Imm(R1, ts + L.ThreadStackHeaderSize));
        c.Add(A.Call(BpfHelper.ProbeReadUser));
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "g_no_window"));
        c.Add(A.LoadMem(R3, R9, ts + L.ThreadLength, Size.W));
        c.Add(A.JumpIfImm(JumpOp.Gt, R3, plan.StackWindowBytes, "g_no_window"));
        c.Add(A.Add64Imm(R3, L.ThreadStackHeaderSize));
        EmitIfRoom(c, plan, ts, "g_no_window");
        c.Add(A.Jump("g_running_walk"));
        c.Add(A.Label("g_no_window"));
        OrFlag(c, rec, GoroutineFlags.NoStackWindow);
        c.Add(A.Label("g_running_walk"));
        c.Add(A.Mov64(R2, R6));
        c.Add(A.Mov64(R3, R8));
        c.Add(A.Jump("g_walk_first"));

        c.Add(A.Label("g_off_stack"));
        LoadG(c, R2, plan.SchedPc);
        c.Add(A.LoadImm64(R4, (long)plan.SystemstackSwitchStart));
        c.Add(A.JumpIf(JumpOp.Lt, R2, R4, "g_pc_only"));
        c.Add(A.LoadImm64(R4, (long)plan.SystemstackSwitchEnd));
        c.Add(A.JumpIf(JumpOp.Ge, R2, R4, "g_pc_only"));
        OrFlag(c, rec, GoroutineFlags.OnSystemStack);
        LoadG(c, R2, plan.SchedPc);
        LoadG(c, R3, plan.SchedBp);
        c.Add(A.Jump("g_walk_first"));
        c.Add(A.Label("g_pc_only"));
        OrFlag(c, rec, GoroutineFlags.OffStack);
        c.Add(A.StoreMem(R9, rec + L.Pcs, R6, Size.DW));
        c.Add(A.StoreImm(R9, S.WalkCount, 1, Size.DW));
        c.Add(A.Jump("g_emit"));
    }

    /// <summary>
    /// bpf_ringbuf_output(events, scratch + <paramref name="offset"/>, r3 bytes), falling through when sent and
    /// jumping to <paramref name="refused"/> when not. Keeps room for the summary: a record goes out only if,
    /// after it, what this run has put in the ring (counted in scratch, starting from what was there, so an
    /// upper bound whatever the reader consumed meanwhile) still leaves space for the summary record, so the
    /// summary always arrives and counts what was dropped. No wakeup: the reader is woken once, by the summary.
    /// r3 must be verifier-bounded; clobbers r0-r5, r7.
}
