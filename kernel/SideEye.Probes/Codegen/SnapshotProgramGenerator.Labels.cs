using SideEye.Bpf.Asm;
using SideEye.GoRuntime.Layouts;
using SideEye.Probes.Planning;
using SideEye.Probes.Records;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;
using L = SideEye.Probes.Records.RecordLayout;
using S = SideEye.Probes.Codegen.ScratchLayout;

namespace SideEye.Probes.Codegen;

/// <summary>A goroutine's pprof labels, sent in a labels record ahead of its goroutine record.</summary>
public static partial class SnapshotProgramGenerator
{
    /// <summary>
    /// pprof labels, when g.labels is set: gather up to MaxLabels (key, value) string headers into LabelPairs,
    /// from the []label of Go 1.24+ or the single bucket of a Go 1.19–1.23 map[string]string, where
    /// <see cref="ProbePlan.LabelMap"/> says (a map with more than one bucket, which takes more than 8 labels, or
    /// one that is growing, is not read: flagged), then copy the strings with
    /// bpf_loop(labels_copy) and send a labels record ahead of the goroutine record. Clobbers r0-r7; reloads r8
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
            var map = plan.LabelMap ?? throw new ArgumentException("the plan's labels are a map but it has no PprofLabelMapLayout", nameof(plan));
            ReadUserFromReg(c, S.Tmp, 8, R3);            // *labelMap: the map, a pointer to its hmap
            c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "g_labels_unread"));
            c.Add(A.LoadMem(R3, R9, S.Tmp, Size.DW));
            c.Add(A.JumpIfImm(JumpOp.Eq, R3, 0, "g_labels_done"));
            ReadUserFromReg(c, bucket, map.HeaderReadBytes, R3); // hmap up to the last field read here
            c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "g_labels_unread"));
            c.Add(A.LoadMem(R1, R9, bucket + map.Count.Offset, SizeOf(map.Count)));
            c.Add(A.JumpIfImm(JumpOp.Eq, R1, 0, "g_labels_done"));
            // More than one bucket, or a grow in progress: the labels are not all in the one bucket read below.
            c.Add(A.LoadMem(R1, R9, bucket + map.B.Offset, SizeOf(map.B)));
            c.Add(A.JumpIfImm(JumpOp.Ne, R1, 0, "g_labels_unread"));
            c.Add(A.LoadMem(R1, R9, bucket + map.OldBuckets.Offset, SizeOf(map.OldBuckets)));
            c.Add(A.JumpIfImm(JumpOp.Ne, R1, 0, "g_labels_unread"));
            c.Add(A.LoadMem(R3, R9, bucket + map.Buckets.Offset, SizeOf(map.Buckets)));
            ReadUserFromReg(c, bucket, map.BucketSize, R3);
            c.Add(A.JumpIfImm(JumpOp.Ne, R0, 0, "g_labels_unread"));
            // Slots whose tophash is at least runtime.minTopHash hold an entry.
            for (var j = 0; j < map.Slots; j++)
            {
                c.Add(A.LoadMem(R1, R9, bucket + map.TopHash + j, Size.B));
                c.Add(A.JumpIfImm(JumpOp.Lt, R1, map.MinTopHash, $"g_label_skip{j}"));
                c.Add(A.JumpIfImm(JumpOp.Gt, R6, L.MaxLabels - 1, "g_labels_unread"));
                c.Add(A.Mov64(R2, R6));
                c.Add(A.Lsh64Imm(R2, 5));
                c.Add(A.Add64(R2, R9));
                var key = map.Keys + PprofLabelMapLayout.StringHeaderSize * j;
                var value = map.Values + PprofLabelMapLayout.StringHeaderSize * j;
                foreach (var (from, to) in new[] { (key, 0), (key + 8, 8), (value, 16), (value + 8, 24) })
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
        BpfFunctions.Loop(c, "labels_loop");
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

    /// <summary>u64 labels_copy(u64 i): copies label i's key and value (bounded) into its slot; 1 = stop.</summary>
    static void LabelsCopy(Instructions c, ScratchLayout scratch)
    {
        var slots = scratch.Labels + L.LabelsHeaderSize;
        c.Add(A.GlobalFunction("labels_copy", 1));
        Scratch(c);
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
}
