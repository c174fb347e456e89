using SideEye.Bpf.Asm;
using SideEye.Probes.Planning;
using SideEye.Probes.Records;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;
using L = SideEye.Probes.Records.RecordLayout;
using S = SideEye.Probes.Codegen.ScratchLayout;

namespace SideEye.Probes.Codegen;

/// <summary>The frame-pointer walk: <see cref="StepsPerCall"/> steps per bpf_loop iteration, over a copy of the stack refreshed as the walk climbs.</summary>
public static partial class SnapshotProgramGenerator
{
    /// <summary>
    /// Frame steps one frame_step call takes, unrolled, with the walk's state in registers: a step is a few dozen
    /// instructions, and the call, the loop and reloading the state from the scratch cost as much again. A power of two.
    /// </summary>
    public const int StepsPerCall = 8;

    /// <summary>
    /// u64 frame_step(u64 index): up to <see cref="StepsPerCall"/> frame-pointer steps (r6 = bp, r7 = the previous
    /// bp, r8 = PCs so far, r0 = return address); returns 1 when the walk stops. The saved bp and return address are
    /// read from the stack copy; when the walk has climbed past it, the next StackChunkBytes of the stack are copied
    /// from bp, so a deep stack costs one read per copy.
    /// </summary>
    static void FrameStep(Instructions c, ProbePlan plan, ScratchLayout scratch, CaptureCodegen? capture)
    {
        var rec = scratch.Record;
        c.Add(A.GlobalFunction("frame_step", 1));
        Scratch(c);
        c.Add(A.LoadMem(R6, R9, S.WalkBp, Size.DW));
        c.Add(A.LoadMem(R7, R9, S.WalkPrev, Size.DW));
        c.Add(A.LoadMem(R8, R9, S.WalkCount, Size.DW));
        for (var k = 0; k < StepsPerCall; k++)
        {
            var next = $"frame_step{k}_words";
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
            c.Add(A.JumpIf(JumpOp.Le, R6, R7, "frame_stop"));
            capture?.CheckFrame(c, rec + L.Pcs, plan.WalkFrames, k.ToString(System.Globalization.CultureInfo.InvariantCulture));
            // [saved bp, return address] from the copy when it holds them; else copy on from bp, and take them there.
            ChunkWords(c, $"frame_recopy{k}");
            c.Add(A.Jump(next));
            c.Add(A.Label($"frame_recopy{k}"));
            c.Add(A.Mov64(R3, R6));
            ReadStackChunk(c, rec, $"frame{k}");
            ChunkWords(c, $"frame_read{k}");
            c.Add(A.Jump(next));
            // Not even a fresh copy holds them (it could not be read: a page not resident, say): the two words alone.
            c.Add(A.Label($"frame_read{k}"));
            c.Add(A.Mov64(R3, R6));
            ReadUserFromReg(c, S.Tmp, 16, R3);
            c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "frame_unreadable"));
            c.Add(A.LoadMem(R0, R9, S.Tmp + 8, Size.DW));
            c.Add(A.Label(next));
            // r0 = the return address: in text, not runtime.goexit (the goroutine's outermost frame, never reported).
            c.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, "frame_stop"));
            c.Add(A.LoadImm64(R1, (long)plan.TextStart));
            c.Add(A.JumpIf(JumpOp.Lt, R0, R1, "frame_stop"));
            c.Add(A.LoadImm64(R1, (long)plan.TextEnd));
            c.Add(A.JumpIf(JumpOp.Ge, R0, R1, "frame_stop"));
            c.Add(A.LoadImm64(R1, (long)plan.GoexitStart));
            c.Add(A.JumpIf(JumpOp.Lt, R0, R1, $"frame_keep{k}"));
            c.Add(A.LoadImm64(R1, (long)plan.GoexitEnd));
            c.Add(A.JumpIf(JumpOp.Lt, R0, R1, "frame_stop"));
            c.Add(A.Label($"frame_keep{k}"));
            c.Add(A.JumpIfImm(JumpOp.Ge, R8, plan.WalkFrames, "frame_full"));
            c.Add(A.Mov64(R2, R8));
            c.Add(A.Lsh64Imm(R2, 3));
            c.Add(A.Add64(R2, R9));
            c.Add(A.StoreMem(R2, rec + L.Pcs, R0, Size.DW));
            c.Add(A.Add64Imm(R8, 1));
            c.Add(A.Mov64(R7, R6));
            c.Add(A.LoadMem(R6, R9, S.Tmp, Size.DW));
        }
        SaveWalk(c);
        BpfFunctions.Return(c, 0);
        // A real frame beyond the last PC the record holds: stop, not done (the goroutine is marked truncated).
        c.Add(A.Label("frame_full"));
        SaveWalk(c);
        BpfFunctions.Return(c, 1);
        c.Add(A.Label("frame_unreadable"));
        OrFlag(c, rec, GoroutineFlags.StackUnreadable);
        c.Add(A.Label("frame_stop"));
        SaveWalk(c);
        c.Add(A.StoreImm(R9, S.WalkDone, 1, Size.DW));
        BpfFunctions.Return(c, 1);
    }

    /// <summary>The walk's registers back into the scratch.</summary>
    static void SaveWalk(Instructions c)
    {
        c.Add(A.StoreMem(R9, S.WalkBp, R6, Size.DW));
        c.Add(A.StoreMem(R9, S.WalkPrev, R7, Size.DW));
        c.Add(A.StoreMem(R9, S.WalkCount, R8, Size.DW));
    }

    /// <summary>
    /// When the stack copy holds [r6, r6 + 16): Tmp = those two words, r0 = the second (the return address), and
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
        c.Add(A.LoadMem(R0, R1, S.StackChunk + 8, Size.DW));
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
