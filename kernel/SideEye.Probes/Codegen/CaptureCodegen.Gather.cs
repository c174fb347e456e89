using SideEye.Bpf;
using SideEye.Bpf.Asm;
using SideEye.Loader.Contract;
using SideEye.Probes.Capture;
using SideEye.Probes.Records;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;
using B = SideEye.Probes.Records.CaptureBatchLayout;
using C = SideEye.Probes.Codegen.CaptureScratchLayout;
using S = SideEye.Probes.Codegen.ScratchLayout;

namespace SideEye.Probes.Codegen;

/// <summary>Following what captured values refer to: slot scans, de-duplication, the queue, block entries and batches.</summary>
internal sealed partial class CaptureCodegen
{
    /// <summary>u64 cap_scan(scratch offset, bytes there, type, elements, depth): enqueue what the slots of those elements refer to.</summary>
    void Scan(Instructions c)
    {
        c.Add(A.GlobalFunction("cap_scan", 5));
        CapScratch(c);
        c.Add(A.StoreMem(R8, C.ScanBase, R1, Size.DW));
        c.Add(A.StoreMem(R8, C.ScanLen, R2, Size.DW));
        c.Add(A.StoreMem(R8, C.ScanDepth, R5, Size.DW));
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
        c.Add(A.JumpIfImm(JumpOp.Le, R1, MaxScanVisits, "scan_visits"));
        c.Add(A.Mov64Imm(R1, MaxScanVisits));
        c.Add(A.Label("scan_visits"));
        BpfFunctions.Loop(c, "scan_loop");
        c.Add(A.Label("scan_out"));
        BpfFunctions.Return(c, 0);
    }

    /// <summary>
    /// u64 scan_slot(u64 i): element i / slots, slot i % slots; 1 = stop. The deepest function of the program, so it
    /// calls none: de-duplication, leaf copies and enqueueing are inline.
    /// </summary>
    void ScanSlot(Instructions c, ProbePlanView probe)
    {
        var limit = C.Size - 16;
        c.Add(A.GlobalFunction("scan_slot", 1));
        CapScratch(c);
        SnapshotProgramGenerator.Scratch(c);
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
        c.Add(A.StoreMem(R10, -32, R6, Size.DW));               // the slot entry, spilled where the verifier tracks it
        c.Add(A.LoadMem(R6, R7, 0, Size.DW));
        c.Add(A.Add64Imm(R6, _plan.ItabTypeOffset));
        c.Add(A.Mov64Imm(R7, 8));
        BlockEntry(c, probe, "sb_itab", BpfHelper.ProbeReadKernel, () =>
        {
            c.Add(A.Mov64(R3, R8));
            c.Add(A.Add64Imm(R3, C.Tmp + 8));
        }, "sb_itab_sent");
        c.Add(A.Label("sb_itab_sent"));
        c.Add(A.LoadMem(R6, R10, -32, Size.DW));
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
            BinarySearch(c, RuntimeTypes, RuntimeTypeSize, 0, key: R1, table: R5, notFound: "sb_last");
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
        c.Add(A.Mov64(R6, R1));
        c.Add(A.Mov64(R7, R0));
        SeenInline(c, "sb_leaf_seen", "sb_next");
        LeafInline(c, probe, "sb_leaf_copy", "sb_next");
        c.Add(A.Label("sb_queue"));
        EnqueueInline(c, "sb_enq", "sb_next");
        c.Add(A.Label("sb_next"));
        BpfFunctions.Return(c, 0);
        c.Add(A.Label("sb_stop"));
        BpfFunctions.Return(c, 1);
    }

    /// <summary>
    /// Copies a leaf (r6 address, r7 length) unless its key (r1 address, r2 type, r3 count) was taken already this
    /// snapshot, then jumps to <paramref name="done"/>. r6 and r7 survive cap_seen.
    /// </summary>
    static void LeafOnce(Instructions c, string done)
    {
        c.Add(A.CallLabel("cap_seen"));
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, done));
        c.Add(A.Mov64(R1, R6));
        c.Add(A.Mov64(R2, R7));
        c.Add(A.CallLabel("cap_leaf"));
        c.Add(A.Jump(done));
    }

    /// <summary>u64 cap_seen(address, type, count): 1 when this (address, type, count) was already taken this snapshot, else records it and 0.</summary>
    static void SeenFunction(Instructions c)
    {
        c.Add(A.GlobalFunction("cap_seen", 3));
        SeenInline(c, "seen", "seen_yes");
        BpfFunctions.Return(c, 0);
        c.Add(A.Label("seen_yes"));
        BpfFunctions.Return(c, 1);
    }

    /// <summary>
    /// Jumps to <paramref name="seen"/> when (r1 address, r2 type, r3 count) was already taken this snapshot; else
    /// records it and falls through. A lossy table small enough to stay in cache: a collision only means a second
    /// copy. Keeps r1-r3 and r6-r9; clobbers r0, r4, r5.
    /// </summary>
    static void SeenInline(Instructions c, string prefix, string seen)
    {
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
        c.Add(A.LoadMapValue(R4, ScratchMap, 0));
        c.Add(A.LoadMem(R4, R4, C.Generation, Size.DW));
        c.Add(A.LoadMem(R0, R5, 16, Size.DW));
        c.Add(A.JumpIf(JumpOp.Ne, R0, R4, $"{prefix}_new"));
        c.Add(A.LoadMem(R0, R5, 0, Size.DW));
        c.Add(A.JumpIf(JumpOp.Ne, R0, R1, $"{prefix}_new"));
        c.Add(A.LoadMem(R0, R5, 8, Size.W));
        c.Add(A.JumpIf(JumpOp.Ne, R0, R2, $"{prefix}_new"));
        c.Add(A.LoadMem(R0, R5, 12, Size.W));
        c.Add(A.JumpIf(JumpOp.Eq, R0, R3, seen));
        c.Add(A.Label($"{prefix}_new"));
        c.Add(A.StoreMem(R5, 0, R1, Size.DW));
        c.Add(A.StoreMem(R5, 8, R2, Size.W));
        c.Add(A.StoreMem(R5, 12, R3, Size.W));
        c.Add(A.StoreMem(R5, 16, R4, Size.DW));
    }

    /// <summary>
    /// Queues a block to copy (r1 address, r2 type, r3 count, r4 depth) unless already taken this snapshot, then
    /// jumps to <paramref name="done"/>. r8 = capture scratch; clobbers r0-r7.
    /// </summary>
    static void EnqueueInline(Instructions c, string prefix, string done)
    {
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, 0, done));
        c.Add(A.Mov64(R6, R1));
        c.Add(A.Mov64(R7, R2));
        c.Add(A.StoreMem(R8, C.EnqueueDepth, R4, Size.DW));   // r4 is the lookup's; r1-r3 survive it
        SeenInline(c, $"{prefix}_seen", done);
        c.Add(A.LoadMem(R5, R8, C.QueueTail, Size.DW));
        c.Add(A.LoadMem(R0, R8, C.QueueHead, Size.DW));
        c.Add(A.Mov64(R1, R5));
        c.Add(A.Sub64(R1, R0));
        c.Add(A.JumpIfImm(JumpOp.Lt, R1, QueueEntries, $"{prefix}_room"));
        Increment(c, R8, C.QueueDropped);
        c.Add(A.Jump(done));
        c.Add(A.Label($"{prefix}_room"));
        c.Add(A.Mov64(R1, R5));
        c.Add(A.And64Imm(R1, QueueEntries - 1));
        c.Add(A.Mul64Imm(R1, QueueEntrySize));
        c.Add(A.LoadMapValue(R0, QueueMap, 0));
        c.Add(A.Add64(R1, R0));
        c.Add(A.StoreMem(R1, 0, R6, Size.DW));
        c.Add(A.StoreMem(R1, 8, R7, Size.W));
        c.Add(A.StoreMem(R1, 12, R3, Size.W));
        c.Add(A.LoadMem(R0, R8, C.EnqueueDepth, Size.DW));
        c.Add(A.StoreMem(R1, 16, R0, Size.W));
        c.Add(A.Add64Imm(R5, 1));
        c.Add(A.StoreMem(R8, C.QueueTail, R5, Size.DW));
        c.Add(A.Jump(done));
    }

    /// <summary>u64 gather_body(u64 i): copy the next queued block, send it, scan it; 1 = done.</summary>
    void GatherBody(Instructions c)
    {
        c.Add(A.GlobalFunction("gather_body", 1));
        CapScratch(c);
        SnapshotProgramGenerator.Scratch(c);
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
        c.Add(A.StoreMem(R8, C.GatherType, R1, Size.DW));
        c.Add(A.LoadMem(R1, R6, 16, Size.W));
        c.Add(A.StoreMem(R8, C.GatherDepth, R1, Size.DW));
        c.Add(A.LoadMem(R1, R6, 0, Size.DW));
        c.Add(A.Mov64Imm(R2, C.GatherBuf));
        c.Add(A.Mov64(R3, R7));
        c.Add(A.CallLabel("cap_append"));
        c.Add(A.Mov64Imm(R1, C.GatherBuf));
        c.Add(A.Mov64(R2, R7));
        c.Add(A.LoadMem(R3, R8, C.GatherType, Size.DW));
        c.Add(A.Mov64(R4, R7));
        c.Add(A.LoadMem(R0, R8, C.Tmp, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, "gth_next"));
        c.Add(A.Alu64(AluOp.Div, R4, R0));                     // whole elements copied
        c.Add(A.LoadMem(R5, R8, C.GatherDepth, Size.DW));
        c.Add(A.CallLabel("cap_scan"));
        c.Add(A.Label("gth_next"));
        BpfFunctions.Return(c, 0);
        c.Add(A.Label("gth_stop"));
        BpfFunctions.Return(c, 1);
    }

    /// <summary>u64 cap_append(address, scratch offset, length): a block entry of bytes already in the scratch.</summary>
    static void Append(Instructions c, ProbePlanView probe)
    {
        c.Add(A.GlobalFunction("cap_append", 3));
        CapScratch(c);
        SnapshotProgramGenerator.Scratch(c);
        c.Add(A.Mov64(R6, R1));
        c.Add(A.Mov64(R7, R3));
        c.Add(A.JumpIfImm(JumpOp.Gt, R2, C.Size - GatherTypeTable.MaxBlockBytes, "app_out"));
        c.Add(A.StoreMem(R8, C.AppendSource, R2, Size.DW));
        BlockEntry(c, probe, "app", BpfHelper.ProbeReadKernel, () =>
        {
            c.Add(A.LoadMem(R3, R8, C.AppendSource, Size.DW));
            c.Add(A.JumpIfImm(JumpOp.Gt, R3, C.Size - GatherTypeTable.MaxBlockBytes, "app_out"));
            c.Add(A.Add64(R3, R8));
        }, "app_out");
        c.Add(A.Label("app_out"));
        BpfFunctions.Return(c, 0);
    }

    /// <summary>u64 cap_leaf(address, length): copy target memory straight into the batch as a block entry, within the byte budget.</summary>
    void Leaf(Instructions c, ProbePlanView probe)
    {
        c.Add(A.GlobalFunction("cap_leaf", 2));
        CapScratch(c);
        SnapshotProgramGenerator.Scratch(c);
        c.Add(A.Mov64(R6, R1));
        c.Add(A.Mov64(R7, R2));
        LeafInline(c, probe, "leaf", "leaf_out");
        c.Add(A.Label("leaf_out"));
        BpfFunctions.Return(c, 0);
    }

    /// <summary>The leaf copy (r6 address, r7 length) within the byte budget, then a jump to <paramref name="done"/>. r8, r9 as in <see cref="BlockEntry"/>.</summary>
    void LeafInline(Instructions c, ProbePlanView probe, string prefix, string done)
    {
        c.Add(A.LoadMem(R1, R8, C.BytesCopied, Size.DW));
        c.Add(A.LoadImm64(R2, _plan.Limits.SnapshotBytes));
        c.Add(A.JumpIf(JumpOp.Lt, R1, R2, $"{prefix}_budget"));
        c.Add(A.StoreImm(R8, C.Budget, 1, Size.DW));
        c.Add(A.Jump(done));
        c.Add(A.Label($"{prefix}_budget"));
        BlockEntry(c, probe, prefix, BpfHelper.ProbeReadUser, () => c.Add(A.Mov64(R3, R6)), done);
    }

    /// <summary>
    /// A block entry: r6 = address, r7 = length, r8 = capture scratch, r9 = snapshot scratch. Flushes when the
    /// largest entry might not fit, writes the entry header, copies the bytes with <paramref name="copy"/> from the
    /// source <paramref name="loadSource"/> leaves in r3 (a failed copy is counted, the entry dropped), advances the
    /// batch and the byte count, and jumps to <paramref name="done"/>. Clobbers r0-r5; keeps r6-r9.
    /// </summary>
    static void BlockEntry(Instructions c, ProbePlanView probe, string prefix, BpfHelper copy, Action loadSource, string done)
    {
        c.Add(A.JumpIfImm(JumpOp.Eq, R7, 0, done));
        c.Add(A.JumpIfImm(JumpOp.Gt, R7, GatherTypeTable.MaxBlockBytes, done));
        const int limit = B.BatchBytes - B.EntryHeaderSize - GatherTypeTable.MaxBlockBytes - 8;
        c.Add(A.LoadMem(R1, R8, C.BatchLen, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Le, R1, limit, $"{prefix}_room"));
        c.Add(A.StoreMem(R8, C.SavedLength, R7, Size.DW));
        FlushInline(c, probe, $"{prefix}_flush");
        c.Add(A.LoadMem(R7, R8, C.SavedLength, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Gt, R7, GatherTypeTable.MaxBlockBytes, done));
        c.Add(A.Label($"{prefix}_room"));
        c.Add(A.LoadMem(R1, R8, C.BatchLen, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Gt, R1, limit, done));
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
        // Bytes already in the scratch (a dereferenced struct, mostly small) are copied without a helper call.
        if (copy == BpfHelper.ProbeReadKernel) CopySmall(c, $"{prefix}_small", $"{prefix}_copied", 16);
        c.Add(A.Call(copy));
        c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, $"{prefix}_copied"));
        CountUnreadable(c, R6, prefix);
        c.Add(A.Jump(done));
        c.Add(A.Label($"{prefix}_copied"));
        c.Add(A.LoadMem(R1, R8, C.BatchLen, Size.DW));
        c.Add(A.Add64(R1, R7));
        c.Add(A.Add64Imm(R1, B.EntryHeaderSize + 7));
        c.Add(A.And64Imm(R1, ~7));
        c.Add(A.StoreMem(R8, C.BatchLen, R1, Size.DW));
        c.Add(A.LoadMem(R1, R8, C.BytesCopied, Size.DW));
        c.Add(A.Add64(R1, R7));
        c.Add(A.StoreMem(R8, C.BytesCopied, R1, Size.DW));
        c.Add(A.Jump(done));
    }

    /// <summary>u64 cap_flush(): send the batch if it has entries (counted as dropped when the ring refuses).</summary>
    static void FlushFunction(Instructions c, ProbePlanView probe)
    {
        c.Add(A.GlobalFunction("cap_flush", 0));
        CapScratch(c);
        SnapshotProgramGenerator.Scratch(c);
        FlushInline(c, probe, "fl");
        BpfFunctions.Return(c, 0);
    }

    /// <summary>Sends the batch if it has entries and empties it; falls through. r8 = capture scratch, r9 = snapshot scratch; clobbers r0-r5, r7.</summary>
    static void FlushInline(Instructions c, ProbePlanView probe, string prefix)
    {
        c.Add(A.LoadMem(R3, R8, C.BatchLen, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R3, 0, $"{prefix}_out"));
        c.Add(A.JumpIfImm(JumpOp.Gt, R3, B.BatchBytes, $"{prefix}_reset"));
        c.Add(A.StoreImm(R8, C.Batch, (int)B.Kind, Size.W));
        c.Add(A.StoreImm(R8, C.Batch + 4, 0, Size.W));
        c.Add(A.StoreMem(R8, C.Batch + B.Used, R3, Size.W));
        c.Add(A.StoreImm(R8, C.Batch + 12, 0, Size.W));
        c.Add(A.Add64Imm(R3, B.HeaderSize));
        SnapshotProgramGenerator.EmitIfRoom(c, probe.RingBufferBytes, R8, C.Batch, $"{prefix}_refused");
        c.Add(A.Jump($"{prefix}_reset"));
        c.Add(A.Label($"{prefix}_refused"));
        Increment(c, R8, C.BatchesDropped);
        c.Add(A.Label($"{prefix}_reset"));
        c.Add(A.StoreImm(R8, C.BatchLen, 0, Size.DW));
        c.Add(A.Label($"{prefix}_out"));
    }

    /// <summary>
    /// A copy of at most <paramref name="words"/> words between map values (r1 destination, r2 length, r3 source)
    /// done with loads and stores, then r0 = 0 and a jump to <paramref name="done"/>; longer ones fall through to the
    /// caller's helper call. A frame's span is usually one or two slots: a helper call for 8 bytes costs more.
    /// Whole words are copied (both sides have room to the next 8 bytes).
    /// </summary>
    static void CopySmall(Instructions c, string prefix, string done, int words = SmallCopyWords)
    {
        c.Add(A.JumpIfImm(JumpOp.Gt, R2, words * 8, $"{prefix}_helper"));
        for (var k = 0; k < words; k++)
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
