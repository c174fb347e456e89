using System.Buffers.Binary;
using SideEye.Bpf;
using SideEye.Bpf.Asm;
using SideEye.Loader.Run;
using SideEye.Probes.Capture;
using SideEye.Probes.Records;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;
using B = SideEye.Probes.Records.CaptureBatchLayout;
using C = SideEye.Probes.Codegen.CaptureScratchLayout;
using S = SideEye.Probes.Codegen.ScratchLayout;

namespace SideEye.Probes.Codegen;

/// <summary>
/// The capture part of the snapshot program (<see cref="CapturePlan"/> → BPF), in the same program as the
/// goroutine walk so a frame costs one lookup while its stack is at hand:
/// <list type="bullet">
/// <item>frame_body calls cap_check for each frame: a range test, then a binary search of the plan's sorted pc
/// intervals (return addresses are looked up at pc - 1, as symbolization does); a hit is remembered.</item>
/// <item>After the walk, cap_frame per hit: copy the plan's stack span once (a frame entry), then cap_root per
/// expression: assemble the root from the span or the thread's registers (innermost frame of a running goroutine
/// only), follow the compiled dereferences (each pointee copied as a block), and cap_scan the final value's slots.</item>
/// <item>cap_scan enqueues what each slot refers to (pointer, string bytes, slice elements, map arrays, interface
/// data resolved through the sorted runtime type table), de-duplicated by (address, type, count) per snapshot in a
/// lossy hash (a collision only copies twice), bounded by the pointer depth.</item>
/// <item>At the end of the run, gather_body drains the queue breadth-first: copy (≤ 4 KiB), send as a block, scan
/// for more, until the queue is empty or the snapshot's byte budget is spent.</item>
/// </list>
/// Everything goes out in batch records (<see cref="CaptureBatchLayout"/>) under the same ring accounting as the
/// goroutine records, so the summary always has room. The decoder re-evaluates every expression with DWARF types
/// over the copied memory; the probe only decides what to copy.
/// </summary>
internal sealed class CaptureCodegen
{
    public const string ScratchMap = "cap_scratch", IntervalsMap = "cap_intervals", PlansMap = "cap_plans", RootsMap = "cap_roots",
        TypesMap = "cap_types", SlotsMap = "cap_slots", RuntimeTypesMap = "cap_rtypes", QueueMap = "cap_queue", DedupMap = "cap_dedup";

    const int IntervalSize = 24, PlanSize = 24, TypeSize = 16, SlotSize = 24, RuntimeTypeSize = 16, QueueEntrySize = 24, DedupEntrySize = 24;
    /// <summary>The de-duplication key's type for dereference blocks (never a gather type id).</summary>
    const int StepType = 0x7fffffff;
    const int QueueEntries = 1 << 16, DedupEntries = 1 << 13; // de-duplication table small enough to stay in cache
    const int DirectRoots = 8, MaxRootsPerPlan = 64, MaxScanVisits = 512, MaxGatherBlocks = 1 << 18, MaxPieces = 4;
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

    public IEnumerable<MapSpec> Maps()
    {
        yield return new MapSpec(ScratchMap, MapType.Array, 4, C.Size, 1);
        yield return Table(IntervalsMap, Intervals * IntervalSize);
        yield return Table(PlansMap, Plans * PlanSize);
        yield return Table(RootsMap, Roots * RootSize);
        yield return Table(TypesMap, TypeCount * TypeSize);
        yield return Table(SlotsMap, SlotCount * SlotSize);
        yield return Table(RuntimeTypesMap, RuntimeTypes * RuntimeTypeSize);
        yield return Table(QueueMap, QueueEntries * QueueEntrySize);
        yield return Table(DedupMap, DedupEntries * DedupEntrySize);
    }

    static MapSpec Table(string name, int bytes) => new(name, MapType.Array, 4, (uint)Math.Max(8, bytes), 1);

    /// <summary>The read-only tables' contents (one value each), load bias applied.</summary>
    public IEnumerable<MapEntry> Entries()
    {
        var key = new byte[4];
        var intervals = new byte[Math.Max(8, Intervals * IntervalSize)];
        for (var i = 0; i < Intervals; i++)
        {
            var iv = _plan.Intervals[i];
            var e = intervals.AsSpan(i * IntervalSize);
            BinaryPrimitives.WriteUInt64LittleEndian(e, iv.Low + _bias);
            BinaryPrimitives.WriteUInt64LittleEndian(e[8..], iv.High + _bias);
            BinaryPrimitives.WriteInt32LittleEndian(e[16..], iv.Plan);
        }
        yield return new MapEntry(IntervalsMap, key, intervals);

        var plans = new byte[Math.Max(8, Plans * PlanSize)];
        for (var i = 0; i < Plans; i++)
        {
            var p = _plan.FramePlans[i];
            var e = plans.AsSpan(i * PlanSize);
            BinaryPrimitives.WriteInt64LittleEndian(e, p.SpanLow);
            BinaryPrimitives.WriteInt32LittleEndian(e[8..], p.SpanLength);
            BinaryPrimitives.WriteInt32LittleEndian(e[12..], _planRoots[i].First);
            BinaryPrimitives.WriteInt32LittleEndian(e[16..], _planRoots[i].Count);
        }
        yield return new MapEntry(PlansMap, key, plans);

        var roots = new byte[Math.Max(8, Roots * RootSize)];
        for (var i = 0; i < Roots; i++)
        {
            var r = _roots[i];
            var path = _plan.Expressions[r.Expression].Path;
            var e = roots.AsSpan(i * RootSize);
            BinaryPrimitives.WriteInt32LittleEndian(e, r.Expression);
            BinaryPrimitives.WriteInt32LittleEndian(e[4..], r.Size);
            var pieces = r.Pieces.Take(MaxPieces).ToArray();
            BinaryPrimitives.WriteInt32LittleEndian(e[8..], r.Pieces.Count > MaxPieces ? 0 : pieces.Length);
            BinaryPrimitives.WriteInt32LittleEndian(e[12..], path.Steps.Count);
            for (var k = 0; k < pieces.Length; k++)
            {
                var p = pieces[k];
                var pe = e[(RootPieces + k * PieceSize)..];
                pe[0] = (byte)p.Kind;
                pe[1] = (byte)Math.Max(0, p.Register);
                BinaryPrimitives.WriteUInt16LittleEndian(pe[2..], (ushort)p.Size);
                BinaryPrimitives.WriteInt32LittleEndian(pe[4..], p.Destination);
                BinaryPrimitives.WriteInt64LittleEndian(pe[8..], p.Kind == RootPieceKind.Global ? p.Offset + (long)_bias : p.Offset);
            }
            for (var s = 0; s < path.Steps.Count; s++)
            {
                var st = path.Steps[s];
                var se = e[(RootSteps + s * StepSize)..];
                BinaryPrimitives.WriteInt32LittleEndian(se, st.PointerOffset);
                BinaryPrimitives.WriteInt32LittleEndian(se[4..], st.ReadSize);
                BinaryPrimitives.WriteInt64LittleEndian(se[8..], st.Addend);
            }
            BinaryPrimitives.WriteInt32LittleEndian(e[RootFinalOffset..], path.FinalOffset);
            BinaryPrimitives.WriteInt32LittleEndian(e[RootFinalType..], path.FinalType);
            BinaryPrimitives.WriteInt32LittleEndian(e[RootFinalString..], StringBytesOf(path.FinalType));
        }
        yield return new MapEntry(RootsMap, key, roots);

        var types = new byte[Math.Max(8, TypeCount * TypeSize)];
        for (var i = 0; i < TypeCount; i++)
        {
            var t = _plan.Types.Types[i];
            var e = types.AsSpan(i * TypeSize);
            BinaryPrimitives.WriteInt32LittleEndian(e, (int)Math.Min(t.Size, int.MaxValue));
            BinaryPrimitives.WriteInt32LittleEndian(e[4..], t.FirstSlot);
            BinaryPrimitives.WriteInt32LittleEndian(e[8..], t.SlotCount);
        }
        yield return new MapEntry(TypesMap, key, types);

        var slots = new byte[Math.Max(8, SlotCount * SlotSize)];
        for (var i = 0; i < SlotCount; i++)
        {
            var s = _plan.Types.Slots[i];
            var e = slots.AsSpan(i * SlotSize);
            e[0] = (byte)s.Kind;
            e[1] = s.CostsDepth ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteInt32LittleEndian(e[4..], s.MaxCount);
            BinaryPrimitives.WriteInt32LittleEndian(e[8..], s.Offset);
            BinaryPrimitives.WriteInt32LittleEndian(e[12..], s.CountOffset);
            BinaryPrimitives.WriteInt32LittleEndian(e[16..], s.Child);
            BinaryPrimitives.WriteInt32LittleEndian(e[20..], s.AltChild);
        }
        yield return new MapEntry(SlotsMap, key, slots);

        var runtime = new byte[Math.Max(8, RuntimeTypes * RuntimeTypeSize)];
        for (var i = 0; i < RuntimeTypes; i++)
        {
            var (address, type) = _plan.RuntimeTypes[i];
            BinaryPrimitives.WriteUInt64LittleEndian(runtime.AsSpan(i * RuntimeTypeSize), address + _bias);
            BinaryPrimitives.WriteInt32LittleEndian(runtime.AsSpan(i * RuntimeTypeSize + 8), type);
        }
        yield return new MapEntry(RuntimeTypesMap, key, runtime);
    }

    /// <summary>For a gather type that is a string (one slot: its bytes), the byte limit; else 0.</summary>
    int StringBytesOf(int type)
    {
        if (type <= GatherTypeTable.FuncValue || type >= TypeCount) return 0;
        var t = _plan.Types.Types[type];
        if (t.SlotCount != 1 || t.Size != 16) return 0;
        var slot = _plan.Types.Slots[t.FirstSlot];
        return slot is { Kind: GatherSlotKind.Counted, Offset: 0, CountOffset: 8, Child: GatherTypeTable.Bytes } ? slot.MaxCount : 0;
    }

    // ---- hooks into the snapshot program ----

    /// <summary>In main, after the scratch is set up (r9 = scratch): reset this run's state, capture package variables.</summary>
    public void StartOfRun(Instructions c)
    {
        c.Add(A.LoadMapValue(R8, ScratchMap, 0));
        foreach (var off in new[] { C.HitCount, C.BatchLen, C.QueueHead, C.QueueTail, C.BytesCopied, C.QueueDropped, C.HitsDropped, C.Unreadable, C.Budget, C.BatchesDropped, C.RegsValid, C.FrameSpanOk, C.LastStepAddress, C.FirstUnreadable })
            c.Add(A.StoreImm(R8, off, 0, Size.DW));
        c.Add(A.LoadMem(R1, R9, S.Generation, Size.DW));
        c.Add(A.StoreMem(R8, C.Generation, R1, Size.DW));
        if (_plan.Globals.Count == 0) return;
        c.Add(A.StoreImm(R8, C.RootFirst, _globalFirst, Size.DW));
        c.Add(A.StoreImm(R8, C.FrameIndex, -1, Size.DW));
        c.Add(A.Mov64Imm(R1, _plan.Globals.Count));
        SnapshotProgramGenerator.Loop(c, "cap_root", -24);
    }

    /// <summary>In g_body after the record header: no hits, no registers yet. Clobbers r1.</summary>
    public static void GoroutineStart(Instructions c)
    {
        c.Add(A.LoadMapValue(R1, ScratchMap, 0));
        c.Add(A.StoreImm(R1, C.HitCount, 0, Size.DW));
        c.Add(A.StoreImm(R1, C.RegsValid, 0, Size.DW));
    }

    /// <summary>Where g_body has the thread-registers value in r0: keep the general registers. Clobbers r1, r2.</summary>
    public static void KeepRegisters(Instructions c)
    {
        c.Add(A.LoadMapValue(R1, ScratchMap, 0));
        for (var k = 0; k < 16; k++)
        {
            c.Add(A.LoadMem(R2, R0, ThreadRegisters.GeneralOffset + 8 * k, Size.DW));
            c.Add(A.StoreMem(R1, C.Regs + 8 * k, R2, Size.DW));
        }
        c.Add(A.StoreImm(R1, C.RegsValid, 1, Size.DW));
    }

    /// <summary>
    /// In frame_body once the frame pointer r6 is known good: the frame at index WalkCount - 1 (its pc recorded, its
    /// CFA r6 + 16) may be captured. r9 = scratch; clobbers r0-r5.
    /// </summary>
    public static void CheckFrame(Instructions c, int recordPcs, int maxFrames)
    {
        c.Add(A.LoadMem(R3, R9, S.WalkCount, Size.DW));
        c.Add(A.Add64Imm(R3, -1));
        c.Add(A.JumpIfImm(JumpOp.Ge, R3, maxFrames, "frame_checked"));
        c.Add(A.Mov64(R2, R3));
        c.Add(A.Lsh64Imm(R2, 3));
        c.Add(A.Add64(R2, R9));
        c.Add(A.LoadMem(R1, R2, recordPcs, Size.DW));
        c.Add(A.Mov64(R2, R6));
        c.Add(A.Add64Imm(R2, 16));
        c.Add(A.CallLabel("cap_check"));
        c.Add(A.Label("frame_checked"));
    }

    /// <summary>At g_emit: capture the goroutine's remembered frames. r9 = scratch; clobbers r0-r5.</summary>
    public static void GoroutineEnd(Instructions c, int recordGoid)
    {
        c.Add(A.LoadMapValue(R1, ScratchMap, 0));
        c.Add(A.LoadMem(R2, R9, recordGoid, Size.DW));
        c.Add(A.StoreMem(R1, C.Goid, R2, Size.DW));
        c.Add(A.LoadMem(R2, R1, C.HitCount, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, 0, "g_captured"));
        c.Add(A.JumpIfImm(JumpOp.Le, R2, C.MaxHits, "g_capture_hits"));
        c.Add(A.Mov64Imm(R2, C.MaxHits));
        c.Add(A.Label("g_capture_hits"));
        c.Add(A.Mov64(R1, R2));
        SnapshotProgramGenerator.Loop(c, "cap_frame", -16);
        c.Add(A.Label("g_captured"));
    }

    /// <summary>In main before the summary (r9 = scratch): drain the queue, send the stats, flush.</summary>
    public void EndOfRun(Instructions c)
    {
        c.Add(A.Mov64Imm(R1, MaxGatherBlocks));
        SnapshotProgramGenerator.Loop(c, "gather_body", -24);
        c.Add(A.LoadMapValue(R8, ScratchMap, 0));
        // Room for the stats entry, then write it.
        c.Add(A.LoadMem(R1, R8, C.BatchLen, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Le, R1, B.BatchBytes - B.EntryHeaderSize - B.StatsSize, "cap_stats_room"));
        c.Add(A.Mov64(R1, R9));
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
        c.Add(A.Mov64(R1, R9));
        c.Add(A.CallLabel("cap_flush"));
    }

    // ---- functions ----

    public void Functions(Instructions c, ProbePlanView probe)
    {
        Check(c);
        Frame(c, probe);
        Root(c);
        Scan(c);
        ScanBody(c);
        Seen(c);
        Enqueue(c);
        GatherBody(c);
        Append(c);
        Leaf(c);
        Flush(c, probe);
    }

    /// <summary>cap_check(r1 pc, r2 cfa, r3 frame index): remember the frame if its pc is in an interval.</summary>
    void Check(Instructions c)
    {
        c.Add(A.Label("cap_check"));
        c.Add(A.Mov64(R6, R1));
        c.Add(A.Mov64(R7, R3));
        c.Add(A.LoadMapValue(R8, ScratchMap, 0));
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
        BinarySearch(c, "chk", Intervals, IntervalSize, 8, key: R1, table: R5, notFound: "chk_out");
        // r3 = first interval whose high > pc: a hit when its low <= pc.
        c.Add(A.Mov64(R2, R3));
        c.Add(A.Mul64Imm(R2, IntervalSize));
        c.Add(A.Add64(R2, R5));
        c.Add(A.LoadMem(R0, R2, 0, Size.DW));
        c.Add(A.JumpIf(JumpOp.Lt, R1, R0, "chk_out"));
        c.Add(A.LoadMem(R5, R2, 16, Size.W));
        c.Add(A.LoadMem(R3, R8, C.HitCount, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Lt, R3, C.MaxHits, "chk_room"));
        Increment(c, R8, C.HitsDropped);
        c.Add(A.Jump("chk_out"));
        c.Add(A.Label("chk_room"));
        c.Add(A.Mov64(R4, R3));
        c.Add(A.Mul64Imm(R4, C.HitSize));
        c.Add(A.Add64(R4, R8));
        c.Add(A.StoreMem(R4, C.Hits, R6, Size.DW));
        c.Add(A.LoadMem(R2, R8, C.Tmp, Size.DW));
        c.Add(A.StoreMem(R4, C.Hits + 8, R2, Size.DW));
        c.Add(A.StoreMem(R4, C.Hits + 16, R7, Size.DW));
        c.Add(A.StoreMem(R4, C.Hits + 24, R5, Size.DW));
        c.Add(A.Add64Imm(R3, 1));
        c.Add(A.StoreMem(R8, C.HitCount, R3, Size.DW));
        c.Add(A.Label("chk_out"));
        c.Add(A.Mov64Imm(R0, 0));
        c.Add(A.Exit());
    }

    /// <summary>
    /// Binary search over <paramref name="count"/> sorted entries for the first whose u64 at
    /// <paramref name="field"/> is greater than <paramref name="key"/> (upper bound); leaves its index in r3 and
    /// jumps to <paramref name="notFound"/> when there is none. Unrolled: count is known when the program is made.
    /// Clobbers r0, r2, r3, r4.
    /// </summary>
    static void BinarySearch(Instructions c, string prefix, int count, int entrySize, int field, Register key, Register table, string notFound)
    {
        c.Add(A.Mov64Imm(R3, 0));
        c.Add(A.Mov64Imm(R4, count));
        var rounds = 1;
        while ((1 << rounds) <= count) rounds++;
        for (var i = 0; i <= rounds; i++)
        {
            c.Add(A.JumpIf(JumpOp.Ge, R3, R4, $"{prefix}_bs_done"));
            c.Add(A.Mov64(R0, R3));
            c.Add(A.Add64(R0, R4));
            c.Add(A.Rsh64Imm(R0, 1));
            c.Add(A.JumpIfImm(JumpOp.Ge, R0, count, notFound));
            c.Add(A.Mov64(R2, R0));
            c.Add(A.Mul64Imm(R2, entrySize));
            c.Add(A.Add64(R2, table));
            c.Add(A.LoadMem(R2, R2, field, Size.DW));
            c.Add(A.JumpIf(JumpOp.Gt, R2, key, $"{prefix}_bs_left{i}"));
            c.Add(A.Mov64(R3, R0));
            c.Add(A.Add64Imm(R3, 1));
            c.Add(A.Jump($"{prefix}_bs_next{i}"));
            c.Add(A.Label($"{prefix}_bs_left{i}"));
            c.Add(A.Mov64(R4, R0));
            c.Add(A.Label($"{prefix}_bs_next{i}"));
        }
        c.Add(A.Label($"{prefix}_bs_done"));
        c.Add(A.JumpIfImm(JumpOp.Ge, R3, count, notFound));
    }

    /// <summary>long cap_frame(u64 i, scratch **s): copy hit i's stack span (a frame entry), then its roots.</summary>
    void Frame(Instructions c, ProbePlanView probe)
    {
        c.Add(A.Label("cap_frame"));
        c.Add(A.LoadMem(R9, R2, 0, Size.DW));
        c.Add(A.LoadMapValue(R8, ScratchMap, 0));
        c.Add(A.JumpIfImm(JumpOp.Ge, R1, C.MaxHits, "frm_out"));
        c.Add(A.Mul64Imm(R1, C.HitSize));
        c.Add(A.Add64(R1, R8));
        foreach (var (from, to) in new[] { (0, C.FramePc), (8, C.FrameCfa), (16, C.FrameIndex), (24, C.FramePlan) })
        {
            c.Add(A.LoadMem(R2, R1, C.Hits + from, Size.DW));
            c.Add(A.StoreMem(R8, to, R2, Size.DW));
        }
        c.Add(A.LoadMem(R2, R8, C.FramePlan, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Ge, R2, Math.Max(1, Plans), "frm_out"));
        c.Add(A.Mul64Imm(R2, PlanSize));
        c.Add(A.LoadMapValue(R7, PlansMap, 0));
        c.Add(A.Add64(R7, R2));
        c.Add(A.LoadMem(R2, R7, 0, Size.DW));
        c.Add(A.StoreMem(R8, C.FrameSpanLo, R2, Size.DW));
        c.Add(A.LoadMem(R2, R7, 8, Size.W));
        c.Add(A.StoreMem(R8, C.FrameSpanLen, R2, Size.DW));
        c.Add(A.LoadMem(R2, R7, 12, Size.W));
        c.Add(A.StoreMem(R8, C.RootFirst, R2, Size.DW));
        c.Add(A.StoreImm(R8, C.FrameSpanOk, 0, Size.DW));
        c.Add(A.StoreImm(R8, C.LastStepAddress, 0, Size.DW));
        // The span, read once.
        c.Add(A.LoadMem(R2, R8, C.FrameSpanLen, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, 0, "frm_entry"));
        c.Add(A.JumpIfImm(JumpOp.Gt, R2, FramePlan.MaxSpan, "frm_entry"));
        c.Add(A.LoadMem(R3, R8, C.FrameCfa, Size.DW));
        c.Add(A.LoadMem(R4, R8, C.FrameSpanLo, Size.DW));
        c.Add(A.Add64(R3, R4));
        c.Add(A.Mov64(R1, R8));
        c.Add(A.Add64Imm(R1, C.FrameBuf));
        // The walk read a chunk of this goroutine's stack already: take the span from there when it lies inside.
        c.Add(A.LoadMem(R4, R9, S.ChunkBase, Size.DW));
        c.Add(A.JumpIf(JumpOp.Lt, R3, R4, "frm_span_user"));
        c.Add(A.Mov64(R5, R3));
        c.Add(A.Sub64(R5, R4));
        c.Add(A.Add64(R5, R2));
        c.Add(A.LoadMem(R4, R9, S.ChunkLength, Size.DW));
        c.Add(A.JumpIf(JumpOp.Gt, R5, R4, "frm_span_user"));
        c.Add(A.Sub64(R5, R2));
        c.Add(A.JumpIfImm(JumpOp.Gt, R5, S.StackChunkBytes, "frm_span_user"));
        c.Add(A.Mov64(R3, R9));
        c.Add(A.Add64Imm(R3, S.StackChunk));
        c.Add(A.Add64(R3, R5));
        CopySmall(c, "frm_chunk", "frm_span_done");
        c.Add(A.Call(BpfHelper.ProbeReadKernel));
        c.Add(A.Jump("frm_span_done"));
        c.Add(A.Label("frm_span_user"));
        c.Add(A.Call(BpfHelper.ProbeReadUser));
        c.Add(A.Label("frm_span_done"));
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "frm_unreadable"));
        c.Add(A.StoreImm(R8, C.FrameSpanOk, 1, Size.DW));
        c.Add(A.Jump("frm_entry"));
        c.Add(A.Label("frm_unreadable"));
        c.Add(A.LoadMem(R1, R8, C.FrameCfa, Size.DW));
        c.Add(A.LoadMem(R2, R8, C.FrameSpanLo, Size.DW));
        c.Add(A.Add64(R1, R2));
        CountUnreadable(c, R1, "frm");

        // The frame entry: header, fixed part, the span when it was read.
        c.Add(A.Label("frm_entry"));
        c.Add(A.Mov64Imm(R6, 0));
        c.Add(A.LoadMem(R1, R8, C.FrameSpanOk, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R1, 0, "frm_sized"));
        c.Add(A.LoadMem(R6, R8, C.FrameSpanLen, Size.DW));
        c.Add(A.Label("frm_sized"));
        c.Add(A.JumpIfImm(JumpOp.Gt, R6, FramePlan.MaxSpan, "frm_roots"));
        const int fixedEntry = B.EntryHeaderSize + B.FrameFixedSize;
        // Flush when the largest frame entry might not fit: the same bound the verifier is shown below.
        c.Add(A.LoadMem(R1, R8, C.BatchLen, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Le, R1, B.BatchBytes - fixedEntry - FramePlan.MaxSpan - 8, "frm_room"));
        c.Add(A.Mov64(R1, R9));
        c.Add(A.CallLabel("cap_flush"));
        c.Add(A.Label("frm_room"));
        c.Add(A.LoadMem(R1, R8, C.BatchLen, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Gt, R1, B.BatchBytes - fixedEntry - FramePlan.MaxSpan - 8, "frm_roots"));
        c.Add(A.Mov64(R2, R1));
        c.Add(A.Add64(R2, R8));
        const int at = C.Batch + B.HeaderSize;
        c.Add(A.StoreImm(R2, at + B.EntryKind, (int)B.FrameEntry, Size.W));
        c.Add(A.Mov64(R3, R6));
        c.Add(A.Add64Imm(R3, B.FrameFixedSize));
        c.Add(A.StoreMem(R2, at + B.EntryLength, R3, Size.W));
        c.Add(A.LoadMem(R3, R8, C.Goid, Size.DW));
        c.Add(A.StoreMem(R2, at + B.EntryAddress, R3, Size.DW));
        const int fixedAt = at + B.EntryHeaderSize;
        foreach (var (from, to, size) in new[] { (C.FramePc, B.FramePc, Size.DW), (C.FrameCfa, B.FrameCfa, Size.DW), (C.FrameIndex, B.FrameIndex, Size.W),
                     (C.FramePlan, B.FramePlan, Size.W), (C.FrameSpanLo, B.FrameSpanOffset, Size.W), (C.RegsValid, B.FrameFlags, Size.W) })
        {
            c.Add(A.LoadMem(R3, R8, from, Size.DW));
            c.Add(A.StoreMem(R2, fixedAt + to, R3, size));
        }
        // Entry length so far, then the span bytes (a kernel-to-kernel copy of what was read).
        c.Add(A.Add64Imm(R1, fixedEntry));
        c.Add(A.StoreMem(R8, C.BatchLen, R1, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R6, 0, "frm_roots"));
        c.Add(A.Mov64(R1, R2));
        c.Add(A.Add64Imm(R1, fixedAt + B.FrameFixedSize));
        c.Add(A.Mov64(R2, R6));
        c.Add(A.Mov64(R3, R8));
        c.Add(A.Add64Imm(R3, C.FrameBuf));
        CopySmall(c, "frm_entry_copy", "frm_entry_copied");
        c.Add(A.Call(BpfHelper.ProbeReadKernel));
        c.Add(A.Label("frm_entry_copied"));
        c.Add(A.LoadMem(R1, R8, C.BatchLen, Size.DW));
        c.Add(A.Add64(R1, R6));
        c.Add(A.Add64Imm(R1, 7));
        c.Add(A.And64Imm(R1, ~7));
        c.Add(A.StoreMem(R8, C.BatchLen, R1, Size.DW));

        c.Add(A.Label("frm_roots"));
        c.Add(A.LoadMem(R1, R7, 16, Size.W));
        // A few roots (the usual case) by direct calls in a bounded loop; more through bpf_loop.
        c.Add(A.JumpIfImm(JumpOp.Gt, R1, DirectRoots, "frm_many"));
        c.Add(A.Mov64(R7, R1));
        c.Add(A.Mov64Imm(R6, 0));
        c.Add(A.StoreMem(R10, -8, R9, Size.DW));
        c.Add(A.Label("frm_direct"));
        c.Add(A.JumpIf(JumpOp.Ge, R6, R7, "frm_out"));
        c.Add(A.Mov64(R1, R6));
        c.Add(A.Mov64(R2, R10));
        c.Add(A.Add64Imm(R2, -8));
        c.Add(A.CallLabel("cap_root"));
        c.Add(A.Add64Imm(R6, 1));
        c.Add(A.Jump("frm_direct"));
        c.Add(A.Label("frm_many"));
        c.Add(A.JumpIfImm(JumpOp.Le, R1, MaxRootsPerPlan, "frm_loop"));
        c.Add(A.Mov64Imm(R1, MaxRootsPerPlan));
        c.Add(A.Label("frm_loop"));
        SnapshotProgramGenerator.Loop(c, "cap_root", -8);
        c.Add(A.Label("frm_out"));
        c.Add(A.Mov64Imm(R0, 0));
        c.Add(A.Exit());
    }

    /// <summary>
    /// long cap_root(u64 j, scratch **s): root RootFirst + j: assemble its bytes, follow its dereferences (each
    /// pointee copied and sent as a block), scan the final value. Any piece missing: nothing (the decoder says why).
    /// </summary>
    void Root(Instructions c)
    {
        c.Add(A.Label("cap_root"));
        c.Add(A.LoadMem(R9, R2, 0, Size.DW));
        c.Add(A.LoadMapValue(R8, ScratchMap, 0));
        c.Add(A.LoadMem(R2, R8, C.RootFirst, Size.DW));
        c.Add(A.Add64(R1, R2));
        c.Add(A.JumpIfImm(JumpOp.Ge, R1, Math.Max(1, Roots), "root_out"));
        c.Add(A.Mul64Imm(R1, RootSize));
        c.Add(A.LoadMapValue(R6, RootsMap, 0));
        c.Add(A.Add64(R6, R1));
        c.Add(A.LoadMem(R1, R6, 8, Size.W));
        c.Add(A.JumpIfImm(JumpOp.Eq, R1, 0, "root_out"));
        c.Add(A.StoreImm(R8, C.CurBase, C.RootBuf, Size.DW));
        // The common root, one stack piece: used where it lies in the span copy, without assembling it.
        c.Add(A.JumpIfImm(JumpOp.Ne, R1, 1, "root_pieces"));
        c.Add(A.LoadMem(R1, R6, RootPieces, Size.B));
        c.Add(A.JumpIfImm(JumpOp.Ne, R1, (int)RootPieceKind.Stack, "root_pieces"));
        c.Add(A.LoadMem(R1, R8, C.FrameSpanOk, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R1, 0, "root_out"));
        c.Add(A.LoadMem(R3, R6, RootPieces + 8, Size.DW));
        c.Add(A.LoadMem(R1, R8, C.FrameSpanLo, Size.DW));
        c.Add(A.Sub64(R3, R1));
        c.Add(A.JumpIfImm(JumpOp.Gt, R3, FramePlan.MaxSpan, "root_out"));
        c.Add(A.Add64Imm(R3, C.FrameBuf));
        c.Add(A.StoreMem(R8, C.CurBase, R3, Size.DW));
        c.Add(A.Jump("root_assembled"));
        c.Add(A.Label("root_pieces"));
        for (var k = 0; k < MaxPieces; k++)
        {
            var piece = RootPieces + k * PieceSize;
            c.Add(A.LoadMem(R1, R6, 8, Size.W));
            c.Add(A.JumpIfImm(JumpOp.Le, R1, k, "root_assembled"));
            c.Add(A.LoadMem(R7, R6, piece + 4, Size.W));       // destination
            c.Add(A.JumpIfImm(JumpOp.Gt, R7, CaptureRoot.MaxBytes, "root_out"));
            c.Add(A.LoadMem(R1, R6, piece, Size.B));
            c.Add(A.JumpIfImm(JumpOp.Eq, R1, (int)RootPieceKind.Register, $"root_reg{k}"));
            c.Add(A.JumpIfImm(JumpOp.Eq, R1, (int)RootPieceKind.Global, $"root_global{k}"));
            // Stack: from the span copy.
            c.Add(A.LoadMem(R1, R8, C.FrameSpanOk, Size.DW));
            c.Add(A.JumpIfImm(JumpOp.Eq, R1, 0, "root_out"));
            c.Add(A.LoadMem(R3, R6, piece + 8, Size.DW));
            c.Add(A.LoadMem(R1, R8, C.FrameSpanLo, Size.DW));
            c.Add(A.Sub64(R3, R1));
            c.Add(A.JumpIfImm(JumpOp.Gt, R3, FramePlan.MaxSpan, "root_out"));
            c.Add(A.LoadMem(R2, R6, piece + 2, Size.H));
            c.Add(A.JumpIfImm(JumpOp.Gt, R2, CaptureRoot.MaxBytes, "root_out"));
            c.Add(A.Add64(R3, R8));
            c.Add(A.Add64Imm(R3, C.FrameBuf));
            c.Add(A.Mov64(R1, R7));
            c.Add(A.Add64(R1, R8));
            c.Add(A.Add64Imm(R1, C.RootBuf));
            c.Add(A.Call(BpfHelper.ProbeReadKernel));
            c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "root_out"));
            c.Add(A.Jump($"root_next{k}"));
            // Register: the innermost frame of a goroutine whose thread was stopped, only.
            c.Add(A.Label($"root_reg{k}"));
            c.Add(A.LoadMem(R1, R8, C.FrameIndex, Size.DW));
            c.Add(A.JumpIfImm(JumpOp.Ne, R1, 0, "root_out"));
            c.Add(A.LoadMem(R1, R8, C.RegsValid, Size.DW));
            c.Add(A.JumpIfImm(JumpOp.Eq, R1, 0, "root_out"));
            c.Add(A.LoadMem(R1, R6, piece + 1, Size.B));
            c.Add(A.JumpIfImm(JumpOp.Gt, R1, 15, "root_out"));
            c.Add(A.Lsh64Imm(R1, 3));
            c.Add(A.Add64(R1, R8));
            c.Add(A.LoadMem(R2, R1, C.Regs, Size.DW));
            c.Add(A.Mov64(R1, R7));
            c.Add(A.Add64(R1, R8));
            c.Add(A.StoreMem(R1, C.RootBuf, R2, Size.DW));
            c.Add(A.Jump($"root_next{k}"));
            // A package variable: read at its address and sent as a block, so the decoder has it too.
            c.Add(A.Label($"root_global{k}"));
            c.Add(A.LoadMem(R2, R6, piece + 2, Size.H));
            c.Add(A.JumpIfImm(JumpOp.Gt, R2, CaptureRoot.MaxBytes, "root_out"));
            c.Add(A.JumpIfImm(JumpOp.Eq, R2, 0, "root_out"));
            c.Add(A.LoadMem(R3, R6, piece + 8, Size.DW));
            c.Add(A.Mov64(R1, R7));
            c.Add(A.Add64(R1, R8));
            c.Add(A.Add64Imm(R1, C.RootBuf));
            c.Add(A.Call(BpfHelper.ProbeReadUser));
            c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, $"root_global_read{k}"));
            c.Add(A.LoadMem(R7, R6, piece + 8, Size.DW));
            c.Add(A.Jump("root_unreadable"));
            c.Add(A.Label($"root_global_read{k}"));
            c.Add(A.LoadMem(R1, R6, piece + 8, Size.DW));
            c.Add(A.Mov64(R2, R7));
            c.Add(A.Add64Imm(R2, C.RootBuf));
            c.Add(A.LoadMem(R3, R6, piece + 2, Size.H));
            c.Add(A.Mov64(R4, R9));
            c.Add(A.CallLabel("cap_append"));
            c.Add(A.Label($"root_next{k}"));
        }
        c.Add(A.Label("root_assembled"));
        c.Add(A.LoadMem(R1, R6, 4, Size.W));
        c.Add(A.StoreMem(R8, C.CurLen, R1, Size.DW));
        for (var s = 0; s < CapturePath.MaxSteps; s++)
        {
            var step = RootSteps + s * StepSize;
            c.Add(A.LoadMem(R1, R6, 12, Size.W));
            c.Add(A.JumpIfImm(JumpOp.Le, R1, s, "root_final"));
            c.Add(A.LoadMem(R1, R6, step, Size.W));          // pointer offset
            c.Add(A.JumpIfImm(JumpOp.Gt, R1, GatherTypeTable.MaxBlockBytes - 8, "root_out"));
            c.Add(A.Mov64(R2, R1));
            c.Add(A.Add64Imm(R2, 8));
            c.Add(A.LoadMem(R3, R8, C.CurLen, Size.DW));
            c.Add(A.JumpIf(JumpOp.Gt, R2, R3, "root_out"));
            if (s == 0)
            {
                c.Add(A.LoadMem(R2, R8, C.CurBase, Size.DW));
                c.Add(A.Add64(R1, R2));
                c.Add(A.JumpIfImm(JumpOp.Gt, R1, C.Size - 8, "root_out"));
                c.Add(A.Add64(R1, R8));
                c.Add(A.LoadMem(R7, R1, 0, Size.DW));
            }
            else
            {
                c.Add(A.Add64(R1, R8));
                c.Add(A.LoadMem(R7, R1, C.StepBuf, Size.DW));
            }
            c.Add(A.JumpIfImm(JumpOp.Eq, R7, 0, "root_out"));   // nil: the decoder says so
            c.Add(A.LoadMem(R1, R6, step + 8, Size.DW));
            c.Add(A.Add64(R7, R1));
            c.Add(A.LoadMem(R2, R6, step + 4, Size.W));       // read size
            c.Add(A.JumpIfImm(JumpOp.Eq, R2, 0, "root_out"));
            c.Add(A.JumpIfImm(JumpOp.Gt, R2, GatherTypeTable.MaxBlockBytes, "root_out"));
            c.Add(A.StoreMem(R8, C.CurLen, R2, Size.DW));
            // Expressions of one frame often share their first dereferences (req.ID, req.Path, …): what the last
            // step of this frame read is still in StepBuf, and already sent.
            c.Add(A.LoadMem(R3, R8, C.LastStepAddress, Size.DW));
            c.Add(A.JumpIf(JumpOp.Ne, R3, R7, $"root_read{s}"));
            c.Add(A.LoadMem(R3, R8, C.LastStepSize, Size.DW));
            c.Add(A.JumpIf(JumpOp.Eq, R3, R2, $"root_step{s}"));
            c.Add(A.Label($"root_read{s}"));
            c.Add(A.StoreImm(R8, C.LastStepAddress, 0, Size.DW));
            c.Add(A.Mov64(R3, R7));
            c.Add(A.Mov64(R1, R8));
            c.Add(A.Add64Imm(R1, C.StepBuf));
            c.Add(A.Call(BpfHelper.ProbeReadUser));
            c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "root_unreadable"));
            c.Add(A.LoadMem(R3, R8, C.CurLen, Size.DW));
            c.Add(A.StoreMem(R8, C.LastStepAddress, R7, Size.DW));
            c.Add(A.StoreMem(R8, C.LastStepSize, R3, Size.DW));
            // A pointee many frames share (their server, their config) is read to go on, but sent once.
            c.Add(A.Mov64(R1, R7));
            c.Add(A.Mov64Imm(R2, StepType));
            c.Add(A.CallLabel("cap_seen"));
            c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, $"root_step{s}"));
            c.Add(A.Mov64(R1, R7));
            c.Add(A.Mov64Imm(R2, C.StepBuf));
            c.Add(A.LoadMem(R3, R8, C.CurLen, Size.DW));
            c.Add(A.Mov64(R4, R9));
            c.Add(A.CallLabel("cap_append"));
            c.Add(A.Label($"root_step{s}"));
            c.Add(A.StoreImm(R8, C.CurBase, C.StepBuf, Size.DW));
        }
        c.Add(A.Label("root_final"));
        c.Add(A.LoadMem(R3, R6, RootFinalType, Size.W));
        c.Add(A.JumpIfImm(JumpOp.Eq, R3, 0, "root_out"));
        c.Add(A.LoadMem(R2, R6, RootFinalOffset, Size.W));
        c.Add(A.LoadMem(R1, R8, C.CurLen, Size.DW));
        c.Add(A.JumpIf(JumpOp.Ge, R2, R1, "root_out"));
        // A string, the commonest value: its bytes copied here, as scanning its one slot would, minus the scan.
        c.Add(A.LoadMem(R4, R6, RootFinalString, Size.W));
        c.Add(A.JumpIfImm(JumpOp.Eq, R4, 0, "root_scan"));
        c.Add(A.Mov64(R5, R2));
        c.Add(A.Add64Imm(R5, 16));
        c.Add(A.JumpIf(JumpOp.Gt, R5, R1, "root_out"));
        c.Add(A.LoadMem(R1, R8, C.CurBase, Size.DW));
        c.Add(A.Add64(R1, R2));
        c.Add(A.JumpIfImm(JumpOp.Gt, R1, C.Size - 16, "root_out"));
        c.Add(A.Add64(R1, R8));
        c.Add(A.LoadMem(R3, R1, 8, Size.DW));                  // length
        c.Add(A.LoadMem(R1, R1, 0, Size.DW));                  // data
        c.Add(A.JumpIfImm(JumpOp.Eq, R1, 0, "root_out"));
        c.Add(A.JumpIfImm(JumpOp.Eq, R3, 0, "root_out"));
        c.Add(A.JumpIf(JumpOp.Le, R3, R4, "root_string_sized"));
        c.Add(A.Mov64(R3, R4));
        c.Add(A.Label("root_string_sized"));
        c.Add(A.Mov64(R6, R1));
        c.Add(A.Mov64(R7, R3));
        c.Add(A.Mov64Imm(R2, GatherTypeTable.Bytes));
        c.Add(A.CallLabel("cap_seen"));
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "root_out"));
        c.Add(A.Mov64(R1, R6));
        c.Add(A.Mov64(R2, R7));
        c.Add(A.Mov64(R3, R9));
        c.Add(A.CallLabel("cap_leaf"));
        c.Add(A.Jump("root_out"));
        c.Add(A.Label("root_scan"));
        c.Add(A.Sub64(R1, R2));
        c.Add(A.Mov64(R5, R1));                               // bytes of the value in hand
        c.Add(A.LoadMem(R1, R8, C.CurBase, Size.DW));
        c.Add(A.Add64(R1, R2));
        c.Add(A.Mov64(R2, R5));
        c.Add(A.Mov64Imm(R4, 1));
        c.Add(A.StoreImm(R8, C.ScanDepth, 0, Size.DW));
        c.Add(A.Mov64(R5, R9));
        c.Add(A.CallLabel("cap_scan"));
        c.Add(A.Jump("root_out"));
        c.Add(A.Label("root_unreadable"));
        CountUnreadable(c, R7, "root");   // r7: the address that failed (a step's pointer, or a package variable's)
        c.Add(A.Label("root_out"));
        c.Add(A.Mov64Imm(R0, 0));
        c.Add(A.Exit());
    }

    /// <summary>cap_scan(r1 scratch offset, r2 bytes there, r3 type, r4 elements, r5 snapshot scratch; depth in ScanDepth): enqueue what the slots refer to.</summary>
    void Scan(Instructions c)
    {
        c.Add(A.Label("cap_scan"));
        c.Add(A.LoadMapValue(R8, ScratchMap, 0));
        c.Add(A.StoreMem(R8, C.ScanBase, R1, Size.DW));
        c.Add(A.StoreMem(R8, C.ScanLen, R2, Size.DW));
        c.Add(A.StoreMem(R10, -8, R5, Size.DW));  // the snapshot scratch, scan_body's context
        c.Add(A.JumpIfImm(JumpOp.Ge, R3, Math.Max(1, TypeCount), "scan_out"));
        c.Add(A.Mul64Imm(R3, TypeSize));
        c.Add(A.LoadMapValue(R6, TypesMap, 0));
        c.Add(A.Add64(R6, R3));
        c.Add(A.LoadMem(R1, R6, 0, Size.W));
        c.Add(A.JumpIfImm(JumpOp.Eq, R1, 0, "scan_out"));
        c.Add(A.StoreMem(R8, C.ScanSize, R1, Size.DW));
        c.Add(A.LoadMem(R1, R6, 4, Size.W));
        c.Add(A.StoreMem(R8, C.ScanFirstSlot, R1, Size.DW));
        c.Add(A.LoadMem(R1, R6, 8, Size.W));
        c.Add(A.JumpIfImm(JumpOp.Eq, R1, 0, "scan_out"));
        c.Add(A.StoreMem(R8, C.ScanSlotCount, R1, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Gt, R4, MaxScanVisits, "scan_out"));
        c.Add(A.Alu64(AluOp.Mul, R1, R4));
        c.Add(A.JumpIfImm(JumpOp.Le, R1, MaxScanVisits, "scan_loop"));
        c.Add(A.Mov64Imm(R1, MaxScanVisits));
        c.Add(A.Label("scan_loop"));
        c.Add(A.LoadFuncPtr(R2, "scan_body"));
        c.Add(A.Mov64(R3, R10));
        c.Add(A.Add64Imm(R3, -8));
        c.Add(A.Mov64Imm(R4, 0));
        c.Add(A.Call(BpfHelper.Loop));
        c.Add(A.Label("scan_out"));
        c.Add(A.Mov64Imm(R0, 0));
        c.Add(A.Exit());
    }

    /// <summary>long scan_body(u64 i, void *): element i / slots, slot i % slots.</summary>
    void ScanBody(Instructions c)
    {
        var limit = C.Size - 16;
        c.Add(A.Label("scan_body"));
        c.Add(A.LoadMem(R9, R2, 0, Size.DW));
        c.Add(A.LoadMapValue(R8, ScratchMap, 0));
        c.Add(A.LoadMem(R2, R8, C.ScanSlotCount, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, 0, "sb_stop"));
        c.Add(A.Mov64(R3, R1));
        c.Add(A.Alu64(AluOp.Div, R3, R2));                    // element
        c.Add(A.Mov64(R4, R1));
        c.Add(A.Alu64(AluOp.Mod, R4, R2));                    // slot
        c.Add(A.LoadMem(R2, R8, C.ScanSize, Size.DW));
        c.Add(A.Alu64(AluOp.Mul, R3, R2));
        c.Add(A.StoreMem(R8, C.Tmp + 8, R3, Size.DW));          // element base
        c.Add(A.LoadMem(R2, R8, C.ScanFirstSlot, Size.DW));
        c.Add(A.Add64(R4, R2));
        c.Add(A.JumpIfImm(JumpOp.Ge, R4, Math.Max(1, SlotCount), "sb_stop"));
        c.Add(A.Mul64Imm(R4, SlotSize));
        c.Add(A.LoadMapValue(R6, SlotsMap, 0));
        c.Add(A.Add64(R6, R4));
        // r7 = scratch offset of the slot's address word; it must lie in what was read.
        c.Add(A.LoadMem(R7, R6, 8, Size.W));
        c.Add(A.Add64(R7, R3));
        c.Add(A.Mov64(R2, R7));
        c.Add(A.Add64Imm(R2, 8));
        c.Add(A.LoadMem(R4, R8, C.ScanLen, Size.DW));
        c.Add(A.JumpIf(JumpOp.Gt, R2, R4, "sb_next"));
        c.Add(A.LoadMem(R2, R8, C.ScanBase, Size.DW));
        c.Add(A.Add64(R7, R2));
        c.Add(A.JumpIfImm(JumpOp.Gt, R7, limit, "sb_next"));
        c.Add(A.Add64(R7, R8));
        c.Add(A.LoadMem(R1, R7, 0, Size.DW));                   // r1 = the address word
        c.Add(A.LoadMem(R3, R6, 16, Size.W));                   // r3 = child
        c.Add(A.Mov64Imm(R4, 1));                               // r4 = count
        c.Add(A.LoadMem(R2, R6, 0, Size.B));
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, (int)GatherSlotKind.Pointer, "sb_enqueue"));
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, (int)GatherSlotKind.Eface, "sb_eface"));
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, (int)GatherSlotKind.Iface, "sb_iface"));
        // The rest read a count word at CountOffset of the same element.
        c.Add(A.LoadMem(R5, R6, 12, Size.W));
        c.Add(A.LoadMem(R0, R8, C.Tmp + 8, Size.DW));
        c.Add(A.Add64(R5, R0));
        c.Add(A.Mov64(R0, R5));
        c.Add(A.Add64Imm(R0, 8));
        c.Add(A.LoadMem(R7, R8, C.ScanLen, Size.DW));
        c.Add(A.JumpIf(JumpOp.Gt, R0, R7, "sb_next"));
        c.Add(A.LoadMem(R0, R8, C.ScanBase, Size.DW));
        c.Add(A.Add64(R5, R0));
        c.Add(A.JumpIfImm(JumpOp.Gt, R5, limit, "sb_next"));
        c.Add(A.Add64(R5, R8));
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, (int)GatherSlotKind.Shift, "sb_shift"));
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, (int)GatherSlotKind.ShiftOld, "sb_shift_old"));
        c.Add(A.LoadMem(R4, R5, 0, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, (int)GatherSlotKind.Counted, "sb_enqueue"));
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, (int)GatherSlotKind.SwissDirectory, "sb_dir"));
        c.Add(A.Add64Imm(R4, 1));                               // PlusOne
        c.Add(A.Jump("sb_enqueue"));
        c.Add(A.Label("sb_shift_old"));
        // flags (u8 at AltChild of the same element): sameSizeGrow (8) keeps 2^B, otherwise the old array had 2^(B-1).
        c.Add(A.LoadMem(R0, R6, 20, Size.W));
        c.Add(A.LoadMem(R4, R8, C.Tmp + 8, Size.DW));
        c.Add(A.Add64(R0, R4));
        c.Add(A.LoadMem(R4, R8, C.ScanBase, Size.DW));
        c.Add(A.Add64(R0, R4));
        c.Add(A.JumpIfImm(JumpOp.Gt, R0, limit, "sb_next"));
        c.Add(A.Add64(R0, R8));
        c.Add(A.LoadMem(R0, R0, 0, Size.B));
        c.Add(A.LoadMem(R5, R5, 0, Size.B));
        c.Add(A.JumpIfImm(JumpOp.Set, R0, 8, "sb_shift_ok"));
        c.Add(A.JumpIfImm(JumpOp.Eq, R5, 0, "sb_shift_ok"));
        c.Add(A.Add64Imm(R5, -1));
        c.Add(A.Jump("sb_shift_ok"));
        c.Add(A.Label("sb_shift"));
        c.Add(A.LoadMem(R5, R5, 0, Size.B));
        c.Add(A.Label("sb_shift_ok"));
        c.Add(A.JumpIfImm(JumpOp.Le, R5, 24, "sb_shift_bounded"));
        c.Add(A.Mov64Imm(R5, 24));
        c.Add(A.Label("sb_shift_bounded"));
        c.Add(A.Mov64Imm(R4, 1));
        c.Add(A.Alu64(AluOp.Lsh, R4, R5));
        c.Add(A.Jump("sb_enqueue"));
        c.Add(A.Label("sb_dir"));
        c.Add(A.JumpIfImm(JumpOp.Ne, R4, 0, "sb_dir_tables"));
        c.Add(A.Mov64Imm(R4, 1));
        c.Add(A.Jump("sb_enqueue"));
        c.Add(A.Label("sb_dir_tables"));
        c.Add(A.LoadMem(R3, R6, 20, Size.W));
        c.Add(A.Jump("sb_enqueue"));
        // Interfaces: (type or itab, data); the second word must have been read too.
        c.Add(A.Label("sb_iface"));
        c.Add(A.JumpIfImm(JumpOp.Eq, R1, 0, "sb_next"));
        c.Add(A.LoadMem(R2, R7, 8, Size.DW));
        c.Add(A.StoreMem(R8, C.Tmp, R2, Size.DW));
        c.Add(A.Mov64(R3, R1));
        c.Add(A.Add64Imm(R3, _plan.ItabTypeOffset));
        c.Add(A.Mov64(R1, R8));
        c.Add(A.Add64Imm(R1, C.Tmp + 8));
        c.Add(A.Mov64Imm(R2, 8));
        c.Add(A.Call(BpfHelper.ProbeReadUser));
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "sb_next"));
        // The decoder reads the dynamic type through the itab too: send the word it reads.
        c.Add(A.LoadMem(R1, R7, 0, Size.DW));
        c.Add(A.Add64Imm(R1, _plan.ItabTypeOffset));
        c.Add(A.Mov64Imm(R2, C.Tmp + 8));
        c.Add(A.Mov64Imm(R3, 8));
        c.Add(A.Mov64(R4, R9));
        c.Add(A.CallLabel("cap_append"));
        c.Add(A.LoadMem(R1, R8, C.Tmp + 8, Size.DW));
        c.Add(A.Jump("sb_dynamic"));
        c.Add(A.Label("sb_eface"));
        c.Add(A.LoadMem(R2, R7, 8, Size.DW));
        c.Add(A.StoreMem(R8, C.Tmp, R2, Size.DW));
        c.Add(A.Label("sb_dynamic"));
        // r1 = runtime type address: its gather type from the sorted table; the data word is what to copy.
        c.Add(A.JumpIfImm(JumpOp.Eq, R1, 0, "sb_next"));
        if (RuntimeTypes == 0) c.Add(A.Jump("sb_unknown"));
        else
        {
            c.Add(A.LoadMapValue(R5, RuntimeTypesMap, 0));
            BinarySearch(c, "sb", RuntimeTypes, RuntimeTypeSize, 0, key: R1, table: R5, notFound: "sb_last");
            // Upper bound: the match, if any, is the entry before.
            c.Add(A.Label("sb_last_check"));
            c.Add(A.JumpIfImm(JumpOp.Eq, R3, 0, "sb_unknown"));
            c.Add(A.Add64Imm(R3, -1));
            c.Add(A.Jump("sb_match"));
            c.Add(A.Label("sb_last"));
            c.Add(A.Mov64Imm(R3, RuntimeTypes));
            c.Add(A.Jump("sb_last_check"));
            c.Add(A.Label("sb_match"));
            c.Add(A.JumpIfImm(JumpOp.Ge, R3, RuntimeTypes, "sb_unknown"));
            c.Add(A.Mul64Imm(R3, RuntimeTypeSize));
            c.Add(A.Add64(R3, R5));
            c.Add(A.LoadMem(R2, R3, 0, Size.DW));
            c.Add(A.JumpIf(JumpOp.Ne, R2, R1, "sb_unknown"));
            c.Add(A.LoadMem(R3, R3, 8, Size.W));
            c.Add(A.LoadMem(R1, R8, C.Tmp, Size.DW));
            c.Add(A.Mov64Imm(R4, 1));
            c.Add(A.Jump("sb_enqueue"));
        }
        // A dynamic type without DWARF (the linker leaves out types only ever boxed, such as context keys): its
        // descriptor's kind says enough for strings and scalars, which the decoder names from the executable.
        c.Add(A.Label("sb_unknown"));
        c.Add(A.Mov64(R3, R1));
        c.Add(A.Mov64(R1, R8));
        c.Add(A.Add64Imm(R1, C.Descriptor));
        c.Add(A.Mov64Imm(R2, 24));
        c.Add(A.Call(BpfHelper.ProbeReadUser));
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "sb_next"));
        c.Add(A.Mov64(R5, R8));
        c.Add(A.Add64Imm(R5, C.Descriptor));
        c.Add(A.LoadMem(R2, R5, 23, Size.B));
        c.Add(A.And64Imm(R2, 0x1f));
        c.Add(A.LoadMem(R1, R8, C.Tmp, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Ne, R2, (int)Binary.Dwarf.Types.GoKind.String, "sb_scalar"));
        c.Add(A.Mov64Imm(R3, _plan.StringType));
        c.Add(A.Mov64Imm(R4, 1));
        c.Add(A.Jump("sb_counted"));
        c.Add(A.Label("sb_scalar"));
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, 0, "sb_next"));
        c.Add(A.JumpIfImm(JumpOp.Gt, R2, (int)Binary.Dwarf.Types.GoKind.Complex128, "sb_next"));
        c.Add(A.LoadMem(R4, R5, 0, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R4, 0, "sb_next"));
        c.Add(A.JumpIfImm(JumpOp.Gt, R4, 16, "sb_next"));
        c.Add(A.Mov64Imm(R3, GatherTypeTable.Bytes));
        c.Add(A.Jump("sb_counted"));
        c.Add(A.Label("sb_enqueue"));
        c.Add(A.LoadMem(R2, R6, 4, Size.W));
        c.Add(A.JumpIf(JumpOp.Le, R4, R2, "sb_counted"));
        c.Add(A.Mov64(R4, R2));
        c.Add(A.Label("sb_counted"));
        c.Add(A.JumpIfImm(JumpOp.Eq, R1, 0, "sb_next"));
        c.Add(A.JumpIfImm(JumpOp.Eq, R4, 0, "sb_next"));
        c.Add(A.Mov64(R2, R3));
        c.Add(A.Mov64(R3, R4));
        c.Add(A.LoadMem(R4, R6, 1, Size.B));
        c.Add(A.LoadMem(R5, R8, C.ScanDepth, Size.DW));
        c.Add(A.Add64(R4, R5));
        c.Add(A.JumpIfImm(JumpOp.Gt, R4, _plan.Limits.PointerDepth, "sb_next"));
        // Leaves (string bytes, scalars: nothing to follow in them) are copied at once, not queued and not
        // de-duplicated: the copy costs what the de-duplication lookup would.
        c.Add(A.JumpIfImm(JumpOp.Ge, R2, Math.Max(1, TypeCount), "sb_queue"));
        c.Add(A.Mov64(R5, R2));
        c.Add(A.Mul64Imm(R5, TypeSize));
        c.Add(A.LoadMapValue(R0, TypesMap, 0));
        c.Add(A.Add64(R5, R0));
        c.Add(A.LoadMem(R0, R5, 8, Size.W));
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "sb_queue"));
        c.Add(A.LoadMem(R0, R5, 0, Size.W));
        c.Add(A.JumpIfImm(JumpOp.Gt, R0, GatherTypeTable.MaxBlockBytes, "sb_next"));
        c.Add(A.JumpIfImm(JumpOp.Gt, R3, GatherTypeTable.MaxBlockBytes, "sb_next"));
        c.Add(A.Alu64(AluOp.Mul, R0, R3));
        c.Add(A.JumpIfImm(JumpOp.Le, R0, GatherTypeTable.MaxBlockBytes, "sb_leaf"));
        c.Add(A.Mov64Imm(R0, GatherTypeTable.MaxBlockBytes));
        c.Add(A.Label("sb_leaf"));
        c.Add(A.Mov64(R6, R1));                                  // address and length survive cap_seen
        c.Add(A.Mov64(R7, R0));
        c.Add(A.CallLabel("cap_seen"));
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "sb_next"));
        c.Add(A.Mov64(R1, R6));
        c.Add(A.Mov64(R2, R7));
        c.Add(A.Mov64(R3, R9));
        c.Add(A.CallLabel("cap_leaf"));
        c.Add(A.Jump("sb_next"));
        c.Add(A.Label("sb_queue"));
        c.Add(A.CallLabel("cap_enqueue"));
        c.Add(A.Label("sb_next"));
        c.Add(A.Mov64Imm(R0, 0));
        c.Add(A.Exit());
        c.Add(A.Label("sb_stop"));
        c.Add(A.Mov64Imm(R0, 1));
        c.Add(A.Exit());
    }

    /// <summary>
    /// cap_seen(r1 address, r2 type, r3 count): r0 = 1 when this (address, type, count) was already taken this
    /// snapshot, else records it and r0 = 0. A lossy table small enough to stay in cache: a collision only means a
    /// second copy. Clobbers r0-r5.
    /// </summary>
    static void Seen(Instructions c)
    {
        c.Add(A.Label("cap_seen"));
        c.Add(A.LoadMapValue(R4, ScratchMap, 0));
        c.Add(A.Mov64(R5, R1));
        c.Add(A.Rsh64Imm(R5, 3));
        c.Add(A.Mov64(R0, R2));
        c.Add(A.Lsh64Imm(R0, 20));
        c.Add(A.Alu64(AluOp.Xor, R5, R0));
        c.Add(A.Alu64(AluOp.Xor, R5, R3));
        c.Add(A.Mul64Imm(R5, unchecked((int)0x9E3779B1)));
        c.Add(A.Rsh64Imm(R5, 16));
        c.Add(A.And64Imm(R5, DedupEntries - 1));
        c.Add(A.Mul64Imm(R5, DedupEntrySize));
        c.Add(A.LoadMapValue(R0, DedupMap, 0));
        c.Add(A.Add64(R5, R0));
        c.Add(A.LoadMem(R4, R4, C.Generation, Size.DW));
        c.Add(A.LoadMem(R0, R5, 16, Size.DW));
        c.Add(A.JumpIf(JumpOp.Ne, R0, R4, "seen_new"));
        c.Add(A.LoadMem(R0, R5, 0, Size.DW));
        c.Add(A.JumpIf(JumpOp.Ne, R0, R1, "seen_new"));
        c.Add(A.LoadMem(R0, R5, 8, Size.W));
        c.Add(A.JumpIf(JumpOp.Ne, R0, R2, "seen_new"));
        c.Add(A.LoadMem(R0, R5, 12, Size.W));
        c.Add(A.JumpIf(JumpOp.Ne, R0, R3, "seen_new"));
        c.Add(A.Mov64Imm(R0, 1));
        c.Add(A.Exit());
        c.Add(A.Label("seen_new"));
        c.Add(A.StoreMem(R5, 0, R1, Size.DW));
        c.Add(A.StoreMem(R5, 8, R2, Size.W));
        c.Add(A.StoreMem(R5, 12, R3, Size.W));
        c.Add(A.StoreMem(R5, 16, R4, Size.DW));
        c.Add(A.Mov64Imm(R0, 0));
        c.Add(A.Exit());
    }

    /// <summary>cap_enqueue(r1 address, r2 type, r3 count, r4 depth): queue a block to copy, unless already taken this snapshot.</summary>
    static void Enqueue(Instructions c)
    {
        c.Add(A.Label("cap_enqueue"));
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, 0, "enq_out"));
        c.Add(A.Mov64(R6, R1));
        c.Add(A.Mov64(R7, R2));
        c.Add(A.Mov64(R9, R3));
        c.Add(A.LoadMapValue(R8, ScratchMap, 0));
        c.Add(A.StoreMem(R8, C.EnqueueDepth, R4, Size.DW));
        c.Add(A.CallLabel("cap_seen"));
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "enq_out"));
        c.Add(A.LoadMem(R5, R8, C.QueueTail, Size.DW));
        c.Add(A.LoadMem(R0, R8, C.QueueHead, Size.DW));
        c.Add(A.Mov64(R1, R5));
        c.Add(A.Sub64(R1, R0));
        c.Add(A.JumpIfImm(JumpOp.Lt, R1, QueueEntries, "enq_room"));
        Increment(c, R8, C.QueueDropped);
        c.Add(A.Jump("enq_out"));
        c.Add(A.Label("enq_room"));
        c.Add(A.Mov64(R1, R5));
        c.Add(A.And64Imm(R1, QueueEntries - 1));
        c.Add(A.Mul64Imm(R1, QueueEntrySize));
        c.Add(A.LoadMapValue(R0, QueueMap, 0));
        c.Add(A.Add64(R1, R0));
        c.Add(A.StoreMem(R1, 0, R6, Size.DW));
        c.Add(A.StoreMem(R1, 8, R7, Size.W));
        c.Add(A.StoreMem(R1, 12, R9, Size.W));
        c.Add(A.LoadMem(R0, R8, C.EnqueueDepth, Size.DW));
        c.Add(A.StoreMem(R1, 16, R0, Size.W));
        c.Add(A.Add64Imm(R5, 1));
        c.Add(A.StoreMem(R8, C.QueueTail, R5, Size.DW));
        c.Add(A.Label("enq_out"));
        c.Add(A.Mov64Imm(R0, 0));
        c.Add(A.Exit());
    }

    /// <summary>long gather_body(u64 i, scratch **s): copy the next queued block, send it, scan it; 1 = done.</summary>
    void GatherBody(Instructions c)
    {
        c.Add(A.Label("gather_body"));
        c.Add(A.LoadMem(R9, R2, 0, Size.DW));
        c.Add(A.LoadMapValue(R8, ScratchMap, 0));
        c.Add(A.LoadMem(R1, R8, C.QueueHead, Size.DW));
        c.Add(A.LoadMem(R2, R8, C.QueueTail, Size.DW));
        c.Add(A.JumpIf(JumpOp.Ge, R1, R2, "gth_stop"));
        c.Add(A.LoadMem(R2, R8, C.BytesCopied, Size.DW));
        c.Add(A.LoadImm64(R3, _plan.Limits.SnapshotBytes));
        c.Add(A.JumpIf(JumpOp.Lt, R2, R3, "gth_budget"));
        c.Add(A.StoreImm(R8, C.Budget, 1, Size.DW));
        c.Add(A.Jump("gth_stop"));
        c.Add(A.Label("gth_budget"));
        c.Add(A.Mov64(R2, R1));
        c.Add(A.Add64Imm(R2, 1));
        c.Add(A.StoreMem(R8, C.QueueHead, R2, Size.DW));
        c.Add(A.And64Imm(R1, QueueEntries - 1));
        c.Add(A.Mul64Imm(R1, QueueEntrySize));
        c.Add(A.LoadMapValue(R6, QueueMap, 0));
        c.Add(A.Add64(R6, R1));                                  // r6 = the queue entry (stable until overwritten by a later enqueue)
        c.Add(A.LoadMem(R2, R6, 8, Size.W));
        c.Add(A.JumpIfImm(JumpOp.Ge, R2, Math.Max(1, TypeCount), "gth_next"));
        c.Add(A.Mul64Imm(R2, TypeSize));
        c.Add(A.LoadMapValue(R7, TypesMap, 0));
        c.Add(A.Add64(R7, R2));
        c.Add(A.LoadMem(R2, R7, 0, Size.W));                   // element size
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, 0, "gth_next"));
        c.Add(A.StoreMem(R8, C.Tmp, R2, Size.DW));
        c.Add(A.LoadMem(R3, R6, 12, Size.W));
        c.Add(A.JumpIfImm(JumpOp.Gt, R3, GatherTypeTable.MaxBlockBytes, "gth_next"));
        c.Add(A.JumpIfImm(JumpOp.Gt, R2, GatherTypeTable.MaxBlockBytes, "gth_clamp"));
        c.Add(A.Alu64(AluOp.Mul, R2, R3));
        c.Add(A.JumpIfImm(JumpOp.Le, R2, GatherTypeTable.MaxBlockBytes, "gth_sized"));
        c.Add(A.Label("gth_clamp"));
        c.Add(A.Mov64Imm(R2, GatherTypeTable.MaxBlockBytes));
        c.Add(A.Label("gth_sized"));
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, 0, "gth_next"));
        c.Add(A.Mov64(R7, R2));                                  // r7 = bytes to copy
        c.Add(A.LoadMem(R3, R6, 0, Size.DW));
        c.Add(A.Mov64(R1, R8));
        c.Add(A.Add64Imm(R1, C.GatherBuf));
        c.Add(A.Call(BpfHelper.ProbeReadUser));
        c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, "gth_read"));
        c.Add(A.LoadMem(R1, R6, 0, Size.DW));
        CountUnreadable(c, R1, "gth");
        c.Add(A.Jump("gth_next"));
        c.Add(A.Label("gth_read"));
        // Keep type and depth before the entry can be reused by what this block enqueues.
        c.Add(A.LoadMem(R1, R6, 8, Size.W));
        c.Add(A.StoreMem(R8, C.ScanFirstSlot, R1, Size.DW));
        c.Add(A.LoadMem(R1, R6, 16, Size.W));
        c.Add(A.StoreMem(R8, C.ScanDepth, R1, Size.DW));
        c.Add(A.LoadMem(R1, R6, 0, Size.DW));
        c.Add(A.Mov64Imm(R2, C.GatherBuf));
        c.Add(A.Mov64(R3, R7));
        c.Add(A.Mov64(R4, R9));
        c.Add(A.CallLabel("cap_append"));
        c.Add(A.Mov64Imm(R1, C.GatherBuf));
        c.Add(A.Mov64(R2, R7));
        c.Add(A.LoadMem(R3, R8, C.ScanFirstSlot, Size.DW));
        c.Add(A.Mov64(R4, R7));
        c.Add(A.LoadMem(R0, R8, C.Tmp, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, "gth_next"));
        c.Add(A.Alu64(AluOp.Div, R4, R0));                     // whole elements copied
        c.Add(A.Mov64(R5, R9));
        c.Add(A.CallLabel("cap_scan"));
        c.Add(A.Label("gth_next"));
        c.Add(A.Mov64Imm(R0, 0));
        c.Add(A.Exit());
        c.Add(A.Label("gth_stop"));
        c.Add(A.Mov64Imm(R0, 1));
        c.Add(A.Exit());
    }

    /// <summary>cap_append(r1 address, r2 scratch offset, r3 length, r4 snapshot scratch): a block entry of bytes already in the scratch, flushing first when full.</summary>
    static void Append(Instructions c)
    {
        c.Add(A.Label("cap_append"));
        c.Add(A.Mov64(R9, R4));
        c.Add(A.Mov64(R6, R1));
        c.Add(A.Mov64(R7, R3));
        c.Add(A.JumpIfImm(JumpOp.Gt, R2, C.Size - GatherTypeTable.MaxBlockBytes, "app_out"));
        c.Add(A.LoadMapValue(R8, ScratchMap, 0));
        c.Add(A.StoreMem(R8, C.AppendSource, R2, Size.DW));
        BlockEntry(c, "app", BpfHelper.ProbeReadKernel, () =>
        {
            c.Add(A.LoadMem(R3, R8, C.AppendSource, Size.DW));
            c.Add(A.JumpIfImm(JumpOp.Gt, R3, C.Size - GatherTypeTable.MaxBlockBytes, "app_out"));
            c.Add(A.Add64(R3, R8));
        });
    }

    /// <summary>cap_leaf(r1 address, r2 length, r3 snapshot scratch): copy target memory straight into the batch as a block entry, within the byte budget.</summary>
    void Leaf(Instructions c)
    {
        c.Add(A.Label("cap_leaf"));
        c.Add(A.Mov64(R9, R3));
        c.Add(A.Mov64(R6, R1));
        c.Add(A.Mov64(R7, R2));
        c.Add(A.LoadMapValue(R8, ScratchMap, 0));
        c.Add(A.LoadMem(R1, R8, C.BytesCopied, Size.DW));
        c.Add(A.LoadImm64(R2, _plan.Limits.SnapshotBytes));
        c.Add(A.JumpIf(JumpOp.Lt, R1, R2, "leaf_budget"));
        c.Add(A.StoreImm(R8, C.Budget, 1, Size.DW));
        c.Add(A.Jump("leaf_out"));
        c.Add(A.Label("leaf_budget"));
        BlockEntry(c, "leaf", BpfHelper.ProbeReadUser, () => c.Add(A.Mov64(R3, R6)));
    }

    /// <summary>
    /// The body both block writers share, ending the function: r6 = address, r7 = length, r8 = capture scratch,
    /// r9 = snapshot scratch. Flushes when the largest entry might not fit, writes the entry header, copies the
    /// bytes with <paramref name="copy"/> from the source <paramref name="loadSource"/> leaves in r3 (a failed copy
    /// is counted, the entry dropped), then advances the batch and the byte count.
    /// </summary>
    static void BlockEntry(Instructions c, string prefix, BpfHelper copy, Action loadSource)
    {
        c.Add(A.JumpIfImm(JumpOp.Eq, R7, 0, $"{prefix}_out"));
        c.Add(A.JumpIfImm(JumpOp.Gt, R7, GatherTypeTable.MaxBlockBytes, $"{prefix}_out"));
        const int limit = B.BatchBytes - B.EntryHeaderSize - GatherTypeTable.MaxBlockBytes - 8;
        c.Add(A.LoadMem(R1, R8, C.BatchLen, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Le, R1, limit, $"{prefix}_room"));
        c.Add(A.Mov64(R1, R9));
        c.Add(A.CallLabel("cap_flush"));
        c.Add(A.Label($"{prefix}_room"));
        c.Add(A.LoadMem(R1, R8, C.BatchLen, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Gt, R1, limit, $"{prefix}_out"));
        c.Add(A.Mov64(R2, R1));
        c.Add(A.Add64(R2, R8));
        const int at = C.Batch + B.HeaderSize;
        c.Add(A.StoreImm(R2, at + B.EntryKind, (int)B.BlockEntry, Size.W));
        c.Add(A.StoreMem(R2, at + B.EntryLength, R7, Size.W));
        c.Add(A.StoreMem(R2, at + B.EntryAddress, R6, Size.DW));
        c.Add(A.Mov64(R1, R2));
        c.Add(A.Add64Imm(R1, at + B.EntryHeaderSize));
        c.Add(A.Mov64(R2, R7));
        loadSource();
        c.Add(A.Call(copy));
        c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, $"{prefix}_copied"));
        CountUnreadable(c, R6, prefix);
        c.Add(A.Jump($"{prefix}_out"));
        c.Add(A.Label($"{prefix}_copied"));
        c.Add(A.LoadMem(R1, R8, C.BatchLen, Size.DW));
        c.Add(A.Add64(R1, R7));
        c.Add(A.Add64Imm(R1, B.EntryHeaderSize + 7));
        c.Add(A.And64Imm(R1, ~7));
        c.Add(A.StoreMem(R8, C.BatchLen, R1, Size.DW));
        c.Add(A.LoadMem(R1, R8, C.BytesCopied, Size.DW));
        c.Add(A.Add64(R1, R7));
        c.Add(A.StoreMem(R8, C.BytesCopied, R1, Size.DW));
        c.Add(A.Label($"{prefix}_out"));
        c.Add(A.Mov64Imm(R0, 0));
        c.Add(A.Exit());
    }

    /// <summary>cap_flush(r1 snapshot scratch): send the batch if it has entries (counted as dropped when the ring refuses).</summary>
    static void Flush(Instructions c, ProbePlanView probe)
    {
        c.Add(A.Label("cap_flush"));
        c.Add(A.Mov64(R9, R1));
        c.Add(A.LoadMapValue(R8, ScratchMap, 0));
        c.Add(A.LoadMem(R3, R8, C.BatchLen, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R3, 0, "fl_out"));
        c.Add(A.JumpIfImm(JumpOp.Gt, R3, B.BatchBytes, "fl_reset"));
        c.Add(A.StoreImm(R8, C.Batch, (int)B.Kind, Size.W));
        c.Add(A.StoreImm(R8, C.Batch + 4, 0, Size.W));
        c.Add(A.StoreMem(R8, C.Batch + B.Used, R3, Size.W));
        c.Add(A.StoreImm(R8, C.Batch + 12, 0, Size.W));
        c.Add(A.Add64Imm(R3, B.HeaderSize));
        SnapshotProgramGenerator.EmitIfRoom(c, probe.RingBufferBytes, R8, C.Batch, "fl_refused");
        c.Add(A.Jump("fl_reset"));
        c.Add(A.Label("fl_refused"));
        c.Add(A.LoadMapValue(R8, ScratchMap, 0));
        Increment(c, R8, C.BatchesDropped);
        c.Add(A.Label("fl_reset"));
        c.Add(A.LoadMapValue(R8, ScratchMap, 0));
        c.Add(A.StoreImm(R8, C.BatchLen, 0, Size.DW));
        c.Add(A.Label("fl_out"));
        c.Add(A.Mov64Imm(R0, 0));
        c.Add(A.Exit());
    }

    /// <summary>
    /// A copy of at most <see cref="SmallCopyWords"/> words between map values (r1 destination, r2 length, r3 source)
    /// done with loads and stores, then r0 = 0 and a jump to <paramref name="done"/>; longer ones fall through to the
    /// caller's helper call. A frame's span is usually one or two slots: a helper call for 8 bytes costs more.
    /// Whole words are copied (both sides have room to the next 8 bytes).
    /// </summary>
    static void CopySmall(Instructions c, string prefix, string done)
    {
        c.Add(A.JumpIfImm(JumpOp.Gt, R2, SmallCopyWords * 8, $"{prefix}_helper"));
        for (var k = 0; k < SmallCopyWords; k++)
        {
            c.Add(A.JumpIfImm(JumpOp.Le, R2, k * 8, $"{prefix}_done"));
            c.Add(A.LoadMem(R4, R3, k * 8, Size.DW));
            c.Add(A.StoreMem(R1, k * 8, R4, Size.DW));
        }
        c.Add(A.Label($"{prefix}_done"));
        c.Add(A.Mov64Imm(R0, 0));
        c.Add(A.Jump(done));
        c.Add(A.Label($"{prefix}_helper"));
    }

    const int SmallCopyWords = 4;

    /// <summary>Counts a copy that failed (memory not resident, or gone), keeping the first address for the message. r8 = capture scratch; clobbers r0.</summary>
    static void CountUnreadable(Instructions c, Register address, string prefix)
    {
        c.Add(A.LoadMem(R0, R8, C.Unreadable, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, $"{prefix}_unreadable_counted"));
        c.Add(A.StoreMem(R8, C.FirstUnreadable, address, Size.DW));
        c.Add(A.Label($"{prefix}_unreadable_counted"));
        Increment(c, R8, C.Unreadable);
    }

    static void Increment(Instructions c, Register at, int offset)
    {
        c.Add(A.LoadMem(R0, at, offset, Size.DW));
        c.Add(A.Add64Imm(R0, 1));
        c.Add(A.StoreMem(at, offset, R0, Size.DW));
    }
}

/// <summary>What the capture code needs of the snapshot plan.</summary>
internal readonly record struct ProbePlanView(uint RingBufferBytes);
