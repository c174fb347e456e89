using SideEye.Bpf;
using SideEye.Bpf.Asm;
using SideEye.GoRuntime.Layouts;
using SideEye.Loader.Contract;
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
/// bpf_probe_read_user in the target's own context, and a snapshot is nothing but reads. bpf_probe_read_user does
/// not fault pages in: a read that misses is retried with bpf_copy_from_user while the plan's fault budget lasts,
/// which makes the program a sleepable uprobe (Linux 6.0); whatever stays unread is counted (summary, flags), never
/// guessed (see <see cref="MissedReads"/>).
/// Minimum kernel 5.17 (bpf_loop and callbacks; ring buffer 5.8), 6.0 with a fault budget, checked through the
/// job's RequiredFeatures before anything is loaded.
///
/// Shape (global functions verified once each, see <see cref="BpfFunctions"/>; all state in two plain array map
/// values addressed directly, the snapshot scratch <see cref="ScratchLayout"/> and the capture scratch):
/// <list type="bullet">
/// <item>main: disarm, read runtime.allgs/allglen, bpf_loop(min(allglen, MaxGoroutines), g_body); then the
/// capture part's frames and gather queue; emit the summary.</item>
/// <item>g_body(i): copy allgs[i] (the whole g) into scratch, skip idle/dead, fill the record header, pick where
/// the walk starts (sched pc/bp; syscallpc/bp; or pc/bp from thread_regs for a running g, sending the stack words
/// at its sp in a thread-stack record first), copy the stack from there in one read, bpf_loop(frame_step), then
/// bpf_ringbuf_output the record, counting a refusal instead of dropping silently.</item>
/// <item>frame_step: one frame-pointer step, the rules of FramePointerUnwinder.Walk: bp must be non-zero, in
/// [stack.lo, stack.hi - 16], 8-aligned and above the previous bp; the return address must be in text and not
/// in runtime.goexit. The saved bp and return address come from the stack copy; a walk that leaves it copies
/// the next part of the stack once, so a deep stack costs a read per copy, not per frame.</item>
/// </list>
/// Differences from the C# reference, by necessity: "is a function" is "is inside [TextStart, TextEnd)" (no
/// pclntab search in BPF); a syscall's first frame takes its pcsp frame size from pc_spdelta, precomputed for
/// every return site of entersyscall; and a running goroutine's caller, which may not be on the frame-pointer
/// chain yet, is left to the decoder (the thread-stack record). Nothing in the program depends on a lookup made
/// during the pause. Every stop condition is checked before the frame's PC is recorded, so a walk that ends
/// early is never marked truncated. The walk keeps up to <see cref="ProbePlan.WalkFrames"/> PCs: the frame limit
/// counts frames as runtime.Stack shows them, which the decoder alone can tell.
/// Drops: the program counts what it adds to the ring and drops (counting) rather than take the room the summary
/// needs, so the summary always arrives and carries the count.
/// </summary>
public static partial class SnapshotProgramGenerator
{
    public const string ProgramName = "sideeye_snap";

    public static SnapshotProgram Generate(ProbePlan plan) => Generate(plan, null);

    /// <summary>The program, with the capture part when <paramref name="captures"/> has expressions (load bias from the plan).</summary>
    public static SnapshotProgram Generate(ProbePlan plan, CapturePlan? captures)
    {
        if (plan.MaxFrames is < ProbePlan.MinMaxFrames or > ProbePlan.MaxMaxFrames)
            throw new ArgumentException($"MaxFrames {plan.MaxFrames} is outside {ProbePlan.MinMaxFrames}..{ProbePlan.MaxMaxFrames}", nameof(plan));
        var scratch = new ScratchLayout(plan.GSize, plan.WalkFrames, plan.StackWindowBytes, plan.LabelMap?.ScratchBytes ?? 0);
        var code = new Instructions();
        var capture = captures is { IsEmpty: false } ? new CaptureCodegen(captures, plan.LoadBias) : null;
        Main(code, plan, capture);
        GoroutineBody(code, plan, scratch, capture is not null);
        FrameStep(code, plan, scratch, capture);
        if (plan.LabelsLayout != PprofLabelsLayout.None) LabelsCopy(code, scratch);
        capture?.Functions(code, new ProbePlanView(plan.RingBufferBytes, scratch.Record));
        code = MissedReads.Apply(code, plan.FaultBudgetNs);
        var maps = new List<MapSpec>
        {
            new(SnapshotProgram.ControlMap, MapType.Array, 4, 8, 1),
            new(SnapshotProgram.StatsMap, MapType.Array, 4, 16, 1),
            // A plain array, not per-CPU: the probe runs on one thread at a time, and only a plain array's value can
            // be addressed without a lookup, which is what lets every function find its state on its own.
            new(SnapshotProgram.ScratchMap, MapType.Array, 4, (uint)scratch.Size, 1),
            MapSpec.RingBuf(SnapshotProgram.EventsMap, plan.RingBufferBytes),
            new(SnapshotProgram.ThreadRegsMap, MapType.Hash, 4, ThreadRegisters.Size, (uint)plan.MaxThreads),
            new(SnapshotProgram.SpDeltaMap, MapType.Hash, 8, 8, (uint)Math.Max(1, plan.SyscallSpDeltas.Count)),
        };
        if (capture is not null) maps.AddRange(capture.Maps());
        return new SnapshotProgram(new ProgramSpec(ProgramName, ProgramType.Kprobe, code) { Sleepable = plan.FaultBudgetNs > 0 }, maps,
            capture?.Entries().ToArray() ?? []);
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

        Scratch(c);
        foreach (var off in new[] { S.Seen, S.Emitted, S.Dropped, S.AllGsArray, S.AllGLen, S.SummaryFlags, S.Unreadable })
            c.Add(A.StoreImm(R9, off, 0, Size.DW));
        c.Add(A.StoreMem(R9, S.Generation, R8, Size.DW));
        c.Add(A.Call(BpfHelper.KtimeGetNs));
        c.Add(A.StoreMem(R9, S.StartNs, R0, Size.DW));
        // With captures, the walk may fault pages in for half the budget and the captures (read after it) until its end:
        // an idle process whose every stack is paged out would otherwise spend it all on the walk.
        MissedReads.StartOfRun(c, capture is null ? plan.FaultBudgetNs : plan.FaultBudgetNs / 2);
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
        BpfFunctions.Loop(c, "g_loop");

        c.Add(A.Label("main_summary"));
        if (capture is not null) MissedReads.Deadline(c, plan.FaultBudgetNs);
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
        Copy(c, S.ReadsMissed, sum + L.SummaryReadsMissed);
        Copy(c, S.ReadsFaulted, sum + L.SummaryReadsFaulted);
        Copy(c, S.FaultNs, sum + L.SummaryFaultNs);
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

        BpfFunctions.Trampoline(c, "g_loop", "g_body", mayStop: false);
        BpfFunctions.Trampoline(c, "frame_loop", "frame_step", mayStop: true);
        if (plan.LabelsLayout != PprofLabelsLayout.None) BpfFunctions.Trampoline(c, "labels_loop", "labels_copy", mayStop: true);
        if (capture is not null) CaptureCodegen.Trampolines(c);
    }

    /// <summary>r9 = the snapshot scratch (its direct address: no lookup, never null).</summary>
    internal static void Scratch(Instructions c) => c.Add(A.LoadMapValue(R9, SnapshotProgram.ScratchMap, 0));

    /// <summary>Jumps to <paramref name="outside"/> unless TextStart &lt;= reg &lt; TextEnd (0 is outside too). Clobbers r4.</summary>
    static void InText(Instructions c, ProbePlan plan, Register reg, string outside)
    {
        c.Add(A.JumpIfImm(JumpOp.Eq, reg, 0, outside));
        c.Add(A.LoadImm64(R4, (long)plan.TextStart));
        c.Add(A.JumpIf(JumpOp.Lt, reg, R4, outside));
        c.Add(A.LoadImm64(R4, (long)plan.TextEnd));
        c.Add(A.JumpIf(JumpOp.Ge, reg, R4, outside));
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
}
