using System.Buffers.Binary;
using SideEye.Bpf;
using SideEye.Bpf.Asm;
using SideEye.Loader.Contract;
using SideEye.Probes.Capture;
using SideEye.Probes.Records;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;
using B = SideEye.Probes.Records.CaptureBatchLayout;
using C = SideEye.Probes.Codegen.CaptureScratchLayout;
using L = SideEye.Probes.Records.RecordLayout;
using S = SideEye.Probes.Codegen.ScratchLayout;

namespace SideEye.Probes.Codegen;

/// <summary>
/// The capture part of the snapshot program (<see cref="CapturePlan"/> → BPF), in the same program as the
/// goroutine walk. Every function is global (<see cref="BpfFunctions"/>) and table-driven: the spec's size is in
/// the maps' contents, never in the code, so the verifier's work does not grow with it.
/// <list type="bullet">
/// <item>frame_step calls cap_check for each frame in the captured functions' overall pc range: a binary search
/// of the plan's sorted pc intervals (return addresses are looked up at pc - 1, as symbolization does); a hit is
/// appended to the run's hit list (pc, cfa, frame index, plan, goid, thread).</item>
/// <item>After every goroutine is walked, cap_frame per hit: copy the plan's stack span (a frame entry), then
/// cap_root per expression: assemble the root from the span or the thread's registers (innermost frame of a
/// running goroutine only), follow the compiled dereferences (each pointee copied as a block), and cap_scan the
/// final value's slots. The target is stopped throughout, so a frame read after the walk is the same frame.</item>
/// <item>cap_scan's scan_slot enqueues what each slot refers to (pointer, string bytes, slice elements, map
/// arrays, interface data resolved through the sorted runtime type table), de-duplicated by (address, type,
/// count) per snapshot in a lossy hash (a collision only copies twice), bounded by the pointer depth.</item>
/// <item>At the end of the run, gather_body drains the queue breadth-first: copy (≤ 4 KiB), send as a block, scan
/// for more, until the queue is empty or the snapshot's byte budget is spent.</item>
/// </list>
/// Everything goes out in batch records (<see cref="CaptureBatchLayout"/>) under the same ring accounting as the
/// goroutine records, so the summary always has room. The decoder re-evaluates every expression with DWARF types
/// over the copied memory; the probe only decides what to copy.
/// </summary>
internal sealed partial class CaptureCodegen
{
    public const string ScratchMap = "cap_scratch", IntervalsMap = "cap_intervals", PlansMap = "cap_plans", RootsMap = "cap_roots",
        TypesMap = "cap_types", SlotsMap = "cap_slots", RuntimeTypesMap = "cap_rtypes", QueueMap = "cap_queue", DedupMap = "cap_dedup",
        HitsMap = "cap_hits";

    const int IntervalSize = 24, PlanSize = 24, TypeSize = 16, SlotSize = 24, RuntimeTypeSize = 16, QueueEntrySize = 24, DedupEntrySize = 24;
    /// <summary>The de-duplication key's type for dereference blocks (never a gather type id).</summary>
    const int StepType = 0x7fffffff;
    const int QueueEntries = 1 << 16, DedupEntries = 1 << 13; // de-duplication table small enough to stay in cache
    const int MaxRootsPerPlan = 64, MaxScanVisits = 512, MaxGatherBlocks = 1 << 18, MaxPieces = 4;
    /// <summary>
    /// Frames captured per run, and per goroutine (a deep recursion through a captured function must not crowd out
    /// every other goroutine's); the rest are counted as not captured.
    /// </summary>
    public const int MaxHits = 1 << 16, MaxGoroutineHits = 32;
    // Hit (one entry of the cap_hits array): 0 u64 pc, 8 u64 cfa, 16 u32 frame index, 20 u32 plan, 24 u64 goid,
    // 32 u32 thread id, 36 u32 flags (HitRegisters, HitSpan), 40 the frame's span when it is small and was in the
    // walk's stack copy: taken then, it costs no read of the stack later.
    const int HitSize = 40 + InlineSpan, HitSpanAt = 40;
    const int InlineSpan = 64;
    const int HitRegisters = 1, HitSpan = 2;
    // Root entry: 0 u32 expression, 4 u32 size, 8 u32 piece count, 12 u32 step count, 16 pieces (16 bytes each:
    // u8 kind, u8 register, u16 size, u32 destination, i64 offset or address), then steps (16 bytes each: u32 pointer
    // offset, u32 read size, i64 addend), then u32 final offset, u32 final type.
    const int RootPieces = 16, PieceSize = 16, RootSteps = RootPieces + MaxPieces * PieceSize, StepSize = 16;
    const int RootFinalOffset = RootSteps + CapturePath.MaxSteps * StepSize, RootFinalType = RootFinalOffset + 4, RootFinalString = RootFinalType + 4, RootSize = RootFinalString + 4;

    readonly CapturePlan _plan;
    readonly ulong _bias;
    readonly List<CaptureRoot> _roots = [];
    readonly List<(int First, int Count)> _planRoots = [];
    readonly int _globalFirst;

    public CaptureCodegen(CapturePlan plan, ulong loadBias)
    {
        _plan = plan;
        _bias = loadBias;
        foreach (var p in plan.FramePlans)
        {
            _planRoots.Add((_roots.Count, Math.Min(p.Roots.Count, MaxRootsPerPlan)));
            _roots.AddRange(p.Roots);
        }
        _globalFirst = _roots.Count;
        _roots.AddRange(plan.Globals);
    }

    int Intervals => _plan.Intervals.Count;
    int Plans => _plan.FramePlans.Count;
    int Roots => _roots.Count;
    int TypeCount => _plan.Types.Types.Count;
    int SlotCount => _plan.Types.Slots.Count;
    int RuntimeTypes => _plan.RuntimeTypes.Count;

    // ---- hooks into the snapshot program ----

    /// <summary>In main, after the scratch is set up (r9 = scratch): reset this run's state, capture package variables.</summary>
    public void StartOfRun(Instructions c)
    {
        CapScratch(c);
        foreach (var off in new[] { C.HitCount, C.BatchLen, C.QueueHead, C.QueueTail, C.BytesCopied, C.QueueDropped, C.HitsDropped, C.Unreadable, C.Budget, C.BatchesDropped, C.RegsValid, C.RegsLoaded, C.FrameSpanOk, C.LastStepAddress, C.FirstUnreadable })
            c.Add(A.StoreImm(R8, off, 0, Size.DW));
        c.Add(A.LoadMem(R1, R9, S.Generation, Size.DW));
        c.Add(A.StoreMem(R8, C.Generation, R1, Size.DW));
        if (_plan.Globals.Count == 0) return;
        c.Add(A.StoreImm(R8, C.RootFirst, _globalFirst, Size.DW));
        c.Add(A.StoreImm(R8, C.FrameIndex, -1, Size.DW));
        c.Add(A.Mov64Imm(R1, _plan.Globals.Count));
        BpfFunctions.Loop(c, "root_loop");
    }

    /// <summary>In g_body after the record header: no hits, no registers yet. Clobbers r1.</summary>
    public static void GoroutineStart(Instructions c)
    {
        c.Add(A.LoadMapValue(R1, ScratchMap, 0));
        c.Add(A.StoreImm(R1, C.GoroutineHits, 0, Size.DW));
        c.Add(A.StoreImm(R1, C.RegsValid, 0, Size.DW));
    }

    /// <summary>Where g_body has found the stopped thread's registers: its innermost frame may use them. Clobbers r1.</summary>
    public static void KeepRegisters(Instructions c)
    {
        c.Add(A.LoadMapValue(R1, ScratchMap, 0));
        c.Add(A.StoreImm(R1, C.RegsValid, 1, Size.DW));
    }

    /// <summary>
    /// In frame_step once the frame pointer r6 is known good: the frame at index r8 - 1 (its pc recorded, its CFA
    /// r6 + 16) may be captured. r9 = scratch; clobbers r0-r5; labels end in <paramref name="suffix"/>.
    /// </summary>
    public void CheckFrame(Instructions c, int recordPcs, int walkFrames, string suffix)
    {
        var done = $"frame_checked{suffix}";
        c.Add(A.Mov64(R3, R8));
        c.Add(A.Add64Imm(R3, -1));
        c.Add(A.JumpIfImm(JumpOp.Ge, R3, walkFrames, done));
        c.Add(A.Mov64(R2, R3));
        c.Add(A.Lsh64Imm(R2, 3));
        c.Add(A.Add64(R2, R9));
        c.Add(A.LoadMem(R1, R2, recordPcs, Size.DW));
        // Most frames (the runtime's, other packages') are nowhere near a captured function: no call for them.
        // The bounds take both lookups in: pc itself, and pc - 1 for return addresses.
        if (Intervals == 0) { c.Add(A.Jump(done)); }
        else
        {
            c.Add(A.LoadImm64(R2, (long)(_plan.Intervals[0].Low + _bias)));
            c.Add(A.JumpIf(JumpOp.Lt, R1, R2, done));
            c.Add(A.LoadImm64(R2, (long)(_plan.Intervals[^1].High + _bias + 1)));
            c.Add(A.JumpIf(JumpOp.Ge, R1, R2, done));
        }
        c.Add(A.Mov64(R2, R6));
        c.Add(A.Add64Imm(R2, 16));
        c.Add(A.CallLabel("cap_check"));
        c.Add(A.Label(done));
    }

    /// <summary>In main before the summary (r9 = scratch): capture the frames hit, drain the queue, send the stats, flush.</summary>
    public void EndOfRun(Instructions c)
    {
        CapScratch(c);
        c.Add(A.LoadMem(R1, R8, C.HitCount, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Le, R1, MaxHits, "cap_hits_counted"));
        c.Add(A.Mov64Imm(R1, MaxHits));
        c.Add(A.Label("cap_hits_counted"));
        BpfFunctions.Loop(c, "hit_loop");
        c.Add(A.Mov64Imm(R1, MaxGatherBlocks));
        BpfFunctions.Loop(c, "gather_loop");
        CapScratch(c);
        // Room for the stats entry, then write it.
        c.Add(A.LoadMem(R1, R8, C.BatchLen, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Le, R1, B.BatchBytes - B.EntryHeaderSize - B.StatsSize, "cap_stats_room"));
        c.Add(A.CallLabel("cap_flush"));
        c.Add(A.LoadMem(R1, R8, C.BatchLen, Size.DW));
        c.Add(A.Label("cap_stats_room"));
        c.Add(A.JumpIfImm(JumpOp.Gt, R1, B.BatchBytes - B.EntryHeaderSize - B.StatsSize, "cap_stats_done"));
        c.Add(A.Mov64(R2, R1));
        c.Add(A.Add64(R2, R8));
        const int at = C.Batch + B.HeaderSize;
        c.Add(A.StoreImm(R2, at + B.EntryKind, (int)B.StatsEntry, Size.W));
        c.Add(A.StoreImm(R2, at + B.EntryLength, B.StatsSize, Size.W));
        c.Add(A.StoreImm(R2, at + B.EntryAddress, 0, Size.DW));
        var stats = new[] { C.BytesCopied, C.QueueDropped, C.HitsDropped, C.Unreadable, C.Budget, C.BatchesDropped, C.FirstUnreadable };
        for (var k = 0; k < stats.Length; k++)
        {
            c.Add(A.LoadMem(R3, R8, stats[k], Size.DW));
            c.Add(A.StoreMem(R2, at + B.EntryHeaderSize + 8 * k, R3, Size.DW));
        }
        c.Add(A.Add64Imm(R1, B.EntryHeaderSize + B.StatsSize));
        c.Add(A.StoreMem(R8, C.BatchLen, R1, Size.DW));
        c.Add(A.Label("cap_stats_done"));
        c.Add(A.CallLabel("cap_flush"));
    }

    /// <summary>The bpf_loop callbacks of the capture part.</summary>
    public static void Trampolines(Instructions c)
    {
        BpfFunctions.Trampoline(c, "hit_loop", "cap_frame", mayStop: false);
        BpfFunctions.Trampoline(c, "root_loop", "cap_root", mayStop: false);
        BpfFunctions.Trampoline(c, "scan_loop", "scan_slot", mayStop: true);
        BpfFunctions.Trampoline(c, "gather_loop", "gather_body", mayStop: true);
    }

    // ---- functions ----

    public void Functions(Instructions c, ProbePlanView probe)
    {
        Check(c, probe);
        Frame(c, probe);
        Root(c);
        Scan(c);
        ScanSlot(c, probe);
        SeenFunction(c);
        GatherBody(c);
        Append(c, probe);
        Leaf(c, probe);
        FlushFunction(c, probe);
    }

    /// <summary>r8 = the capture scratch (its direct address).</summary>
    static void CapScratch(Instructions c) => c.Add(A.LoadMapValue(R8, ScratchMap, 0));

    /// <summary>u64 cap_check(pc, cfa, frame index): add the frame to the run's hits if its pc is in an interval.</summary>
    void Check(Instructions c, ProbePlanView probe)
    {
        c.Add(A.GlobalFunction("cap_check", 3));
        c.Add(A.Mov64(R6, R1));
        c.Add(A.Mov64(R7, R3));
        CapScratch(c);
        SnapshotProgramGenerator.Scratch(c);
        c.Add(A.StoreMem(R8, C.Tmp, R2, Size.DW));
        // Return addresses are looked up at pc - 1 (the call); only a running goroutine's own pc is exact.
        c.Add(A.Mov64(R1, R6));
        c.Add(A.JumpIfImm(JumpOp.Ne, R7, 0, "chk_adjust"));
        c.Add(A.LoadMem(R2, R8, C.RegsValid, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Ne, R2, 0, "chk_exact"));
        c.Add(A.Label("chk_adjust"));
        c.Add(A.Add64Imm(R1, -1));
        c.Add(A.Label("chk_exact"));
        if (Intervals == 0) { c.Add(A.Jump("chk_out")); }
        else
        {
            c.Add(A.LoadImm64(R2, (long)(_plan.Intervals[0].Low + _bias)));
            c.Add(A.JumpIf(JumpOp.Lt, R1, R2, "chk_out"));
            c.Add(A.LoadImm64(R2, (long)(_plan.Intervals[^1].High + _bias)));
            c.Add(A.JumpIf(JumpOp.Ge, R1, R2, "chk_out"));
        }
        c.Add(A.LoadMapValue(R5, IntervalsMap, 0));
        BinarySearch(c, Intervals, IntervalSize, 8, key: R1, table: R5, notFound: "chk_out");
        // r3 = first interval whose high > pc: a hit when its low <= pc.
        c.Add(A.Mov64(R2, R3));
        c.Add(A.Mul64Imm(R2, IntervalSize));
        c.Add(A.Add64(R2, R5));
        c.Add(A.LoadMem(R0, R2, 0, Size.DW));
        c.Add(A.JumpIf(JumpOp.Lt, R1, R0, "chk_out"));
        c.Add(A.LoadMem(R5, R2, 16, Size.W));
        c.Add(A.LoadMem(R3, R8, C.GoroutineHits, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Ge, R3, MaxGoroutineHits, "chk_dropped"));
        c.Add(A.LoadMem(R3, R8, C.HitCount, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Lt, R3, MaxHits, "chk_room"));
        c.Add(A.Label("chk_dropped"));
        Increment(c, R8, C.HitsDropped);
        c.Add(A.Jump("chk_out"));
        c.Add(A.Label("chk_room"));
        c.Add(A.StoreMem(R8, C.Tmp + 8, R5, Size.DW));        // the plan, kept across the lookup
        LookupHit(c, R3, "chk_out");
        c.Add(A.Mov64(R4, R0));
        c.Add(A.StoreMem(R4, 0, R6, Size.DW));
        c.Add(A.LoadMem(R2, R8, C.Tmp, Size.DW));
        c.Add(A.StoreMem(R4, 8, R2, Size.DW));
        c.Add(A.StoreMem(R4, 16, R7, Size.W));
        c.Add(A.LoadMem(R5, R8, C.Tmp + 8, Size.DW));
        c.Add(A.StoreMem(R4, 20, R5, Size.W));
        c.Add(A.LoadMem(R2, R9, probe.Record + L.Goid, Size.DW));
        c.Add(A.StoreMem(R4, 24, R2, Size.DW));
        c.Add(A.LoadMem(R2, R9, probe.Record + L.ThreadId, Size.DW));
        c.Add(A.StoreMem(R4, 32, R2, Size.W));
        c.Add(A.LoadMem(R2, R8, C.RegsValid, Size.DW));
        c.Add(A.And64Imm(R2, HitRegisters));
        c.Add(A.StoreMem(R4, 36, R2, Size.W));
        InlineSpanOf(c, "chk_span");
        c.Add(A.LoadMem(R3, R8, C.HitCount, Size.DW));
        c.Add(A.Add64Imm(R3, 1));
        c.Add(A.StoreMem(R8, C.HitCount, R3, Size.DW));
        Increment(c, R8, C.GoroutineHits);
        c.Add(A.Label("chk_out"));
        BpfFunctions.Return(c, 0);
    }

    /// <summary>r0 = entry <paramref name="index"/> of cap_hits (an array lookup the verifier inlines), or a jump to <paramref name="missing"/>. Clobbers r0-r5 and the stack slot at r10 - 32 (the slots above it are <see cref="MissedReads"/>'s).</summary>
    static void LookupHit(Instructions c, Register index, string missing)
    {
        c.Add(A.StoreMem(R10, -32, index, Size.W));
        c.Add(A.LoadMapPtr(R1, HitsMap));
        c.Add(A.Mov64(R2, R10));
        c.Add(A.Add64Imm(R2, -32));
        c.Add(A.Call(BpfHelper.MapLookupElem));
        c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, missing));
    }

    /// <summary>
    /// In cap_check with the hit entry in r4 and its plan in r5 (r8, r9 the scratches, the CFA in C.Tmp): when the
    /// plan's span is at most InlineSpan bytes and lies in the walk's stack copy, copy it into the entry and set
    /// HitSpan. Clobbers r0-r3, r5.
    /// </summary>
    void InlineSpanOf(Instructions c, string prefix)
    {
        var done = $"{prefix}_done";
        c.Add(A.JumpIfImm(JumpOp.Ge, R5, Math.Max(1, Plans), done));
        c.Add(A.Mul64Imm(R5, PlanSize));
        c.Add(A.LoadMapValue(R1, PlansMap, 0));
        c.Add(A.Add64(R5, R1));
        c.Add(A.LoadMem(R2, R5, 8, Size.W));                  // span length
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, 0, done));
        c.Add(A.JumpIfImm(JumpOp.Gt, R2, InlineSpan, done));
        c.Add(A.LoadMem(R1, R8, C.Tmp, Size.DW));             // cfa
        c.Add(A.LoadMem(R3, R5, 0, Size.DW));                 // span low, from the cfa
        c.Add(A.Add64(R1, R3));
        c.Add(A.LoadMem(R3, R9, S.ChunkBase, Size.DW));
        c.Add(A.JumpIf(JumpOp.Lt, R1, R3, done));
        c.Add(A.Sub64(R1, R3));                               // offset in the stack copy
        c.Add(A.Mov64(R3, R1));
        c.Add(A.Add64(R3, R2));
        c.Add(A.LoadMem(R0, R9, S.ChunkLength, Size.DW));
        c.Add(A.JumpIf(JumpOp.Gt, R3, R0, done));
        c.Add(A.JumpIfImm(JumpOp.Gt, R1, S.StackChunkBytes - InlineSpan, done));
        c.Add(A.Add64(R1, R9));
        for (var w = 0; w < InlineSpan / 8; w++)
        {
            c.Add(A.LoadMem(R0, R1, S.StackChunk + 8 * w, Size.DW));
            c.Add(A.StoreMem(R4, HitSpanAt + 8 * w, R0, Size.DW));
        }
        c.Add(A.LoadMem(R0, R4, 36, Size.W));
        c.Add(A.Alu64Imm(AluOp.Or, R0, HitSpan));
        c.Add(A.StoreMem(R4, 36, R0, Size.W));
        c.Add(A.Label(done));
    }

    /// <summary>
    /// Binary search over <paramref name="count"/> sorted entries for the first whose u64 at
    /// <paramref name="field"/> is greater than <paramref name="key"/> (upper bound); leaves its index in r3 and
    /// jumps to <paramref name="notFound"/> when there is none. Branch-free and unrolled (count is known when the
    /// program is made): each halving step picks its side with a mask, not a jump, so the verifier walks one path
    /// of about 8 instructions a step; with a jump per step it walked every path, as many as there are entries
    /// (170,000 instructions for a large binary's type table, measured). The index stays within the table by
    /// construction (base plus the halves still to come), which the verifier follows through the masks.
    /// Keys and entries are user addresses, below 2^63, so key - v is negative exactly when v &gt; key.
    /// Clobbers r0, r2, r3.
    /// </summary>
    static void BinarySearch(Instructions c, int count, int entrySize, int field, Register key, Register table, string notFound)
    {
        c.Add(A.Mov64Imm(R3, 0));
        if (count == 0) { c.Add(A.Jump(notFound)); return; }
        // base = base + half when entry[base + half] <= key; n -= half; until n == 1.
        for (var n = count; n > 1; n -= n / 2)
        {
            var half = n / 2;
            c.Add(A.Mov64(R0, R3));
            c.Add(A.Add64Imm(R0, half));
            c.Add(A.Mul64Imm(R0, entrySize));
            c.Add(A.Add64(R0, table));
            c.Add(A.LoadMem(R2, R0, field, Size.DW));
            GreaterMask(c, key);                                  // r2 = -1 when entry > key, else 0
            c.Add(A.Alu64Imm(AluOp.Xor, R2, -1));
            c.Add(A.And64Imm(R2, half));
            c.Add(A.Add64(R3, R2));
        }
        // The answer is base, or base + 1 when entry[base] <= key too.
        c.Add(A.Mov64(R0, R3));
        c.Add(A.Mul64Imm(R0, entrySize));
        c.Add(A.Add64(R0, table));
        c.Add(A.LoadMem(R2, R0, field, Size.DW));
        GreaterMask(c, key);
        c.Add(A.Alu64Imm(AluOp.Xor, R2, -1));
        c.Add(A.And64Imm(R2, 1));
        c.Add(A.Add64(R3, R2));
        c.Add(A.JumpIfImm(JumpOp.Ge, R3, count, notFound));
    }

    /// <summary>r2 (an entry) becomes -1 when it is greater than <paramref name="key"/>, else 0: the sign of key - entry.</summary>
    static void GreaterMask(Instructions c, Register key)
    {
        c.Add(A.Neg64(R2));
        c.Add(A.Add64(R2, key));
        c.Add(A.Alu64Imm(AluOp.Arsh, R2, 63));
    }
}

/// <summary>What the capture code needs of the snapshot program: the ring's size, where the goroutine record is in the scratch.</summary>
internal readonly record struct ProbePlanView(uint RingBufferBytes, int Record);
