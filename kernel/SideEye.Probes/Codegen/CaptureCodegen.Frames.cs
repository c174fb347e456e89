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

/// <summary>A captured frame and its roots: the stack span, root assembly, dereferences, the final value.</summary>
internal sealed partial class CaptureCodegen
{
    /// <summary>u64 cap_frame(u64 i): hit i's registers (innermost frame of a running goroutine), its stack span (a frame entry), then its roots.</summary>
    void Frame(Instructions c, ProbePlanView probe)
    {
        c.Add(A.GlobalFunction("cap_frame", 1));
        CapScratch(c);
        SnapshotProgramGenerator.Scratch(c);
        LookupHit(c, R1, "frm_out");
        c.Add(A.Mov64(R7, R0));
        c.Add(A.StoreMem(R10, -32, R7, Size.DW));             // the hit, kept where the verifier tracks it
        foreach (var (from, to, size) in new[] { (0, C.FramePc, Size.DW), (8, C.FrameCfa, Size.DW), (16, C.FrameIndex, Size.W), (20, C.FramePlan, Size.W),
                     (24, C.Goid, Size.DW), (32, C.ThreadKey, Size.W), (36, C.HitFlags, Size.W) })
        {
            c.Add(A.LoadMem(R2, R7, from, size));
            c.Add(A.StoreMem(R8, to, R2, Size.DW));
        }
        c.Add(A.LoadMem(R2, R8, C.HitFlags, Size.DW));
        c.Add(A.And64Imm(R2, HitRegisters));
        c.Add(A.StoreMem(R8, C.RegsValid, R2, Size.DW));
        // The stopped thread's registers, for the innermost frame of a goroutine that was running on it.
        c.Add(A.StoreImm(R8, C.RegsLoaded, 0, Size.DW));
        c.Add(A.LoadMem(R1, R8, C.FrameIndex, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Ne, R1, 0, "frm_plan"));
        c.Add(A.LoadMem(R1, R8, C.RegsValid, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R1, 0, "frm_plan"));
        c.Add(A.LoadMapPtr(R1, SnapshotProgram.ThreadRegsMap));
        c.Add(A.Mov64(R2, R8));
        c.Add(A.Add64Imm(R2, C.ThreadKey));
        c.Add(A.Call(BpfHelper.MapLookupElem));
        c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, "frm_plan"));
        for (var k = 0; k < 16; k++)
        {
            c.Add(A.LoadMem(R2, R0, ThreadRegisters.GeneralOffset + 8 * k, Size.DW));
            c.Add(A.StoreMem(R8, C.Regs + 8 * k, R2, Size.DW));
        }
        c.Add(A.StoreImm(R8, C.RegsLoaded, 1, Size.DW));
        c.Add(A.Label("frm_plan"));
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
        c.Add(A.LoadMem(R2, R7, 16, Size.W));
        c.Add(A.StoreMem(R8, C.RootCount, R2, Size.DW));
        c.Add(A.StoreImm(R8, C.FrameSpanOk, 0, Size.DW));
        c.Add(A.StoreImm(R8, C.LastStepAddress, 0, Size.DW));
        // The span: taken with the hit during the walk when small, else read once now.
        c.Add(A.LoadMem(R2, R8, C.FrameSpanLen, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Eq, R2, 0, "frm_entry"));
        c.Add(A.JumpIfImm(JumpOp.Gt, R2, FramePlan.MaxSpan, "frm_entry"));
        c.Add(A.LoadMem(R1, R8, C.HitFlags, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Set, R1, HitSpan, "frm_span_inline"));
        c.Add(A.LoadMem(R3, R8, C.FrameCfa, Size.DW));
        c.Add(A.LoadMem(R4, R8, C.FrameSpanLo, Size.DW));
        c.Add(A.Add64(R3, R4));
        c.Add(A.Mov64(R1, R8));
        c.Add(A.Add64Imm(R1, C.FrameBuf));
        c.Add(A.Call(BpfHelper.ProbeReadUser));
        c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "frm_unreadable"));
        c.Add(A.StoreImm(R8, C.FrameSpanOk, 1, Size.DW));
        c.Add(A.Jump("frm_entry"));
        c.Add(A.Label("frm_span_inline"));
        c.Add(A.LoadMem(R7, R10, -32, Size.DW));
        for (var w = 0; w < InlineSpan / 8; w++)
        {
            c.Add(A.LoadMem(R2, R7, HitSpanAt + 8 * w, Size.DW));
            c.Add(A.StoreMem(R8, C.FrameBuf + 8 * w, R2, Size.DW));
        }
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
        c.Add(A.LoadMem(R1, R8, C.RootCount, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Le, R1, MaxRootsPerPlan, "frm_loop"));
        c.Add(A.Mov64Imm(R1, MaxRootsPerPlan));
        c.Add(A.Label("frm_loop"));
        BpfFunctions.Loop(c, "root_loop");
        c.Add(A.Label("frm_out"));
        BpfFunctions.Return(c, 0);
    }

    /// <summary>
    /// u64 cap_root(u64 j): root RootFirst + j: assemble its bytes, follow its dereferences (each pointee copied and
    /// sent as a block), scan the final value. Any piece missing: nothing (the decoder says why).
    /// </summary>
    void Root(Instructions c)
    {
        c.Add(A.GlobalFunction("cap_root", 1));
        CapScratch(c);
        SnapshotProgramGenerator.Scratch(c);
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
            c.Add(A.LoadMem(R1, R8, C.RegsLoaded, Size.DW));
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
        LeafOnce(c, "root_out");
        c.Add(A.Label("root_scan"));
        c.Add(A.Sub64(R1, R2));
        c.Add(A.Mov64(R5, R1));                               // bytes of the value in hand
        c.Add(A.LoadMem(R1, R8, C.CurBase, Size.DW));
        c.Add(A.Add64(R1, R2));
        c.Add(A.Mov64(R2, R5));
        c.Add(A.Mov64Imm(R4, 1));
        c.Add(A.Mov64Imm(R5, 0));                             // depth
        c.Add(A.CallLabel("cap_scan"));
        c.Add(A.Jump("root_out"));
        c.Add(A.Label("root_unreadable"));
        CountUnreadable(c, R7, "root");   // r7: the address that failed (a step's pointer, or a package variable's)
        c.Add(A.Label("root_out"));
        BpfFunctions.Return(c, 0);
    }
}
