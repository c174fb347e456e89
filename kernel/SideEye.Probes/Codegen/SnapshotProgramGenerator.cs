using SideEye.Bpf;
using SideEye.Bpf.Asm;
using SideEye.Loader.Run;
using SideEye.Probes.Capture;
using SideEye.Probes.Planning;
using SideEye.Probes.Records;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;
using L = SideEye.Probes.Records.RecordLayout;
using S = SideEye.Probes.Codegen.ScratchLayout;

namespace SideEye.Probes.Codegen;

/// <summary>
/// Plan → BPF. The program is a uprobe on runtime.sigtramp filtered to one thread of the target, so it runs in
/// the target's own context when that thread takes a signal: bpf_probe_read_user is a plain copy from the
/// current mm, no page-table walk of another process. Userspace arms it (control[0] = generation) and then
/// tgkill()s SIGURG, the runtime's own preemption signal, which Go tolerates at any time. Because the runtime
/// also sends SIGURG by itself, an unarmed hit exits at once; an armed one disarms first, so a second signal
/// during the walk cannot start a second walk.
/// Why not a sleepable task iterator (iter.s/task with bpf_copy_from_user_task), which needs no signal: measured
/// on this project's 6.18 machine, each bpf_copy_from_user_task costs about 420 ns against about 64 ns for
/// bpf_probe_read_user in the target's own context, and a snapshot is nothing but reads (this program spends
/// about 0.46 µs a goroutine in all: 4.6 ms for 10,000). The price: reads do not fault pages in, so memory that is
/// not resident is counted as unreadable (summary, flags), never guessed. Minimum kernel 5.17 (bpf_loop and
/// callbacks; ring buffer 5.8), checked through the job's RequiredFeatures before anything is loaded.
///
/// Shape (three functions, all state in one per-CPU scratch value, see <see cref="ScratchLayout"/>):
/// <list type="bullet">
/// <item>main: disarm, read runtime.allgs/allglen, bpf_loop(min(allglen, MaxGoroutines), g_body), emit the summary.</item>
/// <item>g_body(i): copy allgs[i] (the whole g, GSize bytes) into scratch, skip idle/dead, fill the record header,
/// pick where the walk starts (sched pc/bp; syscallpc/bp; or pc/bp from thread_regs for a running g, sending the
/// stack words at its sp in a thread-stack record first), bpf_loop(MaxFrames - n, frame_body), then
/// bpf_ringbuf_output the record, counting a refusal instead of dropping silently.</item>
/// <item>frame_body: one frame-pointer step, the rules of FramePointerUnwinder.Walk: bp must be non-zero, in
/// [stack.lo, stack.hi - 16], 8-aligned and above the previous bp; the return address must be in text and not
/// in runtime.goexit. Returning 1 (stop) sets WalkDone; running out of iterations means the stack was longer.</item>
/// </list>
/// bpf_loop (5.17) instead of verifier-unrolled loops keeps the program small and the verifier's work constant
/// whatever MaxFrames is. bpf_loop only passes a stack pointer as the callback context, so each caller spills the
/// scratch pointer to its own stack and the callback reloads it (the verifier tracks spilled map-value pointers).
/// Differences from the C# reference, by necessity: "is a function" is "is inside [TextStart, TextEnd)" (no
/// pclntab search in BPF); a syscall's first frame takes its pcsp frame size from pc_spdelta, precomputed for
/// every return site of entersyscall; and a running goroutine's caller, which may not be on the frame-pointer
/// chain yet, is left to the decoder (the thread-stack record). Nothing in the program depends on a lookup made
/// during the pause. Every stop condition is checked before the frame's PC is recorded, so a walk that ends
/// early is never marked truncated.
/// Drops: before each goroutine record the program asks bpf_ringbuf_query how much is unconsumed and drops
/// (counting) rather than take the room the summary needs, so the summary always arrives and carries the count.
/// </summary>
public static class SnapshotProgramGenerator
{
    public const string ProgramName = "sideeye_snap";

    public static SnapshotProgram Generate(ProbePlan plan) => Generate(plan, null);

    /// <summary>The program, with the capture part when <paramref name="captures"/> has expressions (load bias from the plan).</summary>
    public static SnapshotProgram Generate(ProbePlan plan, CapturePlan? captures)
    {
        if (plan.MaxFrames is < 2 or > ProbePlan.MaxMaxFrames)
            throw new ArgumentException($"MaxFrames {plan.MaxFrames} is outside 2..{ProbePlan.MaxMaxFrames}", nameof(plan));
        var scratch = new ScratchLayout(plan.GSize, plan.MaxFrames, plan.StackWindowBytes);
        var code = new Instructions();
        var capture = captures is { IsEmpty: false } ? new CaptureCodegen(captures, plan.LoadBias) : null;
        Main(code, plan, capture);
        GBody(code, plan, scratch, capture is not null);
        FrameBody(code, plan, scratch, capture);
        if (plan.LabelsLayout != PprofLabelsLayout.None) LabelsBody(code, scratch);
        capture?.Functions(code, new ProbePlanView(plan.RingBufferBytes));
        var maps = new List<MapSpec>
        {
            new(SnapshotProgram.ControlMap, MapType.Array, 4, 8, 1),
            new(SnapshotProgram.StatsMap, MapType.Array, 4, 16, 1),
            new(SnapshotProgram.ScratchMap, MapType.PerCpuArray, 4, (uint)scratch.Size, 1),
            MapSpec.RingBuf(SnapshotProgram.EventsMap, plan.RingBufferBytes),
            new(SnapshotProgram.ThreadRegsMap, MapType.Hash, 4, ThreadRegisters.Size, (uint)plan.MaxThreads),
            new(SnapshotProgram.SpDeltaMap, MapType.Hash, 8, 8, (uint)Math.Max(1, plan.SyscallSpDeltas.Count)),
        };
        if (capture is not null) maps.AddRange(capture.Maps());
        return new SnapshotProgram(new ProgramSpec(ProgramName, ProgramType.Kprobe, code), maps, capture?.Entries().ToArray() ?? []);
    }

    static void Main(Instructions c, ProbePlan plan, CaptureCodegen? capture)
    {
        // Count every hit (stats[1]), then disarm: a zero control word means "not ours" (the runtime's own SIGURGs).
        c.Add(A.LoadMapValue(R1, SnapshotProgram.StatsMap, 0));
        c.Add(A.Mov64Imm(R2, 1));
        c.Add(A.AtomicAdd(R1, 8, R2, Size.DW));
        c.Add(A.LoadMapValue(R1, SnapshotProgram.ControlMap, 0));
        c.Add(A.LoadMem(R8, R1, 0, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R8, 0, "main_exit"));
        c.Add(A.StoreImm(R1, 0, 0, Size.DW));

        c.Add(A.StoreImm(R10, -4, 0, Size.W));
        c.Add(A.LoadMapPtr(R1, SnapshotProgram.ScratchMap));
        c.Add(A.Mov64(R2, R10));
        c.Add(A.Add64Imm(R2, -4));
        c.Add(A.Call(BpfHelper.MapLookupElem));
        c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, "main_exit"));
        c.Add(A.Mov64(R9, R0));

        foreach (var off in new[] { S.Seen, S.Emitted, S.Dropped, S.AllGsArray, S.AllGLen, S.SummaryFlags, S.Unreadable })
            c.Add(A.StoreImm(R9, off, 0, Size.DW));
        c.Add(A.StoreMem(R9, S.Generation, R8, Size.DW));
        c.Add(A.Call(BpfHelper.KtimeGetNs));
        c.Add(A.StoreMem(R9, S.StartNs, R0, Size.DW));
        // What is already in the ring (normally nothing: the runner empties it first); from here on the program
        // counts what it adds itself instead of asking the ring before every record.
        c.Add(A.LoadMapPtr(R1, SnapshotProgram.EventsMap));
        c.Add(A.Mov64Imm(R2, RingBufAvailData));
        c.Add(A.Call(BpfHelper.RingbufQuery));
        c.Add(A.StoreMem(R9, S.RingUsed, R0, Size.DW));
        capture?.StartOfRun(c);

        // allgs is a slice: its first word is the array pointer. Both reads zero the destination on failure.
        ReadUser(c, S.AllGsArray, 8, plan.AllGs);
        c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, "main_allglen"));
        SummaryFlag(c, SummaryFlags.AllGsUnreadable);
        c.Add(A.Jump("main_summary"));
        c.Add(A.Label("main_allglen"));
        ReadUser(c, S.AllGLen, 8, plan.AllGLen);
        c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, "main_clamp"));
        SummaryFlag(c, SummaryFlags.AllGsUnreadable);
        c.Add(A.Jump("main_summary"));
        c.Add(A.Label("main_clamp"));
        c.Add(A.LoadMem(R1, R9, S.AllGLen, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Le, R1, plan.MaxGoroutines, "main_loop"));
        SummaryFlag(c, SummaryFlags.Clamped);
        c.Add(A.Mov64Imm(R1, plan.MaxGoroutines));
        c.Add(A.Label("main_loop"));
        Loop(c, "g_body", -16);

        c.Add(A.Label("main_summary"));
        capture?.EndOfRun(c);
        const int sum = S.Summary;
        c.Add(A.StoreImm(R9, sum + L.Kind, (int)L.SummaryKind, Size.W));
        c.Add(A.LoadMem(R1, R9, S.SummaryFlags, Size.DW));
        c.Add(A.StoreMem(R9, sum + L.Flags, R1, Size.W));
        Copy(c, S.AllGLen, sum + L.SummaryAllGLen);
        Copy(c, S.Seen, sum + L.SummarySeen);
        Copy(c, S.Unreadable, sum + L.SummaryUnreadable);
        Copy(c, S.Emitted, sum + L.SummaryEmitted);
        Copy(c, S.Dropped, sum + L.SummaryDropped);
        Copy(c, S.StartNs, sum + L.SummaryStartNs);
        Copy(c, S.Generation, sum + L.SummaryGeneration);
        c.Add(A.Call(BpfHelper.KtimeGetNs));
        c.Add(A.StoreMem(R9, sum + L.SummaryEndNs, R0, Size.DW));
        c.Add(A.LoadMapPtr(R1, SnapshotProgram.EventsMap));
        c.Add(A.Mov64(R2, R9));
        c.Add(A.Add64Imm(R2, sum));
        c.Add(A.Mov64Imm(R3, L.SummarySize));
        c.Add(A.Mov64Imm(R4, RingBufForceWakeup));
        c.Add(A.Call(BpfHelper.RingbufOutput));
        c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, "main_exit"));
        CountStatsDrop(c);
        c.Add(A.Label("main_exit"));
        c.Add(A.Mov64Imm(R0, 0));
        c.Add(A.Exit());
    }

    /// <summary>long g_body(u64 index, scratch **s): one goroutine. r9 = scratch, r7 = g, r6/r8 walk registers.</summary>
    static void GBody(Instructions c, ProbePlan plan, ScratchLayout scratch, bool captures)
    {
        var rec = scratch.Record;
        c.Add(A.Label("g_body"));
        c.Add(A.LoadMem(R9, R2, 0, Size.DW));
        c.Add(A.Mov64(R6, R1));
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
        CopyG(c, plan.Goid, rec + L.Goid, Size.DW);
        CopyG(c, plan.WaitReason, rec + L.WaitReason, Size.W);
        CopyG(c, plan.WaitSince, rec + L.WaitSince, Size.DW);
        CopyG(c, plan.M, rec + L.M, Size.DW);
        CopyG(c, plan.GoPc, rec + L.GoPc, Size.DW);
        CopyG(c, plan.StartPc, rec + L.StartPc, Size.DW);
        if (plan.ParentGoid is { } parent) CopyG(c, parent, rec + L.ParentGoid, Size.DW);
        else c.Add(A.StoreImm(R9, rec + L.ParentGoid, 0, Size.DW));
        CopyG(c, plan.StackLo, rec + L.StackLo, Size.DW);
        CopyG(c, plan.StackHi, rec + L.StackHi, Size.DW);
        CopyG(c, plan.SchedPc, rec + L.SchedPc, Size.DW);
        CopyG(c, plan.SchedSp, rec + L.SchedSp, Size.DW);
        CopyG(c, plan.SchedBp, rec + L.SchedBp, Size.DW);
        CopyG(c, plan.SyscallPc, rec + L.SyscallPc, Size.DW);
        CopyG(c, plan.SyscallSp, rec + L.SyscallSp, Size.DW);
        if (plan.SyscallBp is { } sbp) CopyG(c, sbp, rec + L.SyscallBp, Size.DW);
        else c.Add(A.StoreImm(R9, rec + L.SyscallBp, 0, Size.DW));
        CopyG(c, plan.Labels, rec + L.Labels, Size.DW);
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
        // One read of the stack from the first frame pointer up (min(chunk, stack.hi - bp) bytes): the frame
        // steps find their [saved bp, return address] there without a helper call each.
        c.Add(A.StoreImm(R9, S.ChunkLength, 0, Size.DW));
        c.Add(A.StoreMem(R9, S.ChunkBase, R3, Size.DW));
        c.Add(A.LoadMem(R1, R9, rec + L.StackLo, Size.DW));
        c.Add(A.JumpIf(JumpOp.Lt, R3, R1, "g_walk_setup"));
        c.Add(A.LoadMem(R2, R9, rec + L.StackHi, Size.DW));
        c.Add(A.JumpIf(JumpOp.Ge, R3, R2, "g_walk_setup"));
        c.Add(A.Sub64(R2, R3));
        c.Add(A.JumpIfImm(JumpOp.Le, R2, S.StackChunkBytes, "g_chunk_read"));
        c.Add(A.Mov64Imm(R2, S.StackChunkBytes));
        c.Add(A.Label("g_chunk_read"));
        c.Add(A.StoreMem(R9, S.ChunkLength, R2, Size.DW));
        c.Add(A.Mov64(R1, R9));
        c.Add(A.Add64Imm(R1, S.StackChunk));
        c.Add(A.Call(BpfHelper.ProbeReadUser));
        c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, "g_walk_setup"));
        c.Add(A.StoreImm(R9, S.ChunkLength, 0, Size.DW));
        c.Add(A.Label("g_walk_setup"));
        c.Add(A.StoreImm(R9, S.WalkPrev, 0, Size.DW));
        c.Add(A.StoreImm(R9, S.WalkDone, 0, Size.DW));
        c.Add(A.LoadMem(R2, R9, S.WalkCount, Size.DW));
        c.Add(A.Mov64Imm(R1, plan.MaxFrames));
        c.Add(A.Sub64(R1, R2));
        c.Add(A.JumpIfImm(JumpOp.SGe, R1, 0, "g_walk_call"));
        c.Add(A.Mov64Imm(R1, 0));
        c.Add(A.Label("g_walk_call"));
        Loop(c, "frame_body", -8);
        c.Add(A.LoadMem(R1, R9, S.WalkDone, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Ne, R1, 0, "g_emit"));
        OrFlag(c, rec, GoroutineFlags.Truncated);

        // Emit header + count PCs; the bound keeps the verifier's view of the size inside the scratch value.
        c.Add(A.Label("g_emit"));
        if (captures) CaptureCodegen.GoroutineEnd(c, rec + L.Goid);
        c.Add(A.LoadMem(R3, R9, S.WalkCount, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Le, R3, plan.MaxFrames, "g_emit_sized"));
        c.Add(A.Mov64Imm(R3, plan.MaxFrames));
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
    /// </summary>
    static void EmitIfRoom(Instructions c, ProbePlan plan, int offset, string refused) => EmitIfRoom(c, plan.RingBufferBytes, R9, offset, refused);

    /// <summary>As above for a record at <paramref name="dataBase"/> + <paramref name="offset"/> (r9 must hold the snapshot scratch).</summary>
    internal static void EmitIfRoom(Instructions c, uint ringBufferBytes, Register dataBase, int offset, string refused)
    {
        c.Add(A.Mov64(R7, R3));
        // Ring space a record takes: 8-byte header, data rounded up to 8.
        c.Add(A.Add64Imm(R7, 8 + 7));
        c.Add(A.And64Imm(R7, ~7));
        c.Add(A.LoadMem(R0, R9, S.RingUsed, Size.DW));
        c.Add(A.Add64(R0, R7));
        c.Add(A.Add64Imm(R0, 8 + L.SummarySize));
        c.Add(A.LoadImm64(R1, ringBufferBytes));
        c.Add(A.JumpIf(JumpOp.Gt, R0, R1, refused));
        c.Add(A.LoadMapPtr(R1, SnapshotProgram.EventsMap));
        c.Add(A.Mov64(R2, dataBase));
        c.Add(A.Add64Imm(R2, offset));
        c.Add(A.Mov64Imm(R4, RingBufNoWakeup));
        c.Add(A.Call(BpfHelper.RingbufOutput));
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, refused));
        c.Add(A.LoadMem(R0, R9, S.RingUsed, Size.DW));
        c.Add(A.Add64(R0, R7));
        c.Add(A.StoreMem(R9, S.RingUsed, R0, Size.DW));
    }

    /// <summary>
    /// pprof labels, when g.labels is set: gather up to MaxLabels (key, value) string headers into LabelPairs,
    /// from the []label of Go 1.24+ or the single bucket of a Go 1.19–1.23 map[string]string (a map with more
    /// than one bucket, which takes more than 8 labels, is not read: flagged), then copy the strings with
    /// bpf_loop(labels_body) and send a labels record ahead of the goroutine record. Clobbers r0-r7; reloads r8
    /// (the status) for the code after it.
    /// </summary>
    static void Labels(Instructions c, ProbePlan plan, ScratchLayout scratch)
    {
        var rec = scratch.Record;
        var pairs = scratch.LabelPairs;
        var bucket = scratch.LabelBucket;
        c.Add(A.LoadMem(R3, R9, rec + L.Labels, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R3, 0, "g_labels_done"));
        c.Add(A.Mov64Imm(R6, 0));
        if (plan.LabelsLayout == PprofLabelsLayout.LabelSlice)
        {
            ReadUserFromReg(c, S.Tmp, 16, R3);           // labelMap starts with list: array pointer, length
            c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "g_labels_unread"));
            c.Add(A.LoadMem(R6, R9, S.Tmp + 8, Size.DW));
            c.Add(A.JumpIfImm(JumpOp.Le, R6, L.MaxLabels, "g_labels_counted"));
            OrFlag(c, rec, GoroutineFlags.LabelsUnread);
            c.Add(A.Mov64Imm(R6, L.MaxLabels));
            c.Add(A.Label("g_labels_counted"));
            c.Add(A.JumpIfImm(JumpOp.Eq, R6, 0, "g_labels_done"));
            c.Add(A.Mov64(R2, R6));
            c.Add(A.Lsh64Imm(R2, 5));
            c.Add(A.LoadMem(R3, R9, S.Tmp, Size.DW));
            c.Add(A.Mov64(R1, R9));
            c.Add(A.Add64Imm(R1, pairs));
            c.Add(A.Call(BpfHelper.ProbeReadUser));
            c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "g_labels_unread"));
        }
        else
        {
            ReadUserFromReg(c, S.Tmp, 8, R3);            // *labelMap: the map, a pointer to its hmap
            c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "g_labels_unread"));
            c.Add(A.LoadMem(R3, R9, S.Tmp, Size.DW));
            c.Add(A.JumpIfImm(JumpOp.Eq, R3, 0, "g_labels_done"));
            ReadUserFromReg(c, bucket, 32, R3);          // hmap: count, flags, B, …, buckets, oldbuckets
            c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "g_labels_unread"));
            c.Add(A.LoadMem(R1, R9, bucket + 0, Size.DW));
            c.Add(A.JumpIfImm(JumpOp.Eq, R1, 0, "g_labels_done"));
            c.Add(A.LoadMem(R1, R9, bucket + 9, Size.B));
            c.Add(A.JumpIfImm(JumpOp.Ne, R1, 0, "g_labels_unread"));
            c.Add(A.LoadMem(R1, R9, bucket + 24, Size.DW));
            c.Add(A.JumpIfImm(JumpOp.Ne, R1, 0, "g_labels_unread"));
            c.Add(A.LoadMem(R3, R9, bucket + 16, Size.DW));
            ReadUserFromReg(c, bucket, ScratchLayout.MapBucketSize, R3);
            c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "g_labels_unread"));
            // Slots whose tophash is at least minTopHash (5) hold an entry.
            for (var j = 0; j < L.MaxLabels; j++)
            {
                c.Add(A.LoadMem(R1, R9, bucket + j, Size.B));
                c.Add(A.JumpIfImm(JumpOp.Lt, R1, 5, $"g_label_skip{j}"));
                c.Add(A.JumpIfImm(JumpOp.Gt, R6, L.MaxLabels - 1, "g_labels_unread"));
                c.Add(A.Mov64(R2, R6));
                c.Add(A.Lsh64Imm(R2, 5));
                c.Add(A.Add64(R2, R9));
                foreach (var (from, to) in new[] { (8 + 16 * j, 0), (16 + 16 * j, 8), (136 + 16 * j, 16), (144 + 16 * j, 24) })
                {
                    c.Add(A.LoadMem(R1, R9, bucket + from, Size.DW));
                    c.Add(A.StoreMem(R2, pairs + to, R1, Size.DW));
                }
                c.Add(A.Add64Imm(R6, 1));
                c.Add(A.Label($"g_label_skip{j}"));
            }
            c.Add(A.JumpIfImm(JumpOp.Eq, R6, 0, "g_labels_done"));
        }
        var lr = scratch.Labels;
        c.Add(A.StoreImm(R9, lr + L.Kind, (int)L.LabelsKind, Size.W));
        c.Add(A.StoreImm(R9, lr + L.Flags, 0, Size.W));
        Copy(c, rec + L.GAddress, lr + L.LabelsGAddress);
        c.Add(A.StoreMem(R9, lr + L.LabelsCount, R6, Size.W));
        c.Add(A.StoreImm(R9, lr + L.LabelsReserved, 0, Size.W));
        c.Add(A.Mov64(R1, R6));
        Loop(c, "labels_body", -24);
        c.Add(A.JumpIfImm(JumpOp.Gt, R6, L.MaxLabels, "g_labels_unread"));
        c.Add(A.Mov64(R3, R6));
        c.Add(A.Mul64Imm(R3, L.LabelSlotSize));
        c.Add(A.Add64Imm(R3, L.LabelsHeaderSize));
        EmitIfRoom(c, plan, lr, "g_labels_unread");
        c.Add(A.Jump("g_labels_done"));
        c.Add(A.Label("g_labels_unread"));
        OrFlag(c, rec, GoroutineFlags.LabelsUnread);
        c.Add(A.Label("g_labels_done"));
        c.Add(A.LoadMem(R8, R9, rec + L.Status, Size.W));
    }

    /// <summary>long labels_body(u64 i, scratch **s): copies label i's key and value (bounded) into its slot.</summary>
    static void LabelsBody(Instructions c, ScratchLayout scratch)
    {
        var slots = scratch.Labels + L.LabelsHeaderSize;
        c.Add(A.Label("labels_body"));
        c.Add(A.LoadMem(R9, R2, 0, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Gt, R1, L.MaxLabels - 1, "labels_stop"));
        c.Add(A.Mov64(R6, R1));
        c.Add(A.Lsh64Imm(R6, 5));
        c.Add(A.Add64(R6, R9));                        // r6 + LabelPairs: this label's two string headers
        c.Add(A.Mul64Imm(R1, L.LabelSlotSize));
        c.Add(A.Add64(R1, R9));
        c.Add(A.Mov64(R7, R1));                        // r7 + slots: this label's slot
        foreach (var (header, lengthAt, bytesAt, capacity) in new[] { (0, 0, 8, L.LabelKeyBytes), (16, 4, 8 + L.LabelKeyBytes, L.LabelValueBytes) })
        {
            c.Add(A.LoadMem(R2, R6, scratch.LabelPairs + header + 8, Size.DW));
            c.Add(A.StoreMem(R7, slots + lengthAt, R2, Size.W));
            c.Add(A.JumpIfImm(JumpOp.Le, R2, capacity, $"labels_sized{header}"));
            c.Add(A.Mov64Imm(R2, capacity));
            c.Add(A.Label($"labels_sized{header}"));
            c.Add(A.LoadMem(R3, R6, scratch.LabelPairs + header, Size.DW));
            c.Add(A.Mov64(R1, R7));
            c.Add(A.Add64Imm(R1, slots + bytesAt));
            c.Add(A.Call(BpfHelper.ProbeReadUser));
            c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, $"labels_read{header}"));
            OrFlag(c, scratch.Record, GoroutineFlags.LabelsUnread);
            c.Add(A.Label($"labels_read{header}"));
        }
        c.Add(A.Mov64Imm(R0, 0));
        c.Add(A.Exit());
        c.Add(A.Label("labels_stop"));
        c.Add(A.Mov64Imm(R0, 1));
        c.Add(A.Exit());
    }

    /// <summary>long frame_body(u64 index, scratch **s): one frame-pointer step; returns 1 to stop.</summary>
    static void FrameBody(Instructions c, ProbePlan plan, ScratchLayout scratch, CaptureCodegen? capture)
    {
        var rec = scratch.Record;
        c.Add(A.Label("frame_body"));
        c.Add(A.LoadMem(R9, R2, 0, Size.DW));
        c.Add(A.LoadMem(R6, R9, S.WalkBp, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R6, 0, "frame_stop"));
        c.Add(A.LoadMem(R1, R9, rec + L.StackLo, Size.DW));
        c.Add(A.JumpIf(JumpOp.Lt, R6, R1, "frame_stop"));
        c.Add(A.Mov64(R1, R6));
        c.Add(A.Add64Imm(R1, 16));
        c.Add(A.LoadMem(R2, R9, rec + L.StackHi, Size.DW));
        c.Add(A.JumpIf(JumpOp.Gt, R1, R2, "frame_stop"));
        c.Add(A.Mov64(R1, R6));
        c.Add(A.And64Imm(R1, 7));
        c.Add(A.JumpIfImm(JumpOp.Ne, R1, 0, "frame_stop"));
        c.Add(A.LoadMem(R1, R9, S.WalkPrev, Size.DW));
        c.Add(A.JumpIf(JumpOp.Le, R6, R1, "frame_stop"));
        capture?.CheckFrame(c, rec + L.Pcs, plan.MaxFrames);
        // [saved bp, return address] from the chunk when it holds them, else one read.
        c.Add(A.Mov64(R1, R6));
        c.Add(A.LoadMem(R2, R9, S.ChunkBase, Size.DW));
        c.Add(A.JumpIf(JumpOp.Lt, R1, R2, "frame_read"));
        c.Add(A.Sub64(R1, R2));
        c.Add(A.LoadMem(R2, R9, S.ChunkLength, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Lt, R2, 16, "frame_read"));
        c.Add(A.Add64Imm(R2, -16));
        c.Add(A.JumpIf(JumpOp.Gt, R1, R2, "frame_read"));
        c.Add(A.JumpIfImm(JumpOp.Gt, R1, S.StackChunkBytes - 16, "frame_read"));
        c.Add(A.Add64(R1, R9));
        c.Add(A.LoadMem(R2, R1, S.StackChunk, Size.DW));
        c.Add(A.StoreMem(R9, S.Tmp, R2, Size.DW));
        c.Add(A.LoadMem(R7, R1, S.StackChunk + 8, Size.DW));
        c.Add(A.StoreMem(R9, S.Tmp + 8, R7, Size.DW));
        c.Add(A.Jump("frame_check"));
        c.Add(A.Label("frame_read"));
        c.Add(A.Mov64(R3, R6));
        ReadUserFromReg(c, S.Tmp, 16, R3);
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "frame_unreadable"));
        c.Add(A.LoadMem(R7, R9, S.Tmp + 8, Size.DW));
        c.Add(A.Label("frame_check"));
        InText(c, plan, R7, "frame_stop");
        c.Add(A.LoadImm64(R4, (long)plan.GoexitStart));
        c.Add(A.JumpIf(JumpOp.Lt, R7, R4, "frame_keep"));
        c.Add(A.LoadImm64(R4, (long)plan.GoexitEnd));
        c.Add(A.JumpIf(JumpOp.Lt, R7, R4, "frame_stop"));
        c.Add(A.Label("frame_keep"));
        c.Add(A.LoadMem(R1, R9, S.WalkCount, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Ge, R1, plan.MaxFrames, "frame_stop"));
        c.Add(A.Mov64(R2, R1));
        c.Add(A.Lsh64Imm(R2, 3));
        c.Add(A.Add64(R2, R9));
        c.Add(A.StoreMem(R2, rec + L.Pcs, R7, Size.DW));
        c.Add(A.Add64Imm(R1, 1));
        c.Add(A.StoreMem(R9, S.WalkCount, R1, Size.DW));
        c.Add(A.StoreMem(R9, S.WalkPrev, R6, Size.DW));
        c.Add(A.LoadMem(R1, R9, S.Tmp, Size.DW));
        c.Add(A.StoreMem(R9, S.WalkBp, R1, Size.DW));
        c.Add(A.Mov64Imm(R0, 0));
        c.Add(A.Exit());
        c.Add(A.Label("frame_unreadable"));
        OrFlag(c, rec, GoroutineFlags.StackUnreadable);
        c.Add(A.Label("frame_stop"));
        c.Add(A.StoreImm(R9, S.WalkDone, 1, Size.DW));
        c.Add(A.Mov64Imm(R0, 1));
        c.Add(A.Exit());
    }

    /// <summary>Jumps to <paramref name="outside"/> unless TextStart &lt;= reg &lt; TextEnd (0 is outside too). Clobbers r4.</summary>
    static void InText(Instructions c, ProbePlan plan, Register reg, string outside)
    {
        c.Add(A.JumpIfImm(JumpOp.Eq, reg, 0, outside));
        c.Add(A.LoadImm64(R4, (long)plan.TextStart));
        c.Add(A.JumpIf(JumpOp.Lt, reg, R4, outside));
        c.Add(A.LoadImm64(R4, (long)plan.TextEnd));
        c.Add(A.JumpIf(JumpOp.Ge, reg, R4, outside));
    }

    /// <summary>
    /// bpf_loop(r1 iterations, callback, &amp;slot): the callback's context is a stack slot of this function's
    /// frame holding the scratch pointer (bpf_loop passes only a stack pointer; each function level has its own
    /// slot, <paramref name="slot"/> bytes below r10).
    /// </summary>
    internal static void Loop(Instructions c, string callback, int slot)
    {
        c.Add(A.StoreMem(R10, slot, R9, Size.DW));
        c.Add(A.LoadFuncPtr(R2, callback));
        c.Add(A.Mov64(R3, R10));
        c.Add(A.Add64Imm(R3, slot));
        c.Add(A.Mov64Imm(R4, 0));
        c.Add(A.Call(BpfHelper.Loop));
    }

    static void ReadUser(Instructions c, int scratchOffset, int size, ulong address)
    {
        c.Add(A.LoadImm64(R3, (long)address));
        ReadUserFromReg(c, scratchOffset, size, R3);
    }

    /// <summary>bpf_probe_read_user(scratch + offset, size, r3); r0 = 0 on success.</summary>
    static void ReadUserFromReg(Instructions c, int scratchOffset, int size, Register source)
    {
        if (source != R3) c.Add(A.Mov64(R3, source));
        c.Add(A.Mov64(R1, R9));
        c.Add(A.Add64Imm(R1, scratchOffset));
        c.Add(A.Mov64Imm(R2, size));
        c.Add(A.Call(BpfHelper.ProbeReadUser));
    }

    static void LoadG(Instructions c, Register dst, GFieldPlan field) =>
        c.Add(A.LoadMem(dst, R9, S.G + field.Offset, SizeOf(field)));

    static void CopyG(Instructions c, GFieldPlan field, int recordOffset, Size storeSize)
    {
        LoadG(c, R1, field);
        c.Add(A.StoreMem(R9, recordOffset, R1, storeSize));
    }

    static void Copy(Instructions c, int from, int to)
    {
        c.Add(A.LoadMem(R1, R9, from, Size.DW));
        c.Add(A.StoreMem(R9, to, R1, Size.DW));
    }

    static void Increment(Instructions c, int offset)
    {
        c.Add(A.LoadMem(R1, R9, offset, Size.DW));
        c.Add(A.Add64Imm(R1, 1));
        c.Add(A.StoreMem(R9, offset, R1, Size.DW));
    }

    static void OrFlag(Instructions c, int record, GoroutineFlags flag)
    {
        c.Add(A.LoadMem(R1, R9, record + L.Flags, Size.W));
        c.Add(A.Alu64Imm(AluOp.Or, R1, (int)flag));
        c.Add(A.StoreMem(R9, record + L.Flags, R1, Size.W));
    }

    /// <summary>BPF_RB_AVAIL_DATA: bpf_ringbuf_query's "bytes not yet consumed".</summary>
    const int RingBufAvailData = 0;
    /// <summary>BPF_RB_NO_WAKEUP / BPF_RB_FORCE_WAKEUP: bpf_ringbuf_output flags.</summary>
    const int RingBufNoWakeup = 1, RingBufForceWakeup = 2;

    static void SummaryFlag(Instructions c, SummaryFlags flag)
    {
        c.Add(A.LoadMem(R1, R9, S.SummaryFlags, Size.DW));
        c.Add(A.Alu64Imm(AluOp.Or, R1, (int)flag));
        c.Add(A.StoreMem(R9, S.SummaryFlags, R1, Size.DW));
    }

    static void CountStatsDrop(Instructions c)
    {
        c.Add(A.LoadMapValue(R1, SnapshotProgram.StatsMap, 0));
        c.Add(A.Mov64Imm(R2, 1));
        c.Add(A.AtomicAdd(R1, 0, R2, Size.DW));
    }

    static Size SizeOf(GFieldPlan field) => field.Size switch
    {
        1 => Size.B,
        2 => Size.H,
        4 => Size.W,
        8 => Size.DW,
        _ => throw new ArgumentException($"field {field.Name} has size {field.Size}"),
    };
}
