using SideEye.Bpf.Asm;
using SideEye.Probes.Planning;
using SideEye.Probes.Records;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;
using L = SideEye.Probes.Records.RecordLayout;
using S = SideEye.Probes.Codegen.ScratchLayout;

namespace SideEye.Probes.Codegen;

/// <summary>The frame-pointer walk: one step per bpf_loop iteration, over a copy of the stack refreshed as the walk climbs.</summary>
public static partial class SnapshotProgramGenerator
{
    /// <summary>
    /// u64 frame_step(u64 index): one frame-pointer step (r6 = bp, r7 = return address); returns 1 to stop. The
    /// saved bp and return address are read from the stack copy; when the walk has climbed past it, the next
    /// StackChunkBytes of the stack are copied from bp, so a deep stack costs one read per copy.
    /// </summary>
    static void FrameStep(Instructions c, ProbePlan plan, ScratchLayout scratch, CaptureCodegen? capture)
    {
        var rec = scratch.Record;
        c.Add(A.GlobalFunction("frame_step", 1));
        Scratch(c);
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
        capture?.CheckFrame(c, rec + L.Pcs, plan.WalkFrames);
        // [saved bp, return address] from the copy when it holds them; else copy on from bp, and take them there.
        ChunkWords(c, "frame_recopy");
        c.Add(A.Jump("frame_check"));
        c.Add(A.Label("frame_recopy"));
        c.Add(A.Mov64(R3, R6));
        ReadStackChunk(c, rec, "frame");
        ChunkWords(c, "frame_read");
        c.Add(A.Jump("frame_check"));
        // Not even a fresh copy holds them (it could not be read: a page not resident, say): the two words alone.
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
        c.Add(A.JumpIfImm(JumpOp.Ge, R1, plan.WalkFrames, "frame_stop"));
        c.Add(A.Mov64(R2, R1));
        c.Add(A.Lsh64Imm(R2, 3));
        c.Add(A.Add64(R2, R9));
        c.Add(A.StoreMem(R2, rec + L.Pcs, R7, Size.DW));
        c.Add(A.Add64Imm(R1, 1));
        c.Add(A.StoreMem(R9, S.WalkCount, R1, Size.DW));
        c.Add(A.StoreMem(R9, S.WalkPrev, R6, Size.DW));
        c.Add(A.LoadMem(R1, R9, S.Tmp, Size.DW));
        c.Add(A.StoreMem(R9, S.WalkBp, R1, Size.DW));
        BpfFunctions.Return(c, 0);
        c.Add(A.Label("frame_unreadable"));
        OrFlag(c, rec, GoroutineFlags.StackUnreadable);
        c.Add(A.Label("frame_stop"));
        c.Add(A.StoreImm(R9, S.WalkDone, 1, Size.DW));
        BpfFunctions.Return(c, 1);
    }

    /// <summary>
    /// When the stack copy holds [r6, r6 + 16): Tmp = those two words, r7 = the second (the return address), and
    /// fall through; else jump to <paramref name="missing"/>. Clobbers r1, r2.
    /// </summary>
    static void ChunkWords(Instructions c, string missing)
    {
        c.Add(A.Mov64(R1, R6));
        c.Add(A.LoadMem(R2, R9, S.ChunkBase, Size.DW));
        c.Add(A.JumpIf(JumpOp.Lt, R1, R2, missing));
        c.Add(A.Sub64(R1, R2));
        c.Add(A.LoadMem(R2, R9, S.ChunkLength, Size.DW));
        c.Add(A.JumpIfImm(JumpOp.Lt, R2, 16, missing));
        c.Add(A.Add64Imm(R2, -16));
        c.Add(A.JumpIf(JumpOp.Gt, R1, R2, missing));
        c.Add(A.JumpIfImm(JumpOp.Gt, R1, S.StackChunkBytes - 16, missing));
        c.Add(A.Add64(R1, R9));
        c.Add(A.LoadMem(R2, R1, S.StackChunk, Size.DW));
        c.Add(A.StoreMem(R9, S.Tmp, R2, Size.DW));
        c.Add(A.LoadMem(R7, R1, S.StackChunk + 8, Size.DW));
        c.Add(A.StoreMem(R9, S.Tmp + 8, R7, Size.DW));
    }

    /// <summary>
    /// Copies the goroutine's stack from r3 up, min(StackChunkBytes, stack.hi - r3) bytes, into the stack copy
    /// (ChunkBase = r3; ChunkLength = 0 when r3 is off the stack or the read fails). Clobbers r0-r3.
    /// </summary>
    static void ReadStackChunk(Instructions c, int rec, string prefix)
    {
        c.Add(A.StoreImm(R9, S.ChunkLength, 0, Size.DW));
        c.Add(A.StoreMem(R9, S.ChunkBase, R3, Size.DW));
        c.Add(A.LoadMem(R1, R9, rec + L.StackLo, Size.DW));
        c.Add(A.JumpIf(JumpOp.Lt, R3, R1, $"{prefix}_chunk_done"));
        c.Add(A.LoadMem(R2, R9, rec + L.StackHi, Size.DW));
        c.Add(A.JumpIf(JumpOp.Ge, R3, R2, $"{prefix}_chunk_done"));
        c.Add(A.Sub64(R2, R3));
        c.Add(A.JumpIfImm(JumpOp.Le, R2, S.StackChunkBytes, $"{prefix}_chunk_sized"));
        c.Add(A.Mov64Imm(R2, S.StackChunkBytes));
        c.Add(A.Label($"{prefix}_chunk_sized"));
        c.Add(A.StoreMem(R9, S.ChunkLength, R2, Size.DW));
        c.Add(A.Mov64(R1, R9));
        c.Add(A.Add64Imm(R1, S.StackChunk));
        c.Add(A.Call(BpfHelper.ProbeReadUser));
        c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, $"{prefix}_chunk_done"));
        c.Add(A.StoreImm(R9, S.ChunkLength, 0, Size.DW));
        c.Add(A.Label($"{prefix}_chunk_done"));
    }
}
